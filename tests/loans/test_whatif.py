"""What-ifs: paying late, paying extra today, paying off on a date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.loans.schedule import build_schedule
from bot.loans.terms import LoanTerms, Payment
from bot.loans.whatif import ExtraMode, WhatIfError, pay_extra, pay_late, payoff_on

TODAY = dt.date(2026, 11, 25)


def _paid(terms: LoanTerms, count: int) -> list[Payment]:
    return [Payment(r.due_date, r.total) for r in build_schedule(terms).rows[:count]]


def test_paying_l4001_two_weeks_late_costs_the_fixed_late_fee(demo_terms) -> None:
    terms = demo_terms["L-4001"]
    late = pay_late(build_schedule(terms), _paid(terms, 10), TODAY, 14)
    # Installment 11 is due 2026-12-02; 14 days later is more than the 2 grace days: 100.00.
    assert (late.installment, late.due_date) == (11, dt.date(2026, 12, 2))
    assert late.paid_on == dt.date(2026, 12, 16)
    assert late.penalty == Decimal("100.00")
    assert late.amount_due == build_schedule(terms).row(11).total + Decimal("100.00")


def test_paying_within_the_grace_days_costs_nothing(demo_terms) -> None:
    terms = demo_terms["L-4001"]
    late = pay_late(build_schedule(terms), _paid(terms, 10), TODAY, 2)
    assert late.penalty == 0


def test_l5001_overdue_installment_paid_a_week_from_today(demo_terms) -> None:
    terms = demo_terms["L-5001"]
    schedule = build_schedule(terms)
    late = pay_late(schedule, _paid(terms, 4), TODAY, 7)
    # Installment 5 (due 2026-11-20) is already overdue: paid 7 days from today, 12 days late.
    # Flat: 100,000 principal + 30,000 interest a month = 130,000; late fee 5% = 6,500.
    assert (late.installment, late.days_late) == (5, 12)
    assert late.penalty == Decimal(6500)
    assert late.amount_due == Decimal(136500)


def test_extra_payment_on_l1001_by_hand(demo_terms) -> None:
    terms = demo_terms["L-1001"]
    schedule = build_schedule(terms)
    lower = pay_extra(schedule, _paid(terms, 2), TODAY, Decimal(5000), ExtraMode.LOWER_INSTALLMENT)
    # Nothing is due today, so all 5,000 goes to principal: 42,469.48 - 5,000 = 37,469.48 over
    # the same 10 installments at 2% a month.
    assert lower.to_principal == Decimal(5000)
    assert lower.installments_after == lower.installments_before == 10
    assert sum(r.principal for r in lower.rows) == Decimal("37469.48")
    # The 5,000 still earned interest from Nov 1 to today: 5,000 x 2% x 24/30 = 80.00,
    # charged with the first new installment on top of 37,469.48 x 2% = 749.39.
    assert lower.rows[0].interest == Decimal("749.39") + Decimal("80.00")
    assert lower.rows[0].due_date == dt.date(2026, 12, 1)
    assert lower.interest_saved > 0

    shorter = pay_extra(schedule, _paid(terms, 2), TODAY, Decimal(5000), ExtraMode.SHORTER_TERM)
    assert shorter.installments_after < 10
    assert shorter.rows[-1].balance == 0
    assert max(r.principal + r.interest for r in shorter.rows) <= Decimal("4727.98") + 80
    assert shorter.interest_saved > lower.interest_saved


def test_extra_payment_refuses_what_it_cannot_do(demo_terms) -> None:
    terms = demo_terms["L-5001"]
    schedule = build_schedule(terms)
    with pytest.raises(WhatIfError) as caught:
        # 136,500 is due today on L-5001: 100,000 only clears part of it.
        pay_extra(schedule, _paid(terms, 4), TODAY, Decimal(100000), ExtraMode.SHORTER_TERM)
    assert caught.value.field == "amount"
    with pytest.raises(WhatIfError):
        pay_extra(schedule, _paid(terms, 4), TODAY, Decimal(10**9), ExtraMode.SHORTER_TERM)
    with pytest.raises(WhatIfError):
        pay_extra(schedule, _paid(terms, 4), TODAY, Decimal(-1), ExtraMode.SHORTER_TERM)


def test_payoff_in_march_saves_the_later_interest(demo_terms) -> None:
    terms = demo_terms["L-1001"]
    quote = payoff_on(build_schedule(terms), _paid(terms, 2), dt.date(2027, 3, 15))
    # Installments 3-6 (Dec-Mar) fall due unpaid by then; from Mar 1 to Mar 15 the interest
    # accrues on 26,483.45: 529.67 x 14/31 = 239.21.
    assert quote.payoff.principal == Decimal("42469.48")
    assert quote.payoff.interest == Decimal("849.39") + Decimal("771.82") + Decimal(
        "692.69"
    ) + Decimal("611.99") + Decimal("239.21")
    assert quote.saving == Decimal("6735.76") - Decimal("1925.44") - quote.payoff.interest


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_paying_extra_never_increases_the_total_cost(valid_terms, data) -> None:
    terms = data.draw(valid_terms)
    schedule = build_schedule(terms)
    paid = data.draw(st.integers(0, len(schedule.rows) - 1))
    payments = [Payment(r.due_date, r.total) for r in schedule.rows[:paid]]
    today = schedule.rows[paid].due_date - dt.timedelta(days=1)
    today = max(today, terms.disbursement_date)
    share = Decimal(data.draw(st.integers(1, 99))) / 100
    extra = (schedule.rows[paid].balance + schedule.rows[paid].principal) * share
    mode = data.draw(st.sampled_from(list(ExtraMode)))
    try:
        result = pay_extra(schedule, payments, today, extra, mode)
    except WhatIfError:
        return  # nothing left for principal, or it pays the loan off: nothing to compare
    assert result.interest_after <= result.interest_before
    assert all(r.balance >= 0 for r in result.rows)
    assert result.rows[-1].balance == 0
