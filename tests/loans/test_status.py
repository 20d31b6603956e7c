"""Where a loan stands on a day, checked against figures worked out by hand.

The demo payments are written out here with the installment amounts worked out in
``test_schedule.py``: each paid installment paid in full on its due date, except L-4001's
fifth, paid 3 days late with the 100.00 late fee.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.loans.schedule import build_schedule
from bot.loans.status import LoanStatus, loan_status
from bot.loans.terms import (
    AmountKind,
    Charge,
    ChargeTiming,
    Frequency,
    InterestMethod,
    LoanTerms,
    Payment,
    PenaltyKind,
    PenaltyRule,
    PrepaymentInterest,
    PrepaymentRule,
    RatePeriod,
)

D = Decimal
TODAY = dt.date(2026, 11, 25)


def _every(start: dt.date, step: dt.timedelta, count: int, amount: str) -> list[Payment]:
    return [Payment(start + step * k, D(amount)) for k in range(count)]


WEEK, FORTNIGHT = dt.timedelta(weeks=1), dt.timedelta(weeks=2)

DEMO_PAYMENTS: dict[str, list[Payment]] = {
    "L-1001": [
        Payment(dt.date(2026, 10, 1), D("4727.98")),
        Payment(dt.date(2026, 11, 1), D("4727.98")),
    ],
    "L-2001": _every(dt.date(2026, 10, 13), WEEK, 7, "573.85"),  # Oct 13 .. Nov 24
    "L-3001": [
        Payment(dt.date(2026, 9, 15), D(54500)),
        Payment(dt.date(2026, 10, 15), D(53750)),
        Payment(dt.date(2026, 11, 15), D(53000)),
    ],
    # Jul 15 .. Nov 18, but the fifth (due Sep 9) paid on Sep 12 with the 100.00 fee
    "L-4001": [
        Payment(dt.date(2026, 9, 12), D("1512.20")) if k == 4 else payment
        for k, payment in enumerate(_every(dt.date(2026, 7, 15), FORTNIGHT, 10, "1412.20"))
    ],
    "L-5001": [Payment(dt.date(2026, month, 20), D(130000)) for month in (7, 8, 9, 10)],
    "L-5002": [Payment(dt.date(2026, 11, 10), D(55000))],
}


def demo_status(terms: LoanTerms, account: str, today: dt.date = TODAY) -> LoanStatus:
    return loan_status(build_schedule(terms), DEMO_PAYMENTS[account], today)


# --- the demo loans on 2026-11-25 ---------------------------------------------------------


@pytest.mark.parametrize(
    ("account", "number", "due", "amount", "outstanding"),
    [
        ("L-1001", 3, dt.date(2026, 12, 1), "4727.98", "42469.48"),
        ("L-2001", 8, dt.date(2026, 12, 1), "573.85", "4500.00"),  # 8000 - 7 x 500
        ("L-3001", 4, dt.date(2026, 12, 15), "52250", "150000"),
        ("L-4001", 11, dt.date(2026, 12, 2), "1412.20", "18363.93"),
        ("L-5001", 6, dt.date(2026, 12, 20), "130000", "600000"),
        ("L-5002", 2, dt.date(2026, 12, 10), "55000", "150000"),
    ],
)
def test_next_due_and_outstanding_principal(
    demo_terms: dict[str, LoanTerms],
    account: str,
    number: int,
    due: dt.date,
    amount: str,
    outstanding: str,
) -> None:
    status = demo_status(demo_terms[account], account)
    assert status.next_due is not None
    assert (status.next_due.number, status.next_due.due_date) == (number, due)
    assert status.next_due.remaining == D(amount)
    assert status.outstanding_principal == D(outstanding)
    assert not status.is_closed


@pytest.mark.parametrize("account", ["L-1001", "L-2001", "L-3001", "L-4001", "L-5002"])
def test_loans_paid_on_time_owe_nothing_today(
    demo_terms: dict[str, LoanTerms], account: str
) -> None:
    status = demo_status(demo_terms[account], account)
    assert status.overdue == ()
    assert status.total_due_today == 0
    assert status.payoff.penalties == 0


def test_l1001_payoff_accrues_interest_by_the_day(demo_terms: dict[str, LoanTerms]) -> None:
    payoff = demo_status(demo_terms["L-1001"], "L-1001").payoff
    # Installment 3 runs Nov 1 -> Dec 1 (30 days); 24 days have passed on Nov 25:
    # 849.39 x 24 / 30 = 679.512 -> 679.51
    assert payoff.principal == D("42469.48")
    assert payoff.interest == D("679.51")
    assert payoff.amount == D("43148.99")  # 42469.48 + 679.51


def test_l2001_flat_payoff_charges_the_current_period_in_full(
    demo_terms: dict[str, LoanTerms],
) -> None:
    status = demo_status(demo_terms["L-2001"], "L-2001")
    assert status.paid_total == D("4016.95")  # 7 x 573.85
    assert status.payoff.interest == D("73.85")  # installment 8's interest, though 1 day in
    assert status.payoff.amount == D("4573.85")  # 4500.00 + 73.85


def test_l3001_payoff_refunds_the_savings_deposit(demo_terms: dict[str, LoanTerms]) -> None:
    payoff = demo_status(demo_terms["L-3001"], "L-3001").payoff
    # Installment 4 runs Nov 15 -> Dec 15 (30 days); 10 days passed: 2250 x 10 / 30 = 750
    assert payoff.interest == D(750)
    assert payoff.savings_refund == D(30000)
    assert payoff.amount == D(120750)  # 150000 + 750 - 30000


def test_l4001_late_fifth_installment_paid_its_fee(demo_terms: dict[str, LoanTerms]) -> None:
    status = demo_status(demo_terms["L-4001"], "L-4001")
    fifth = status.installments[4]
    # due Sep 9, paid Sep 12: 3 days late > 2 grace days -> fixed 100.00, paid with it
    assert (fifth.penalties, fifth.paid_penalties) == (D("100.00"), D("100.00"))
    assert fifth.paid_off_on == dt.date(2026, 9, 12)
    assert fifth.is_paid
    assert all(s.penalties == 0 for s in status.installments if s.number != 5)
    assert status.paid_total == D("14222.00")  # 10 x 1412.20 + 100.00
    # Installment 11 runs Nov 18 -> Dec 2 (14 days); 7 passed: 183.64 x 7 / 14 = 91.82
    assert status.payoff.interest == D("91.82")
    assert status.payoff.amount == D("18455.75")  # 18363.93 + 91.82


def test_l4001_two_days_late_is_within_grace(demo_terms: dict[str, LoanTerms]) -> None:
    payments = [Payment(dt.date(2026, 7, 17), D("1412.20"))]
    status = loan_status(build_schedule(demo_terms["L-4001"]), payments, dt.date(2026, 7, 20))
    assert status.installments[0].penalties == 0
    assert status.installments[0].paid_off_on == dt.date(2026, 7, 17)


def test_l5001_overdue_fifth_installment(demo_terms: dict[str, LoanTerms]) -> None:
    status = demo_status(demo_terms["L-5001"], "L-5001")
    (fifth,) = status.overdue
    # due Nov 20, unpaid on Nov 25: 5 days late > 3 grace days -> 5% of 130,000 = 6,500
    assert (fifth.number, fifth.due_date, fifth.days_late) == (5, dt.date(2026, 11, 20), 5)
    assert fifth.penalties == D(6500)
    assert fifth.remaining == D(136500)
    assert status.total_due_today == D(136500)
    payoff = status.payoff
    # all principal left (6 x 100,000), the overdue fifth's interest, installment 6's interest in
    # full (flat loans: current period), and the penalty
    assert (payoff.principal, payoff.interest, payoff.penalties) == (
        D(600000),
        D(60000),
        D(6500),
    )
    assert payoff.amount == D(666500)


def test_l5001_penalty_waits_for_the_grace_days(demo_terms: dict[str, LoanTerms]) -> None:
    on_third_day = demo_status(demo_terms["L-5001"], "L-5001", dt.date(2026, 11, 23))
    assert on_third_day.installments[4].days_late == 3
    assert on_third_day.installments[4].penalties == 0
    assert on_third_day.total_due_today == D(130000)
    on_fourth_day = demo_status(demo_terms["L-5001"], "L-5001", dt.date(2026, 11, 24))
    assert on_fourth_day.installments[4].penalties == D(6500)


def test_l5002_flat_payoff(demo_terms: dict[str, LoanTerms]) -> None:
    payoff = demo_status(demo_terms["L-5002"], "L-5002").payoff
    assert payoff.amount == D(155000)  # 150000 + installment 2's 5000 interest


# --- allocation, early payments, penalties, payoff with fees ------------------------------

# KES 1,200.00 flat 2% a month over 3 months: principal 400.00 and interest 1200 x 0.02 = 24.00
# a month, plus a 10.00 fee with 16% tax (11.60): 435.60 due Feb 1, Mar 1 and Apr 1.
FEE_TERMS = LoanTerms(
    principal=D("1200.00"),
    currency="KES",
    disbursement_date=dt.date(2026, 1, 1),
    first_due_date=None,
    frequency=Frequency.MONTHLY,
    installments=3,
    interest_method=InterestMethod.FLAT,
    rate=D(2),
    rate_period=RatePeriod.MONTH,
    charges=(
        Charge("service", AmountKind.FIXED, D(10), ChargeTiming.PER_INSTALLMENT, tax_percent=D(16)),
    ),
    penalty=PenaltyRule(PenaltyKind.FIXED, grace_days=0, amount=D(50)),
)


def test_fee_terms_schedule() -> None:
    s = build_schedule(FEE_TERMS)
    assert [row.total for row in s.rows] == [D("435.60")] * 3
    assert [row.due_date for row in s.rows] == [
        dt.date(2026, 2, 1),
        dt.date(2026, 3, 1),
        dt.date(2026, 4, 1),
    ]


def test_partial_payment_goes_to_penalties_fees_interest_then_principal() -> None:
    s = build_schedule(FEE_TERMS)
    # One day late: the 50.00 penalty; 80.00 pays penalty 50.00, fees 11.60, interest 18.40.
    status = loan_status(s, [Payment(dt.date(2026, 2, 2), D(80))], dt.date(2026, 2, 2))
    first = status.installments[0]
    assert (first.paid_penalties, first.paid_fees, first.paid_interest, first.paid_principal) == (
        D(50),
        D("11.60"),
        D("18.40"),
        D(0),
    )
    assert first.remaining == D("405.60")  # 435.60 + 50.00 - 80.00
    assert first.days_late == 1
    # 500.00 the next day: 5.60 interest + 400.00 principal close the first (405.60); the
    # other 94.40 go to the second: fees 11.60, interest 24.00, principal 58.80.
    payments = [Payment(dt.date(2026, 2, 2), D(80)), Payment(dt.date(2026, 2, 3), D(500))]
    status = loan_status(s, payments, dt.date(2026, 2, 3))
    first, second = status.installments[:2]
    assert first.is_paid and first.paid_off_on == dt.date(2026, 2, 3)
    assert (second.paid_fees, second.paid_interest, second.paid_principal) == (
        D("11.60"),
        D("24.00"),
        D("58.80"),
    )
    assert second.remaining == D("341.20")  # 435.60 - 94.40
    assert status.outstanding_principal == D("741.20")  # 1200 - 400 - 58.80
    assert status.overdue == ()


def test_a_payment_before_its_due_date_is_not_late() -> None:
    s = build_schedule(FEE_TERMS)
    status = loan_status(s, [Payment(dt.date(2026, 1, 25), D("435.60"))], dt.date(2026, 2, 15))
    first = status.installments[0]
    assert first.is_paid
    assert first.paid_off_on == dt.date(2026, 1, 25)
    assert (first.days_late, first.penalties) == (0, 0)
    assert status.overdue == ()
    assert status.next_due is not None and status.next_due.number == 2


def test_unpaid_installment_due_today_is_due_but_not_late() -> None:
    status = loan_status(build_schedule(FEE_TERMS), [], dt.date(2026, 2, 1))
    assert status.overdue == ()
    assert status.total_due_today == D("435.60")
    assert status.next_due is not None and status.next_due.number == 1


def test_daily_percent_penalty_with_a_cap() -> None:
    # 1% a day of the overdue amount, counted from the due date once past 2 grace days, at most 20
    rule = PenaltyRule(PenaltyKind.DAILY_PERCENT_OF_OVERDUE, grace_days=2, amount=D(1), cap=D(20))
    s = build_schedule(dataclasses.replace(FEE_TERMS, penalty=rule))

    def penalty(payments: list[Payment], today: dt.date) -> Decimal:
        return loan_status(s, payments, today).installments[0].penalties

    assert penalty([], dt.date(2026, 2, 3)) == 0  # 2 days late: within grace
    assert penalty([], dt.date(2026, 2, 4)) == D("13.07")  # 435.60 x 1% x 3 = 13.068
    assert penalty([], dt.date(2026, 2, 11)) == D("20.00")  # 435.60 x 1% x 10 = 43.56, capped

    # Feb 4: 113.07 pays the 13.07 penalty, 11.60 fees, 24.00 interest and 64.40 principal,
    # leaving 335.60 overdue. Feb 6: + 335.60 x 1% x 2 = 6.712 -> 6.71 (19.78 in all).
    paid = [Payment(dt.date(2026, 2, 4), D("113.07"))]
    assert penalty(paid, dt.date(2026, 2, 6)) == D("19.78")
    # Feb 7: + 335.60 x 1% x 3 = 10.068 -> 10.07, so 23.14, capped at 20.00
    status = loan_status(s, paid, dt.date(2026, 2, 7))
    assert status.installments[0].penalties == D("20.00")
    assert status.installments[0].remaining == D("342.53")  # 335.60 + 20.00 - 13.07


def test_percent_of_installment_penalty_is_charged_once() -> None:
    rule = PenaltyRule(PenaltyKind.PERCENT_OF_INSTALLMENT, grace_days=0, amount=D(5))
    s = build_schedule(dataclasses.replace(FEE_TERMS, penalty=rule))
    # 5% of 435.60 = 21.78, however long it stays unpaid
    assert loan_status(s, [], dt.date(2026, 2, 2)).installments[0].penalties == D("21.78")
    assert loan_status(s, [], dt.date(2026, 2, 28)).installments[0].penalties == D("21.78")


def test_payoff_counts_fees_already_paid_ahead() -> None:
    s = build_schedule(dataclasses.replace(FEE_TERMS, penalty=PenaltyRule()))
    # Jan 16: installment 1 runs Jan 1 -> Feb 1 (31 days), 15 passed: 24 x 15 / 31 = 11.6129
    status = loan_status(s, [], dt.date(2026, 1, 16))
    assert (status.payoff.interest, status.payoff.fees) == (D("11.61"), D("11.60"))
    assert status.payoff.amount == D("1223.21")  # 1200 + 11.61 + 11.60
    # 5.00 paid on Jan 10 goes to installment 1's fees: 6.60 of them are left to pay.
    status = loan_status(s, [Payment(dt.date(2026, 1, 10), D(5))], dt.date(2026, 1, 16))
    assert status.payoff.fees == D("6.60")
    assert status.payoff.amount == D("1218.21")


def test_payoff_with_all_remaining_interest() -> None:
    t = dataclasses.replace(
        FEE_TERMS,
        penalty=PenaltyRule(),
        prepayment=PrepaymentRule(
            interest=PrepaymentInterest.ALL_REMAINING,
            fee_kind=AmountKind.PERCENT_OF_PRINCIPAL,
            fee_amount=D(2),
        ),
    )
    s = build_schedule(t)
    status = loan_status(s, [Payment(dt.date(2026, 1, 10), D(5))], dt.date(2026, 1, 16))
    payoff = status.payoff
    # interest 3 x 24.00 = 72.00; fees 3 x 11.60 - 5.00 = 29.80; fee 2% of 1200 = 24.00
    assert (payoff.interest, payoff.fees, payoff.prepayment_fee) == (
        D("72.00"),
        D("29.80"),
        D("24.00"),
    )
    assert payoff.amount == D("1325.80")  # 1200 + 72.00 + 29.80 + 24.00


# --- properties over random valid terms ---------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_paying_every_installment_on_time_closes_the_loan(
    valid_terms: st.SearchStrategy[LoanTerms], data: st.DataObject
) -> None:
    terms = data.draw(valid_terms)
    s = build_schedule(terms)
    payments = [Payment(row.due_date, row.total) for row in s.rows if row.total > 0]
    last_due = s.rows[-1].due_date
    status = loan_status(s, payments, last_due)
    assert status.is_closed
    assert status.overdue == ()
    assert status.next_due is None
    assert status.outstanding_principal == 0
    assert status.total_due_today == 0
    assert status.paid_total == sum((row.total for row in s.rows), D(0))
    assert all(state.penalties == 0 for state in status.installments)
    # the savings are returned with the last installment, so nothing is left either way
    assert status.payoff.amount == 0


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_payoff_midway_covers_the_principal_left(
    valid_terms: st.SearchStrategy[LoanTerms], data: st.DataObject
) -> None:
    terms = data.draw(valid_terms)
    s = build_schedule(terms)
    paid = data.draw(st.integers(0, len(s.rows) - 1))
    payments = [Payment(row.due_date, row.total) for row in s.rows[:paid] if row.total > 0]
    today = s.period_start(paid + 1)
    status = loan_status(s, payments, today)
    left = s.rows[paid - 1].balance if paid else s.disbursement.principal
    assert status.outstanding_principal == left
    assert status.payoff.principal == left
    assert status.payoff.interest >= 0 and status.payoff.fees >= 0
    assert status.overdue == ()
