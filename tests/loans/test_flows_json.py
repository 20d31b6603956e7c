"""FLOWS.json (the ``wazi loan rate`` input): good documents give rates, bad ones name the field."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from bot.loans.flows_json import InputError, parse_flows, rates_as_json, rates_from_flows_json
from bot.loans.rates import NoRateError

D = Decimal

# Regulation Z Appendix J (c)(1)(i), https://www.consumerfinance.gov/rules-policy/regulations/1026/j/
# : 5,000 advanced 1-10-78, 24 monthly payments of 230 from 2-10-78, stated APR 9.69%.
APPENDIX_J_C1I = {
    "unit_period": "month",
    "flows": [{"amount": "5000", "date": "1978-01-10"}]
    + [
        {"amount": "-230", "date": f"{1978 + (k + 1) // 12}-{(k + 1) % 12 + 1:02d}-10"}
        for k in range(24)
    ],
}

# 12 payments of 888.49 on 10,000 at 1% a month (the annuity 10,000 x 0.01 / (1 - 1.01^-12)).
AMORTIZATION = {
    "periods_per_year": 12,
    "flows": [{"amount": "10000", "period": 0}]
    + [{"amount": "-888.49", "period": k} for k in range(1, 13)],
}


def test_dated_flows() -> None:
    """Appendix J (c)(1)(i) through JSON: APR 9.69% to two places, plus the actual-days EIR."""
    out = rates_as_json(rates_from_flows_json(json.loads(json.dumps(APPENDIX_J_C1I))))
    assert set(out) == {"apr_percent", "eir_percent", "eir_actual_days_percent"}
    assert D(out["apr_percent"]).quantize(D("0.01")) == D("9.69")
    assert all(isinstance(value, str) for value in out.values())


def test_period_flows() -> None:
    out = rates_as_json(rates_from_flows_json(AMORTIZATION))
    assert out == {"apr_percent": "12.0005", "eir_percent": "12.6830"}


def test_unit_period_works_for_period_flows_too() -> None:
    document = {"unit_period": "month", "flows": AMORTIZATION["flows"]}
    assert rates_from_flows_json(document) == rates_from_flows_json(AMORTIZATION)


def test_bare_list_with_the_setting_from_the_caller() -> None:
    flows = AMORTIZATION["flows"]
    assert rates_from_flows_json(flows, periods_per_year=12) == rates_from_flows_json(AMORTIZATION)
    assert rates_from_flows_json(flows, unit_period="month") == rates_from_flows_json(AMORTIZATION)


def test_numbers_are_read_through_their_text() -> None:
    flows, unit, per_year = parse_flows(
        {
            "periods_per_year": "52",
            "flows": [{"amount": 1000, "period": 0}, {"amount": -88.85, "period": 1.5}],
        }
    )
    assert [f.amount for f in flows] == [D(1000), D("-88.85")]
    assert flows[1].period == D("1.5")
    assert (unit, per_year) == (None, 52)


def test_fractional_periods_per_year() -> None:
    _, _, per_year = parse_flows({"periods_per_year": "1.4314", "flows": AMORTIZATION["flows"][:2]})
    assert per_year == D("1.4314")


def _with_flow(k: int, flow: Any) -> dict[str, Any]:
    flows = list(AMORTIZATION["flows"])
    flows[k] = flow
    return {"periods_per_year": 12, "flows": flows}


def _dated(*flows: dict[str, Any]) -> dict[str, Any]:
    return {"unit_period": "month", "flows": list(flows)}


GOOD = {"amount": "-100", "date": "2026-02-15"}

BAD_DOCUMENTS = [
    ({}, "flows"),
    ("flows", "flows"),
    ({"unit_period": "month", "flows": "none"}, "flows"),
    ({"unit_period": "month", "flows": [GOOD]}, "flows"),
    ({"unit_period": "month", "flows": [], "currency": "KES"}, "currency"),
    (_dated({"amount": "1000", "date": "2026-01-15"}, {"date": "2026-02-15"}), "flows[1].amount"),
    ({"unit_period": "moon", "flows": AMORTIZATION["flows"]}, "unit_period"),
    ({"unit_period": 12, "flows": AMORTIZATION["flows"]}, "unit_period"),
    (_dated({"amount": "1000", "date": "2026-01-15"}, {"amount": "-100", "period": 1}), "flows[1]"),
    (_dated({"amount": "1000", "period": 0}, GOOD), "flows[1]"),
    (
        _dated({"amount": "1000", "date": "2026-01-15"}, {"amount": "-1", "date": "2026-02-30"}),
        "flows[1].date",
    ),
    (_dated({"amount": "1000", "date": "15/01/2026"}, GOOD), "flows[0].date"),
    (_dated({"amount": "1000", "date": 20260115}, GOOD), "flows[0].date"),
    (_dated({"amount": "a lot", "date": "2026-01-15"}, GOOD), "flows[0].amount"),
    (_dated({"amount": "NaN", "date": "2026-01-15"}, GOOD), "flows[0].amount"),
    (_dated({"amount": True, "date": "2026-01-15"}, GOOD), "flows[0].amount"),
    (_dated({"amount": "1000", "date": "2026-01-15", "period": 0}, GOOD), "flows[0]"),
    (_dated({"amount": "1000"}, GOOD), "flows[0]"),
    (_dated({"amount": "1000", "date": "2026-01-15", "note": "x"}, GOOD), "flows[0].note"),
    (_dated("1000", GOOD), "flows[0]"),
    (_with_flow(3, {"amount": "-888.49", "period": -1}), "flows[3].period"),
    (_with_flow(3, {"amount": "-888.49", "period": "third"}), "flows[3].period"),
    (
        {"unit_period": "month", "periods_per_year": 12, "flows": AMORTIZATION["flows"]},
        "periods_per_year",
    ),
    ({"flows": AMORTIZATION["flows"]}, "unit_period"),
    ({"periods_per_year": 0, "flows": AMORTIZATION["flows"]}, "periods_per_year"),
    ({"periods_per_year": "monthly", "flows": AMORTIZATION["flows"]}, "periods_per_year"),
    ({"periods_per_year": 12, "flows": APPENDIX_J_C1I["flows"]}, "periods_per_year"),
    (AMORTIZATION["flows"], "unit_period"),
]


@pytest.mark.parametrize(("document", "field"), BAD_DOCUMENTS)
def test_bad_input_names_the_field(document: Any, field: str) -> None:
    with pytest.raises(InputError) as caught:
        rates_from_flows_json(document)
    assert caught.value.field == field
    message = str(caught.value)
    assert message.startswith(f"{field}: ")
    assert "\n" not in message


def test_a_date_that_does_not_exist_says_so() -> None:
    document = _dated(
        {"amount": "1000", "date": "2026-01-15"}, {"amount": "-1", "date": "2026-02-30"}
    )
    with pytest.raises(InputError, match=r"^flows\[1\]\.date: 2026-02-30 is not a date$"):
        rates_from_flows_json(document)


def test_well_formed_flows_without_a_rate() -> None:
    document = {
        "periods_per_year": 12,
        "flows": [{"amount": "100", "period": 0}, {"amount": "5", "period": 1}],
    }
    with pytest.raises(NoRateError, match="same sign"):
        rates_from_flows_json(document)
