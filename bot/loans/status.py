"""Where a loan stands on a given day, from its schedule and the payments made.

Payments are applied oldest first, installment by installment in due order, and within an
installment in the order penalties, fees (with taxes and savings contributions), interest,
principal, unless the terms give another ``allocation_order``. Late-payment penalties are
assessed by the product's rule as time passes. Anything paid beyond the whole schedule is
reported as ``unapplied``, never lost.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from bot.loans.schedule import Installment, Schedule
from bot.loans.terms import (
    DEFAULT_ALLOCATION,
    AmountKind,
    Payment,
    PenaltyKind,
    PenaltyRule,
    PrepaymentInterest,
)
from bot.money import HUNDRED, ZERO, round_money

PARTS = ("penalties", "fees", "interest", "principal")


class _Ledger:
    """Mutable bookkeeping for one installment while payments are replayed."""

    __slots__ = ("row", "due", "paid", "penalty_accrued_to", "paid_off_on")

    def __init__(self, row: Installment) -> None:
        self.row = row
        self.due = {
            "penalties": ZERO,
            "fees": row.fees + row.tax + row.savings,
            "interest": row.interest,
            "principal": row.principal,
        }
        self.paid = dict.fromkeys(PARTS, ZERO)
        self.penalty_accrued_to: dt.date | None = None
        self.paid_off_on: dt.date | None = None

    @property
    def penalties(self) -> Decimal:
        return self.due["penalties"]

    def owed(self, part: str) -> Decimal:
        return self.due[part] - self.paid[part]

    def remaining_before_penalties(self) -> Decimal:
        due, paid = self.due, self.paid
        return (
            due["fees"]
            - paid["fees"]
            + due["interest"]
            - paid["interest"]
            + due["principal"]
            - paid["principal"]
        )

    def remaining(self) -> Decimal:
        return self.remaining_before_penalties() + self.due["penalties"] - self.paid["penalties"]

    def savings_paid(self) -> Decimal:
        """Within the fees part, fees and taxes are paid before the savings contribution."""
        charges = self.row.fees + self.row.tax
        return min(max(self.paid["fees"] - charges, ZERO), self.row.savings)

    def charges_owed(self) -> Decimal:
        """Fees and taxes still owed, leaving out the savings contribution."""
        return self.owed("fees") - (self.row.savings - self.savings_paid())


class InstallmentState(NamedTuple):
    """One installment as it stands on the status date (a named tuple, like the rows)."""

    installment: Installment
    penalties: Decimal
    paid_principal: Decimal
    paid_interest: Decimal
    paid_fees: Decimal
    paid_penalties: Decimal
    remaining: Decimal  # still owed on it, penalties included
    paid_off_on: dt.date | None
    days_late: int  # on the status date, for an unpaid installment past its due date

    @property
    def number(self) -> int:
        return self.installment.number

    @property
    def due_date(self) -> dt.date:
        return self.installment.due_date

    @property
    def is_paid(self) -> bool:
        return self.remaining == 0


@dataclass(frozen=True)
class Payoff:
    """What it takes to close the loan on a date."""

    date: dt.date
    principal: Decimal
    interest: Decimal
    fees: Decimal
    penalties: Decimal
    prepayment_fee: Decimal
    savings_refund: Decimal  # compulsory savings returned, set against the amount

    @property
    def amount(self) -> Decimal:
        return (
            self.principal
            + self.interest
            + self.fees
            + self.penalties
            + self.prepayment_fee
            - self.savings_refund
        )


@dataclass(frozen=True)
class LoanStatus:
    today: dt.date
    currency: str
    installments: tuple[InstallmentState, ...]
    paid_total: Decimal
    unapplied: Decimal  # paid beyond everything the schedule asks for (a credit to return)
    payoff: Payoff

    @property
    def overdue(self) -> tuple[InstallmentState, ...]:
        return tuple(s for s in self.installments if s.days_late > 0)

    @property
    def next_due(self) -> InstallmentState | None:
        """The first unpaid installment due today or later."""
        return next(
            (s for s in self.installments if not s.is_paid and s.due_date >= self.today), None
        )

    @property
    def outstanding_principal(self) -> Decimal:
        return sum((s.installment.principal - s.paid_principal for s in self.installments), ZERO)

    @property
    def total_due_today(self) -> Decimal:
        """Everything due on or before today that is not yet paid, penalties included."""
        return sum((s.remaining for s in self.installments if s.due_date <= self.today), ZERO)

    @property
    def is_closed(self) -> bool:
        return all(s.is_paid for s in self.installments)


def _assess_penalties(ledger: _Ledger, rule: PenaltyRule, on: dt.date, currency: str) -> None:
    """Bring an installment's penalties up to date ``on`` a given day."""
    due = ledger.row.due_date
    if rule.kind is PenaltyKind.NONE or ledger.paid_off_on is not None:
        return
    if (on - due).days <= rule.grace_days or ledger.remaining_before_penalties() <= 0:
        return
    dues = ledger.due
    if rule.kind is PenaltyKind.FIXED:
        if dues["penalties"] == 0:
            dues["penalties"] = round_money(rule.amount, currency)
    elif rule.kind is PenaltyKind.PERCENT_OF_INSTALLMENT:
        if dues["penalties"] == 0:
            dues["penalties"] = round_money(ledger.row.total * rule.amount / HUNDRED, currency)
    else:  # daily percent of the overdue amount, from the due date
        start = ledger.penalty_accrued_to or due
        days = (on - start).days
        if days > 0:
            overdue = ledger.remaining_before_penalties()
            dues["penalties"] += round_money(overdue * rule.amount / HUNDRED * days, currency)
            ledger.penalty_accrued_to = on
    if rule.cap is not None:
        dues["penalties"] = min(dues["penalties"], rule.cap)


def _apply(ledgers: list[_Ledger], first: int, payment: Payment, order: tuple[str, ...]) -> Decimal:
    """Spread a payment over the installments from ``first`` on; returns what is left over."""
    left = payment.amount
    for ledger in ledgers[first:]:
        due, paid = ledger.due, ledger.paid
        for part in order:
            take = min(left, due[part] - paid[part])
            if take > 0:
                paid[part] += take
                left -= take
        if ledger.paid_off_on is None and ledger.remaining() == 0:
            ledger.paid_off_on = payment.date
        if left == 0:
            break
    return left


def _assess_all(
    ledgers: list[_Ledger], first: int, rule: PenaltyRule, on: dt.date, currency: str
) -> None:
    """Assess penalties on every open installment more than the grace days late ``on``."""
    if rule.kind is PenaltyKind.NONE:
        return
    for ledger in ledgers[first:]:
        if (on - ledger.row.due_date).days <= rule.grace_days:
            break  # installments are in due order: the later ones are not late yet
        _assess_penalties(ledger, rule, on, currency)


def _payoff(schedule: Schedule, ledgers: list[_Ledger], today: dt.date) -> Payoff:
    terms, cur = schedule.terms, schedule.terms.currency
    due = [lg for lg in ledgers if lg.row.due_date <= today]
    future = [lg for lg in ledgers if lg.row.due_date > today]

    principal = sum((lg.owed("principal") for lg in ledgers), ZERO)
    interest = sum((lg.owed("interest") for lg in due), ZERO)
    fees = sum((lg.charges_owed() for lg in due), ZERO)
    penalties = sum((lg.owed("penalties") for lg in due), ZERO)

    if future:
        current = future[0]
        start = schedule.period_start(current.row.number)
        rule = terms.prepayment.interest
        if rule is PrepaymentInterest.ALL_REMAINING:
            interest += sum((lg.owed("interest") for lg in future), ZERO)
            fees += sum((lg.charges_owed() for lg in future), ZERO)
        else:
            owed = current.owed("interest")
            if rule is PrepaymentInterest.ACCRUED_TO_DATE:
                elapsed = max((today - start).days, 0)
                length = (current.row.due_date - start).days
                accrued = round_money(current.row.interest * elapsed / length, cur)
                owed = max(accrued - current.paid["interest"], ZERO)
            interest += owed
            fees += current.charges_owed()

    fee = terms.prepayment
    if fee.fee_kind is AmountKind.PERCENT_OF_PRINCIPAL:
        prepayment_fee = round_money(principal * fee.fee_amount / HUNDRED, cur)
    elif fee.fee_kind is AmountKind.FIXED:
        prepayment_fee = round_money(fee.fee_amount, cur)
    else:
        prepayment_fee = round_money(ZERO, cur)

    savings_paid = schedule.disbursement.savings_deposit + sum(
        (lg.savings_paid() for lg in ledgers), ZERO
    )
    return Payoff(
        date=today,
        principal=principal,
        interest=interest,
        fees=fees,
        penalties=penalties,
        prepayment_fee=prepayment_fee if principal > 0 else ZERO,
        savings_refund=savings_paid if principal > 0 or interest > 0 else ZERO,
    )


def loan_status(schedule: Schedule, payments: list[Payment], today: dt.date) -> LoanStatus:
    """The loan as it stands at the end of ``today``, given the payments made."""
    terms = schedule.terms
    cur, rule = terms.currency, terms.penalty
    order = tuple(str(p) for p in (terms.allocation_order or DEFAULT_ALLOCATION))
    ledgers = [_Ledger(row) for row in schedule.rows]
    first = 0  # every installment before this one is paid off
    paid_total = unapplied = ZERO
    for payment in sorted(payments, key=lambda p: p.date):
        if payment.date > today:
            continue
        _assess_all(ledgers, first, rule, payment.date, cur)
        unapplied += _apply(ledgers, first, payment, order)
        paid_total += payment.amount
        while first < len(ledgers) and ledgers[first].paid_off_on is not None:
            first += 1
    _assess_all(ledgers, first, rule, today, cur)

    states = []
    for lg in ledgers:
        remaining = lg.remaining()
        states.append(
            InstallmentState(
                installment=lg.row,
                penalties=lg.penalties,
                paid_principal=lg.paid["principal"],
                paid_interest=lg.paid["interest"],
                paid_fees=lg.paid["fees"],
                paid_penalties=lg.paid["penalties"],
                remaining=remaining,
                paid_off_on=lg.paid_off_on,
                days_late=(today - lg.row.due_date).days
                if remaining > 0 and lg.row.due_date < today
                else 0,
            )
        )
    return LoanStatus(
        today=today,
        currency=cur,
        installments=tuple(states),
        paid_total=paid_total,
        unapplied=unapplied,
        payoff=_payoff(schedule, ledgers, today),
    )
