"""Fuzzing the Fineract mapping (``bot.fineract.mapping``) with damaged Fineract responses: each
function gives its value, or a ``FineractDataError`` naming the field; nothing else."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bot.fineract.mapping import (
    ClientRecord,
    FineractDataError,
    FineractSchedule,
    LoanRecord,
    client_record,
    fineract_schedule,
    loan_ids,
    loan_record,
)
from bot.settings import PROJECT_ROOT
from tests.fuzz.conftest import FUZZ, JSON_VALUES, NASTY_INT, NASTY_TEXT, mutated

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "fineract"


def fixture(name: str) -> Any:
    """A sample with numbers as Decimal, as ``bot.fineract.client`` parses response bodies."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"), parse_float=Decimal)


# Loan 29 with its product (as in tests/fineract/test_fineract_mapping.py), and the apiLive
# loan 1 with an installment fee and without its recurring penalty.
PRODUCT_3 = {
    "id": 3,
    "interestRecalculationData": {"preClosureInterestCalculationStrategy": {"id": 2}},
}
KAMPALA = fixture("loan_retrieve_apidoc.json")
KAMPALA["transactions"] = [fixture("loan_transaction_with_charge_paid_apidoc.json")]
del KAMPALA["summary"]["overdueCharges"]
KAMPALA["charges"] = [
    {
        "id": 5,
        "chargeId": 4,
        "name": "Installment fee",
        "chargeTimeType": {"id": 8},
        "chargeCalculationType": {"id": 1},
        "amount": 1500,
        "penalty": False,
    }
]
LOANS = {
    "loan 29": (fixture("loan_with_associations.json"), PRODUCT_3),
    "kampala": (KAMPALA, {**fixture("loan_product_with_charges.json"), "id": 1}),
}
SCHEDULES = [
    fixture("loan_schedule_12_periods_apidoc.json"),
    fixture("loan_reschedule_preview_elided_apidoc.json"),
]
CLIENTS = [fixture("client.json"), fixture("client_apidoc.json")]
ACCOUNTS = fixture("client_accounts.json")
FIELD_VALUES = (
    JSON_VALUES
    | NASTY_INT
    | NASTY_TEXT
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.sampled_from(
        [
            Decimal("1E+40"),
            Decimal("-1E+40"),
            Decimal("1E-40"),
            [10**20, 1, 1],
            [2026, 2, 30],
            [0, 1, 1],
            [-1, -1, -1],
            {"id": 10**20},
            {"id": "2"},
            {"code": ["KES"]},
            {"code": "KES", "decimalPlaces": 10**20},
            "KES",
            "XOF",
        ]
    )
)


def value_or_error(parse: Callable[..., Any], *args: Any) -> Any:
    """``parse(*args)`` under the mapping's contract: a value, or a FineractDataError with the
    field it names and what is wrong."""
    try:
        return parse(*args)
    except FineractDataError as error:
        assert error.field and str(error).startswith(f"Fineract {error.field}: ")
        assert str(error) != f"Fineract {error.field}: "
        return None


def test_the_samples_map() -> None:
    for loan, product in LOANS.values():
        assert isinstance(loan_record(copy.deepcopy(loan), product), LoanRecord)
    for schedule in SCHEDULES:
        assert isinstance(fineract_schedule(copy.deepcopy(schedule)), FineractSchedule)
    for client in CLIENTS:
        assert isinstance(client_record(copy.deepcopy(client)), ClientRecord)
    assert loan_ids(copy.deepcopy(ACCOUNTS))


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [
            p for key, child in value.items() for p in [(*path, key), *_leaves(child, (*path, key))]
        ]
    if isinstance(value, list):
        return [
            p for i, child in enumerate(value) for p in [(*path, i), *_leaves(child, (*path, i))]
        ]
    return []


def _replace(document: Any, path: tuple[Any, ...], value: Any) -> None:
    *parents, last = path
    for key in parents:
        document = document[key]
    document[last] = copy.deepcopy(value)  # the sampled lists and objects are shared


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(LOANS)))
def test_a_loan_and_its_product_with_structural_damage_map_or_are_refused(
    data: st.DataObject, name: str
) -> None:
    loan, product = LOANS[name]
    damaged_loan = data.draw(mutated(loan, rounds=4))
    damaged_product = data.draw(st.just(copy.deepcopy(product)) | mutated(product, rounds=2))
    record = value_or_error(loan_record, damaged_loan, damaged_product)
    assert record is None or isinstance(record, LoanRecord)


@FUZZ
@given(
    data=st.data(),
    name=st.sampled_from(sorted(LOANS)),
    values=st.lists(FIELD_VALUES, min_size=1, max_size=3),
)
def test_a_loan_with_any_value_in_any_field_maps_or_is_refused(
    data: st.DataObject, name: str, values: list[Any]
) -> None:
    loan = copy.deepcopy(LOANS[name][0])
    for value in values:
        _replace(loan, data.draw(st.sampled_from(_leaves(loan))), value)
    record = value_or_error(loan_record, loan, LOANS[name][1])
    assert record is None or isinstance(record, LoanRecord)


@FUZZ
@given(data=st.data(), schedule=st.sampled_from(SCHEDULES), value=FIELD_VALUES)
def test_a_schedule_with_damage_or_any_value_maps_or_is_refused(
    data: st.DataObject, schedule: Any, value: Any
) -> None:
    damaged = data.draw(mutated(schedule, rounds=3))
    assert value_or_error(fineract_schedule, damaged) is None or isinstance(
        fineract_schedule(damaged), FineractSchedule
    )
    one_value = copy.deepcopy(schedule)
    _replace(one_value, data.draw(st.sampled_from(_leaves(one_value))), value)
    value_or_error(fineract_schedule, one_value)


@FUZZ
@given(
    data=st.data(),
    client=st.sampled_from(CLIENTS),
    region=st.sampled_from([None, "KE", "UG", "IN"]),
    mobile=NASTY_TEXT | st.text(max_size=30) | st.from_regex(r"\+?[0-9 ()-]{0,20}", fullmatch=True),
)
def test_a_client_with_damage_or_any_mobile_number_maps_or_is_refused(
    data: st.DataObject, client: Any, region: str | None, mobile: str
) -> None:
    value_or_error(client_record, data.draw(mutated(client, rounds=3)), region)
    record = value_or_error(client_record, {**client, "mobileNo": mobile}, region)
    if record is not None and record.mobile is not None:
        assert record.mobile.startswith("+") and record.mobile[1:].isdigit()


@FUZZ
@given(data=st.data())
def test_client_accounts_with_damage_give_loan_ids_or_are_refused(data: st.DataObject) -> None:
    ids = value_or_error(loan_ids, data.draw(mutated(ACCOUNTS, rounds=3)))
    assert ids is None or (ids == sorted(ids) and all(isinstance(i, int) for i in ids))


@FUZZ
@given(body=JSON_VALUES, product=JSON_VALUES)
def test_any_json_body_maps_or_is_refused_by_every_reader(body: Any, product: Any) -> None:
    value_or_error(loan_record, body, product)
    value_or_error(loan_record, copy.deepcopy(LOANS["loan 29"][0]), product)
    value_or_error(fineract_schedule, body)
    value_or_error(client_record, body)
    value_or_error(loan_ids, body)
