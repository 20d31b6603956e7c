"""Fuzzing the loan-terms parser (TERMS.json and PAYMENTS.json, ``bot.loans.terms_json``): any
JSON value gives valid terms or payments, or an ``InputError`` naming a field; nothing else."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bot.loans.terms import LoanTerms, Payment
from bot.loans.terms_json import InputError, payments_from_json, terms_from_json
from tests.fuzz.conftest import FUZZ, JSON_VALUES, NASTY_INT, NASTY_TEXT, mutated
from tests.loans.terms_samples import FULL, L1001

PAYMENTS: dict[str, Any] = {
    "payments": [
        {"date": "2026-10-01", "amount": "4727.98"},
        {"date": "2026-11-03", "amount": 4800},
    ]
}
TERMS = {"L1001": L1001, "full": FULL}
# Values a field could hold in a hand-written file: numbers as text or JSON, huge, tiny,
# negative, non-finite, unicode digits, dates out of range.
FIELD_VALUES = (
    NASTY_TEXT
    | NASTY_INT
    | st.sampled_from(
        [
            "1e30",
            "1e-30",
            "-0",
            "0.0001",
            "1E+999999999",
            "sNaN",
            "-Infinity",
            " 12 ",
            "9999-12-31",
            "0001-01-01",
            "2026-13-01",
            1.5,
            1e308,
            -0.0,
            "monthly",
            "fixed",
            "KES",
            "XOF",
        ]
    )
    | st.decimals(allow_nan=False, allow_infinity=False).map(str)
    | JSON_VALUES
)


def terms_or_error(data: Any) -> LoanTerms | None:
    """``terms_from_json`` under its contract: terms that passed the engine's checks, or an
    InputError naming a field."""
    try:
        terms = terms_from_json(data)
    except InputError as error:
        assert error.field and str(error).startswith(f"{error.field}: ")
        assert str(error) != f"{error.field}: "
        return None
    assert isinstance(terms, LoanTerms)
    assert terms.principal > 0 and terms.installments >= 1 and terms.rate >= 0
    assert 0 <= terms.grace_periods < terms.installments
    assert all(isinstance(value, Decimal) for value in (terms.principal, terms.rate))
    return terms


def payments_or_error(data: Any) -> list[Payment] | None:
    try:
        payments = payments_from_json(data)
    except InputError as error:
        assert error.field and str(error).startswith(f"{error.field}: ")
        return None
    assert isinstance(payments, list)
    assert all(isinstance(p, Payment) and p.amount > 0 for p in payments)
    return payments


def test_the_valid_samples_are_read() -> None:
    for sample in TERMS.values():
        assert terms_or_error(json.loads(json.dumps(sample))) is not None
    assert len(payments_or_error(json.loads(json.dumps(PAYMENTS))) or []) == 2


@FUZZ
@given(data=JSON_VALUES)
def test_any_json_value_is_terms_or_an_input_error(data: Any) -> None:
    terms_or_error(data)


@FUZZ
@given(data=JSON_VALUES)
def test_any_json_value_is_payments_or_an_input_error(data: Any) -> None:
    payments_or_error(data)


@FUZZ
@given(
    name=st.sampled_from(sorted(TERMS)),
    changes=st.dictionaries(st.sampled_from(sorted(FULL)), FIELD_VALUES, min_size=1, max_size=4),
)
def test_terms_with_any_value_in_any_field_are_read_or_refused_naming_a_field(
    name: str, changes: dict[str, Any]
) -> None:
    terms_or_error({**TERMS[name], **changes})


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(TERMS)))
def test_terms_with_nested_keys_deleted_swapped_or_replaced_are_read_or_refused(
    data: st.DataObject, name: str
) -> None:
    terms_or_error(data.draw(mutated(TERMS[name], rounds=4)))


@FUZZ
@given(
    data=st.data(),
    field=st.sampled_from(["fees", "taxes", "compulsory_savings", "penalty", "prepayment"]),
    value=FIELD_VALUES,
)
def test_any_value_inside_the_nested_objects_is_read_or_refused(
    data: st.DataObject, field: str, value: Any
) -> None:
    terms = json.loads(json.dumps(FULL))
    inner = terms[field][0] if field == "fees" else terms[field]
    inner[data.draw(st.sampled_from(sorted(inner) + ["tax_percent", "category", "cap"]))] = value
    terms_or_error(terms)


@FUZZ
@given(data=st.data(), value=FIELD_VALUES)
def test_payments_with_any_value_or_structure_are_read_or_refused(
    data: st.DataObject, value: Any
) -> None:
    payments = json.loads(json.dumps(PAYMENTS))
    payments["payments"][data.draw(st.integers(0, 1))][
        data.draw(st.sampled_from(["date", "amount"]))
    ] = value
    payments_or_error(payments)
    payments_or_error(data.draw(mutated(PAYMENTS, rounds=3)))
