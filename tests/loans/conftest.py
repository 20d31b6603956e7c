"""The five demo loans' terms, written out by hand (not read from ``bot.demo``), and a
Hypothesis strategy of random valid terms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import strategies as st

from bot.loans.terms import (
    AmountKind,
    Charge,
    ChargeCategory,
    ChargeTiming,
    Frequency,
    InterestMethod,
    LoanTerms,
    PenaltyKind,
    PenaltyRule,
    PrepaymentInterest,
    PrepaymentRule,
    RatePeriod,
    Savings,
)

ACCRUED = PrepaymentRule(interest=PrepaymentInterest.ACCRUED_TO_DATE)
CURRENT_PERIOD = PrepaymentRule(interest=PrepaymentInterest.CURRENT_PERIOD)


def _percent_fee(percent: str, when: ChargeTiming, category=ChargeCategory.FEE) -> Charge:
    return Charge("fee", AmountKind.PERCENT_OF_PRINCIPAL, Decimal(percent), when, category)


DEMO_TERMS: dict[str, LoanTerms] = {
    "L-1001": LoanTerms(
        principal=Decimal("50000.00"),
        currency="KES",
        disbursement_date=dt.date(2026, 9, 1),
        first_due_date=dt.date(2026, 10, 1),
        frequency=Frequency.MONTHLY,
        installments=12,
        interest_method=InterestMethod.DECLINING_EQUAL_INSTALLMENT,
        rate=Decimal(24),
        rate_period=RatePeriod.YEAR,
        charges=(
            _percent_fee("2", ChargeTiming.DEDUCTED),
            _percent_fee("1", ChargeTiming.DEDUCTED, ChargeCategory.INSURANCE),
        ),
        prepayment=ACCRUED,
    ),
    "L-2001": LoanTerms(
        principal=Decimal("8000.00"),
        currency="MXN",
        disbursement_date=dt.date(2026, 10, 6),
        first_due_date=dt.date(2026, 10, 13),
        frequency=Frequency.WEEKLY,
        installments=16,
        interest_method=InterestMethod.FLAT,
        rate=Decimal(4),
        rate_period=RatePeriod.MONTH,
        charges=(_percent_fee("3", ChargeTiming.DEDUCTED),),
        prepayment=CURRENT_PERIOD,
    ),
    "L-3001": LoanTerms(
        principal=Decimal(300000),
        currency="XOF",
        disbursement_date=dt.date(2026, 8, 15),
        first_due_date=dt.date(2026, 9, 15),
        frequency=Frequency.MONTHLY,
        installments=6,
        interest_method=InterestMethod.DECLINING_EQUAL_PRINCIPAL,
        rate=Decimal(18),
        rate_period=RatePeriod.YEAR,
        charges=(Charge("fixed fee", AmountKind.FIXED, Decimal(10000), ChargeTiming.UPFRONT),),
        savings=Savings(deposit_kind=AmountKind.PERCENT_OF_PRINCIPAL, deposit_amount=Decimal(10)),
        prepayment=ACCRUED,
    ),
    "L-4001": LoanTerms(
        principal=Decimal("30000.00"),
        currency="INR",
        disbursement_date=dt.date(2026, 7, 1),
        first_due_date=dt.date(2026, 7, 15),
        frequency=Frequency.FORTNIGHTLY,
        installments=24,
        interest_method=InterestMethod.DECLINING_EQUAL_INSTALLMENT,
        rate=Decimal(26),
        rate_period=RatePeriod.YEAR,
        charges=(Charge("fee", AmountKind.FIXED, Decimal("354.00"), ChargeTiming.UPFRONT),),
        penalty=PenaltyRule(PenaltyKind.FIXED, grace_days=2, amount=Decimal("100.00")),
        prepayment=ACCRUED,
    ),
    "L-5001": LoanTerms(
        principal=Decimal(1000000),
        currency="UGX",
        disbursement_date=dt.date(2026, 6, 20),
        first_due_date=dt.date(2026, 7, 20),
        frequency=Frequency.MONTHLY,
        installments=10,
        interest_method=InterestMethod.FLAT,
        rate=Decimal(3),
        rate_period=RatePeriod.MONTH,
        charges=(_percent_fee("2", ChargeTiming.UPFRONT),),
        penalty=PenaltyRule(PenaltyKind.PERCENT_OF_INSTALLMENT, grace_days=3, amount=Decimal(5)),
        prepayment=CURRENT_PERIOD,
    ),
    "L-5002": LoanTerms(
        principal=Decimal(200000),
        currency="UGX",
        disbursement_date=dt.date(2026, 10, 10),
        first_due_date=dt.date(2026, 11, 10),
        frequency=Frequency.MONTHLY,
        installments=4,
        interest_method=InterestMethod.FLAT,
        rate=Decimal("2.5"),
        rate_period=RatePeriod.MONTH,
        prepayment=CURRENT_PERIOD,
    ),
}


@pytest.fixture
def demo_terms() -> dict[str, LoanTerms]:
    """The demo loans' terms by account number."""
    return DEMO_TERMS


MINOR_UNIT_EXPONENT = {"KES": -2, "XOF": 0, "UGX": 0, "BHD": -3, "MXN": -2}


@st.composite
def _loan_terms(draw: st.DrawFn) -> LoanTerms:
    currency = draw(st.sampled_from(sorted(MINOR_UNIT_EXPONENT)))
    # amounts in minor units; small ones too, where rounding remainders matter most
    principal = Decimal(draw(st.integers(1, 100) | st.integers(1, 10**9)))
    installments = draw(st.integers(1, 60))
    charges: tuple[Charge, ...] = ()
    if draw(st.booleans()):
        charges = (
            Charge(
                "fee",
                AmountKind.FIXED,
                Decimal(draw(st.integers(0, 1000))),
                ChargeTiming.PER_INSTALLMENT,
                tax_percent=Decimal(draw(st.integers(0, 20))),
            ),
        )
    deposit = draw(st.sampled_from([None, AmountKind.FIXED, AmountKind.PERCENT_OF_PRINCIPAL]))
    return LoanTerms(
        principal=principal.scaleb(MINOR_UNIT_EXPONENT[currency]),
        currency=currency,
        disbursement_date=dt.date(2026, 1, 1) + dt.timedelta(days=draw(st.integers(0, 800))),
        first_due_date=None,
        frequency=draw(st.sampled_from(Frequency)),
        installments=installments,
        interest_method=draw(st.sampled_from(InterestMethod)),
        rate=Decimal(draw(st.integers(0, 6000))) / 100,
        rate_period=draw(st.sampled_from(RatePeriod)),
        charges=charges,
        interest_tax_percent=Decimal(draw(st.integers(0, 20))),
        grace_periods=draw(st.integers(0, installments - 1)),
        savings=Savings(
            deposit_kind=deposit,
            deposit_amount=Decimal(draw(st.integers(0, 20))),
            per_installment=Decimal(draw(st.integers(0, 100))),
        ),
        penalty=PenaltyRule(
            kind=draw(st.sampled_from(PenaltyKind)),
            grace_days=draw(st.integers(0, 5)),
            amount=Decimal(draw(st.integers(0, 500))),
        ),
        prepayment=PrepaymentRule(interest=draw(st.sampled_from(PrepaymentInterest))),
    )


@pytest.fixture(scope="session")
def valid_terms() -> st.SearchStrategy[LoanTerms]:
    """Random terms that ``build_schedule`` accepts (session-scoped, for use inside @given)."""
    return _loan_terms()
