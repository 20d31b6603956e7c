"""Totals, cash flows and the true cost of the demo loans and of random loans."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.loans.cost import cash_flows, loan_rates, totals
from bot.loans.quote import explanations, quote, quote_as_json
from bot.loans.schedule import build_schedule
from bot.loans.terms import (
    AmountKind,
    Charge,
    ChargeTiming,
    Frequency,
    InterestMethod,
    LoanTerms,
    Payment,
    RatePeriod,
)


def test_l1001_totals_by_hand(demo_terms: dict[str, LoanTerms]) -> None:
    t = totals(build_schedule(demo_terms["L-1001"]))
    # 12 x 4,727.98 = 56,735.76, less the 50,000 principal = 6,735.76 of interest.
    assert t.installments == Decimal("56735.76")
    assert t.interest == Decimal("6735.76")
    # Fee 2% and insurance 1% of 50,000, both deducted: 1,000 and 500; 48,500 in hand.
    assert (t.fees, t.insurance) == (Decimal("1000.00"), Decimal("500.00"))
    assert t.net_received == Decimal("48500.00")
    assert t.cost_of_credit == Decimal("8235.76")  # 6,735.76 + 1,000 + 500
    assert t.total_to_repay == Decimal("56735.76")  # nothing paid in cash upfront


def test_l3001_savings_come_back_and_are_not_a_cost(demo_terms: dict[str, LoanTerms]) -> None:
    schedule = build_schedule(demo_terms["L-3001"])
    t = totals(schedule)
    # Equal principal of 50,000; interest 1.5% a month of 300,000, 250,000, ... 50,000:
    # 4,500 + 3,750 + 3,000 + 2,250 + 1,500 + 750 = 15,750.
    assert t.interest == Decimal(15750)
    assert t.fees == Decimal(10000)
    assert t.savings_paid == t.savings_returned == Decimal(30000)
    assert t.cost_of_credit == Decimal(25750)
    # Cash in hand: 300,000 - 10,000 fee paid upfront - 30,000 deposit = 260,000.
    assert t.net_received == Decimal(260000)
    assert t.total_to_repay == Decimal(315750) + Decimal(10000)
    flows = cash_flows(schedule)
    assert flows[0].amount == Decimal(260000)
    # The last installment (50,750) is met by the 30,000 savings returned the same day.
    assert flows[-1].amount == Decimal(-50750) + Decimal(30000)


def test_l1001_rates(demo_terms: dict[str, LoanTerms]) -> None:
    rates = loan_rates(build_schedule(demo_terms["L-1001"]))
    # Hand check of the APR: 48,500 received, 12 x 4,727.98 paid monthly. At 2.4995% a month
    # the present value of the installments is 4,727.98 x (1 - 1.024995^-12) / 0.024995
    # = 48,500.0 (to the cent), so APR = 12 x 2.4995% = 29.99%.
    assert abs(rates.apr_percent - Decimal("29.99")) < Decimal("0.01")
    eir = (1 + rates.periodic_rate) ** 12 - 1
    assert abs(rates.eir_percent - eir * 100) < Decimal("0.0001")
    assert rates.eir_actual_days_percent is not None


def test_flat_rate_apr_is_far_above_the_flat_rate(demo_terms: dict[str, LoanTerms]) -> None:
    # L-2001: 4% a month flat is 48% a year "flat"; on a declining basis, with the 3% fee
    # deducted, it costs about twice that (CGAP's rule of thumb for flat rates).
    rates = loan_rates(build_schedule(demo_terms["L-2001"]))
    assert Decimal(90) < rates.apr_percent < Decimal(110)


def test_a_loan_with_no_rate_is_reported_not_guessed() -> None:
    terms = LoanTerms(
        principal=Decimal(1000),
        currency="USD",
        disbursement_date=dt.date(2026, 1, 1),
        first_due_date=None,
        frequency=Frequency.MONTHLY,
        installments=2,
        interest_method=InterestMethod.FLAT,
        rate=Decimal(0),
        rate_period=RatePeriod.MONTH,
        # A fee equal to the principal, deducted: the client receives nothing.
        charges=(Charge("all", AmountKind.FIXED, Decimal(1000), ChargeTiming.DEDUCTED),),
    )
    result = quote(terms)
    assert result.rates is None
    assert result.rate_error
    assert quote_as_json(result)["apr_percent"] is None


def test_quote_json_has_every_field(demo_terms: dict[str, LoanTerms]) -> None:
    terms = demo_terms["L-1001"]
    rows = build_schedule(terms).rows
    payments = [Payment(r.due_date, r.total) for r in rows[:2]]
    data = quote_as_json(quote(terms, payments, dt.date(2026, 11, 25)))
    assert set(data["schedule"][0]) >= {
        "due_date",
        "principal",
        "interest",
        "fees",
        "total",
        "balance",
    }
    assert data["schedule"][2] == {
        "number": 3,
        "due_date": "2026-12-01",
        "principal": "3878.59",
        "interest": "849.39",
        "fees": "0.00",
        "savings": "0.00",
        "total": "4727.98",
        "balance": "38590.89",
    }
    status = data["status"]
    assert status["next_due"]["amount"] == "4727.98"
    assert status["outstanding_principal"] == "42469.48"
    assert status["total_due_today"] == "0.00"
    # 42,469.48 + 849.39 x 24/30 (Nov 1 to Nov 25 of a 30-day period) = 43,148.99.
    assert status["payoff_amount"] == "43148.99"
    assert data["apr_percent"] and data["eir_percent"] and data["eir_actual_days_percent"]
    figures = {e.figure for e in explanations(quote(terms, payments, dt.date(2026, 11, 25)))}
    assert {"installment", "apr_percent", "eir_percent", "payoff_amount"} <= figures


@st.composite
def _loans_with_fees(draw: st.DrawFn) -> LoanTerms:
    frequency = draw(st.sampled_from(list(Frequency)))
    method = draw(st.sampled_from(list(InterestMethod)))
    return LoanTerms(
        principal=Decimal(draw(st.integers(10_000, 5_000_000))),
        currency="KES",
        disbursement_date=dt.date(2026, 1, 31),
        first_due_date=None,
        frequency=frequency,
        installments=draw(st.integers(2, 52)),
        interest_method=method,
        rate=Decimal(draw(st.integers(100, 6000))) / 100,
        rate_period=RatePeriod.YEAR,
        charges=(
            Charge(
                "fee",
                AmountKind.PERCENT_OF_PRINCIPAL,
                Decimal(draw(st.integers(1, 50))) / 10,
                draw(st.sampled_from([ChargeTiming.DEDUCTED, ChargeTiming.UPFRONT])),
            ),
        ),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_loans_with_fees())
def test_apr_is_not_below_the_nominal_declining_rate(terms: LoanTerms) -> None:
    schedule = build_schedule(terms)
    nominal = schedule.periodic_rate * terms.frequency.periods_per_year * 100
    rates = loan_rates(schedule)
    assert rates.apr_percent >= nominal - Decimal("0.01")


@settings(max_examples=100, deadline=None)
@given(_loans_with_fees())
def test_a_fee_never_lowers_the_apr(terms: LoanTerms) -> None:
    with_fee = loan_rates(build_schedule(terms)).apr_percent
    without = loan_rates(build_schedule(dataclasses.replace(terms, charges=()))).apr_percent
    assert with_fee >= without


@pytest.mark.parametrize("loan", ["L-1001", "L-2001", "L-3001", "L-4001", "L-5001", "L-5002"])
def test_demo_cash_flows_balance(demo_terms: dict[str, LoanTerms], loan: str) -> None:
    schedule = build_schedule(demo_terms[loan])
    t = totals(schedule)
    flows = cash_flows(schedule)
    # What the client gets minus what the client pays is minus the cost of credit.
    assert sum(f.amount for f in flows) == -t.cost_of_credit
