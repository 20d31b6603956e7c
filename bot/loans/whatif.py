"""What-ifs: paying late, paying extra today, paying off on a date.

Each answer is computed by the same schedule and status rules as the real loan, so a what-if
never disagrees with what would actually happen.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import math
from dataclasses import dataclass
from decimal import Decimal

from bot.loans.schedule import Installment, Schedule, build_schedule
from bot.loans.status import LoanStatus, Payoff, loan_status
from bot.loans.terms import ChargeTiming, InterestMethod, Payment, RatePeriod, Savings
from bot.money import HUNDRED, ZERO, round_money


class WhatIfError(ValueError):
    """A what-if that cannot be answered; ``field`` names the input at fault."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


class ExtraMode(enum.StrEnum):
    SHORTER_TERM = "shorter_term"  # keep the installment, finish sooner
    LOWER_INSTALLMENT = "lower_installment"  # keep the end date, pay less each time


@dataclass(frozen=True)
class LateCost:
    installment: int
    due_date: dt.date
    paid_on: dt.date
    days_late: int
    penalty: Decimal  # late fees charged by then on this installment
    amount_due: Decimal  # what it takes to clear the installment on that day


@dataclass(frozen=True)
class ExtraPayment:
    paid_on: dt.date
    amount: Decimal
    to_principal: Decimal  # what is left of the amount after clearing what is due today
    mode: ExtraMode
    rows: tuple[Installment, ...]  # the new schedule of the remaining installments
    interest_before: Decimal  # interest still to pay without the extra payment
    interest_after: Decimal
    installments_before: int
    installments_after: int

    @property
    def interest_saved(self) -> Decimal:
        return self.interest_before - self.interest_after


@dataclass(frozen=True)
class PayoffQuote:
    payoff: Payoff
    interest_if_kept: Decimal  # interest still scheduled had the loan run its course
    fees_if_kept: Decimal

    @property
    def saving(self) -> Decimal:
        return self.interest_if_kept + self.fees_if_kept - self.payoff.interest - self.payoff.fees


def pay_late(
    schedule: Schedule, payments: list[Payment], today: dt.date, days: int
) -> LateCost | None:
    """The cost of paying the next installment (or the oldest overdue one) ``days`` late.

    An installment not yet due is paid ``days`` after its due date; one already overdue is
    paid ``days`` from today. None when nothing is left to pay.
    """
    if days < 0:
        raise WhatIfError("days", "must not be negative")
    status = loan_status(schedule, payments, today)
    target = status.overdue[0] if status.overdue else status.next_due
    if target is None:
        return None
    start = today if target.due_date < today else target.due_date
    paid_on = start + dt.timedelta(days=days)
    later = loan_status(schedule, payments, paid_on).installments[target.number - 1]
    return LateCost(
        installment=target.number,
        due_date=target.due_date,
        paid_on=paid_on,
        days_late=max((paid_on - target.due_date).days, 0),
        penalty=later.penalties - later.paid_penalties,
        amount_due=later.remaining,
    )


def payoff_on(schedule: Schedule, payments: list[Payment], day: dt.date) -> PayoffQuote:
    """What closes the loan on ``day``, and what that saves against running it to the end."""
    status = loan_status(schedule, payments, day)
    interest = sum((s.installment.interest - s.paid_interest for s in status.installments), ZERO)
    fees = sum(
        (
            s.installment.fees + s.installment.tax - s.paid_fees
            for s in status.installments
            if s.paid_fees < s.installment.fees + s.installment.tax
        ),
        ZERO,
    )
    return PayoffQuote(payoff=status.payoff, interest_if_kept=interest, fees_if_kept=fees)


def _remaining_terms(schedule: Schedule, status: LoanStatus, principal: Decimal, count: int):
    """Terms of a loan for ``principal`` over the rest of the schedule, rate per period kept."""
    terms = schedule.terms
    first = next(s for s in status.installments if s.due_date > status.today)
    per_year = terms.frequency.periods_per_year
    grace_left = max(terms.grace_periods - first.number + 1, 0)
    return dataclasses.replace(
        terms,
        principal=principal,
        disbursement_date=schedule.period_start(first.number),
        first_due_date=first.due_date,
        installments=max(count, grace_left + 1),
        rate=schedule.periodic_rate * per_year * HUNDRED,
        rate_period=RatePeriod.YEAR,
        charges=tuple(c for c in terms.charges if c.when is ChargeTiming.PER_INSTALLMENT),
        grace_periods=grace_left,
        savings=Savings(per_installment=terms.savings.per_installment),
    ), first


def _installments_for(schedule: Schedule, principal: Decimal) -> int:
    """How many installments of about the current size repay ``principal`` (0: keep the term)."""
    rate = float(schedule.periodic_rate)
    if schedule.terms.interest_method is InterestMethod.DECLINING_EQUAL_INSTALLMENT and rate > 0:
        payment = float(max(row.principal + row.interest for row in schedule.rows))
        if payment <= 0:
            return 0
        ratio = 1 - float(principal) * rate / payment
        if ratio <= 0:  # the installment no longer covers the interest; keep the term
            return 0
        return max(1, math.ceil(-math.log(ratio) / math.log(1 + rate) - 1e-9))
    part = max((row.principal for row in schedule.rows), default=ZERO)
    if part <= 0:
        return 0
    return max(1, math.ceil(principal / part))


def _spread_interest(
    rows: list[Installment], total: Decimal, tax_percent: Decimal, currency: str
) -> list[Installment]:
    """Spread ``total`` interest evenly (rounded) over the rows, the last taking the rest."""
    even = round_money(total / len(rows), currency)
    spread, left = [], total
    for i, row in enumerate(rows):
        interest = left if i == len(rows) - 1 else min(even, left)
        left -= interest
        tax = round_money(interest * tax_percent / HUNDRED, currency)
        spread.append(row._replace(interest=interest, tax=tax))
    return spread


def pay_extra(
    schedule: Schedule,
    payments: list[Payment],
    today: dt.date,
    amount: Decimal,
    mode: ExtraMode,
) -> ExtraPayment:
    """Pay ``amount`` today: clear what is due, put the rest on the principal, re-schedule.

    The extra principal is paid today, so the current period's interest is charged on the
    old balance up to today and on the new balance after it (actual days over the period).
    """
    cur = schedule.terms.currency
    amount = round_money(amount, cur)
    if amount <= 0:
        raise WhatIfError("amount", "must be greater than zero")
    status = loan_status(schedule, payments, today)
    future = [s for s in status.installments if s.due_date > today and not s.is_paid]
    if not future:
        raise WhatIfError("today", "no installment is left to pay after today")
    extra = amount - status.total_due_today
    if extra <= 0:
        raise WhatIfError("amount", "covers only what is already due; nothing goes to principal")
    balance = sum((s.installment.principal - s.paid_principal for s in future), ZERO)
    if extra >= balance:
        raise WhatIfError("amount", "pays the whole loan off; ask for the payoff amount instead")

    new_balance = balance - extra
    count = len(future)
    if mode is ExtraMode.SHORTER_TERM:
        count = _installments_for(schedule, new_balance) or count
        count = min(count, len(future))
    terms, first = _remaining_terms(schedule, status, new_balance, count)
    rows = list(build_schedule(terms).rows)

    interest_before = sum((s.installment.interest - s.paid_interest for s in future), ZERO)
    if schedule.terms.interest_method is not InterestMethod.FLAT:
        start = schedule.period_start(first.number)
        elapsed = (today - start).days
        length = (first.due_date - start).days
        # One rounding for the period: the new balance for the whole period plus the extra
        # amount for the days it was still owed.
        rate = schedule.periodic_rate
        interest = round_money(new_balance * rate + extra * rate * elapsed / length, cur)
        rows[0] = rows[0]._replace(
            interest=interest,
            tax=round_money(interest * terms.interest_tax_percent / HUNDRED, cur),
        )
    # Paying early never costs more interest than was still scheduled: per-period rounding
    # (and, for flat loans, the old schedule's front-loaded rounding) could otherwise add a
    # minor unit or two on tiny balances.
    if sum((row.interest for row in rows), ZERO) > interest_before:
        rows = _spread_interest(rows, interest_before, terms.interest_tax_percent, cur)
    renumbered = tuple(row._replace(number=first.number + i) for i, row in enumerate(rows))
    return ExtraPayment(
        paid_on=today,
        amount=amount,
        to_principal=extra,
        mode=mode,
        rows=renumbered,
        interest_before=interest_before,
        interest_after=sum((r.interest for r in renumbered), ZERO),
        installments_before=len(future),
        installments_after=len(renumbered),
    )
