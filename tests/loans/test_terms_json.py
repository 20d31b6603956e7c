"""TERMS.json and PAYMENTS.json: read field by field, every problem named."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bot.loans.terms import (
    AllocationPart,
    AmountKind,
    ChargeCategory,
    ChargeTiming,
    Frequency,
    InterestMethod,
    PenaltyKind,
    PrepaymentInterest,
    RatePeriod,
)
from bot.loans.terms_json import InputError, payments_from_json, terms_from_json
from tests.loans.terms_samples import FULL, L1001


def test_full_terms_are_read() -> None:
    terms = terms_from_json(FULL)
    assert terms.principal == Decimal("50000.00")
    assert terms.first_due_date == dt.date(2026, 10, 1)
    assert terms.frequency is Frequency.MONTHLY
    assert terms.interest_method is InterestMethod.DECLINING_EQUAL_INSTALLMENT
    assert terms.rate_period is RatePeriod.YEAR
    fee, insurance = terms.charges
    assert (fee.kind, fee.when, fee.amount) == (
        AmountKind.PERCENT_OF_PRINCIPAL,
        ChargeTiming.DEDUCTED,
        Decimal(2),
    )
    assert insurance.category is ChargeCategory.INSURANCE
    assert fee.tax_percent == insurance.tax_percent == Decimal(16)
    assert terms.interest_tax_percent == Decimal(16)
    assert terms.savings.deposit_amount == Decimal(1000)
    assert terms.penalty.kind is PenaltyKind.FIXED and terms.penalty.cap == Decimal(300)
    assert terms.prepayment.interest is PrepaymentInterest.CURRENT_PERIOD
    assert terms.installment_multiple == Decimal(50)
    assert terms.allocation_order[0] is AllocationPart.INTEREST


def test_numbers_keep_their_decimal_text() -> None:
    terms = terms_from_json({**L1001, "principal": 1000.1, "rate": 0.1})
    assert terms.principal == Decimal("1000.1")
    assert terms.rate == Decimal("0.1")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"principal": None}, "principal"),
        ({"principal": "-5"}, "principal"),
        ({"principal": "lots"}, "principal"),
        ({"installments": 0}, "installments"),
        ({"frequency": "yearly"}, "frequency"),
        ({"disbursement_date": "2026-02-30"}, "disbursement_date"),
        ({"first_payment_date": "2026-08-01"}, "first_payment_date"),
        ({"currency": "XYZ"}, "currency"),
        ({"interest_method": "simple"}, "interest_method"),
        ({"rate_period": "decade"}, "rate_period"),
        ({"rate": "-1"}, "rate"),
        ({"fees": [{"kind": "fixed", "amount": "1"}]}, "fees[0].when"),
        ({"fees": [{"kind": "flat", "amount": "1", "when": "upfront"}]}, "fees[0].kind"),
        ({"penalty": {"kind": "sometimes"}}, "penalty.kind"),
        ({"allocation_order": ["interest", "interest", "fees", "penalties"]}, "allocation_order"),
        ({"grace_periods": 12}, "grace_periods"),
    ],
)
def test_bad_terms_name_the_field(change: dict, field: str) -> None:
    data = {**L1001, **change}
    if change.get("principal", "") is None:
        del data["principal"]
    with pytest.raises(InputError) as caught:
        terms_from_json(data)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")
    assert "\n" not in str(caught.value)


def test_payments() -> None:
    payments = payments_from_json([{"date": "2026-10-01", "amount": "4727.98"}])
    assert payments[0].date == dt.date(2026, 10, 1)
    assert payments[0].amount == Decimal("4727.98")
    assert payments_from_json({"payments": []}) == []


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"date": "2026-10-01"}, "payments[0].amount"),
        ({"date": "2026-13-01", "amount": "1"}, "payments[0].date"),
        ({"date": "2026-10-01", "amount": "0"}, "payments[0].amount"),
    ],
)
def test_bad_payments_name_the_field(data: dict, field: str) -> None:
    with pytest.raises(InputError) as caught:
        payments_from_json([data])
    assert caught.value.field == field
