"""The repayment schedule: due dates and each installment's principal, interest and fees.

Rules (each rounding is half-up to the currency's minor unit, in ``bot.money``):
- declining balance: interest = balance x periodic rate, rounded each period;
  equal installments use the annuity payment, rounded; the last installment pays what is left;
- equal principal: principal / installments, rounded; the last absorbs the remainder;
- flat: total interest = principal x periodic rate x installments, rounded once, spread evenly
  (rounded, never more than is left) with the last absorbing the remainder;
- grace periods pay interest only;
- with ``installment_multiple``, each installment's principal plus interest is rounded up to
  that multiple (e.g. 50 or 100) and the last installment is the smaller one.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from bot.loans.terms import (
    AmountKind,
    Charge,
    ChargeCategory,
    ChargeTiming,
    Frequency,
    InterestMethod,
    LoanTerms,
    RatePeriod,
)
from bot.money import HUNDRED, ZERO, UnknownCurrency, round_money, round_up_to_multiple


class InvalidTerms(ValueError):
    """Terms that no schedule can be built from; ``field`` names the culprit."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


class Installment(NamedTuple):
    """One row of the schedule (a named tuple: schedules are built by the thousand)."""

    number: int
    due_date: dt.date
    principal: Decimal
    interest: Decimal
    fees: Decimal  # per-installment fees and insurance, with their taxes
    tax: Decimal  # tax on interest
    savings: Decimal  # compulsory savings contribution
    balance: Decimal  # principal still owed after this installment

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.fees + self.tax + self.savings


@dataclass(frozen=True)
class Disbursement:
    date: dt.date
    principal: Decimal  # the loan's principal, including financed charges
    deducted: Decimal  # charges withheld from the cash paid out
    upfront: Decimal  # charges the client pays in cash at disbursement
    financed: Decimal  # charges added to the principal
    insurance: Decimal  # the insurance part of the three above
    savings_deposit: Decimal

    @property
    def net_received(self) -> Decimal:
        """Cash the client actually has in hand after disbursement."""
        return self.principal - self.financed - self.deducted - self.upfront - self.savings_deposit


@dataclass(frozen=True)
class Schedule:
    terms: LoanTerms
    periodic_rate: Decimal  # a fraction, e.g. 0.02 for 2% a month
    disbursement: Disbursement
    rows: tuple[Installment, ...]
    savings_returned: Decimal  # paid back to the client with the last installment

    def row(self, number: int) -> Installment:
        return self.rows[number - 1]

    def period_start(self, number: int) -> dt.date:
        """The date interest starts accruing for installment ``number``."""
        return self.disbursement.date if number == 1 else self.rows[number - 2].due_date


def add_months(start: dt.date, months: int) -> dt.date:
    """``start`` plus whole months, clamped to the month's end (Jan 31 + 1 = Feb 28/29)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


_DAYS_PER_PERIOD = {Frequency.DAILY: 1, Frequency.WEEKLY: 7, Frequency.FORTNIGHTLY: 14}


def add_periods(start: dt.date, frequency: Frequency, count: int) -> dt.date:
    days = _DAYS_PER_PERIOD.get(frequency)
    if days is not None:
        return start + dt.timedelta(days=days * count)
    match frequency:
        case Frequency.MONTHLY:
            return add_months(start, count)
        case Frequency.QUARTERLY:
            return add_months(start, 3 * count)
    raise InvalidTerms("frequency", f"unknown frequency {frequency!r}")


def due_dates(terms: LoanTerms) -> list[dt.date]:
    """Each due date counted from one anchor, so month-end clamping never drifts."""
    if terms.first_due_date is not None:
        anchor, offset = terms.first_due_date, 0
    else:
        anchor, offset = terms.disbursement_date, 1
    return [add_periods(anchor, terms.frequency, k + offset) for k in range(terms.installments)]


_RATE_PERIODS_PER_YEAR = {RatePeriod.WEEK: 52, RatePeriod.MONTH: 12, RatePeriod.YEAR: 1}
_SAME_PERIOD = {RatePeriod.WEEK: Frequency.WEEKLY, RatePeriod.MONTH: Frequency.MONTHLY}


def periodic_rate(terms: LoanTerms) -> Decimal:
    """The interest rate per installment period, as a fraction."""
    rate = terms.rate / HUNDRED
    if terms.rate_period is RatePeriod.TERM:
        return rate / terms.installments
    if _SAME_PERIOD.get(terms.rate_period) is terms.frequency:
        return rate
    annual = rate * _RATE_PERIODS_PER_YEAR[terms.rate_period]
    return annual / terms.frequency.periods_per_year


def charge_amount(charge: Charge, principal: Decimal, currency: str) -> Decimal:
    if charge.kind is AmountKind.PERCENT_OF_PRINCIPAL:
        base = round_money(principal * charge.amount / HUNDRED, currency)
    else:
        base = round_money(charge.amount, currency)
    return base + round_money(base * charge.tax_percent / HUNDRED, currency)


def validate(terms: LoanTerms) -> None:
    if terms.principal <= 0:
        raise InvalidTerms("principal", "must be greater than zero")
    try:
        round_money(terms.principal, terms.currency)
    except UnknownCurrency:
        raise InvalidTerms("currency", f"unknown ISO 4217 code {terms.currency!r}") from None
    if terms.installments < 1:
        raise InvalidTerms("installments", "must be at least 1")
    if not 0 <= terms.grace_periods < terms.installments:
        raise InvalidTerms("grace_periods", "must be fewer than the installments")
    if terms.rate < 0:
        raise InvalidTerms("rate", "must not be negative")
    if terms.installment_multiple is not None and terms.installment_multiple <= 0:
        raise InvalidTerms("installment_multiple", "must be greater than zero")
    if terms.first_due_date is not None and terms.first_due_date <= terms.disbursement_date:
        raise InvalidTerms("first_due_date", "must be after the disbursement date")


def _disbursement(terms: LoanTerms) -> Disbursement:
    cur = terms.currency
    by_timing = {timing: ZERO for timing in ChargeTiming}
    insurance = ZERO
    for charge in terms.charges:
        if charge.when is ChargeTiming.PER_INSTALLMENT:
            continue
        amount = charge_amount(charge, terms.principal, cur)
        by_timing[charge.when] += amount
        if charge.category is ChargeCategory.INSURANCE:
            insurance += amount
    savings = terms.savings
    if savings.deposit_kind is AmountKind.PERCENT_OF_PRINCIPAL:
        deposit = round_money(terms.principal * savings.deposit_amount / HUNDRED, cur)
    elif savings.deposit_kind is AmountKind.FIXED:
        deposit = round_money(savings.deposit_amount, cur)
    else:
        deposit = ZERO
    financed = by_timing[ChargeTiming.FINANCED]
    return Disbursement(
        date=terms.disbursement_date,
        principal=terms.principal + financed,
        deducted=by_timing[ChargeTiming.DEDUCTED],
        upfront=by_timing[ChargeTiming.UPFRONT],
        financed=financed,
        insurance=insurance,
        savings_deposit=deposit,
    )


def _annuity(principal: Decimal, rate: Decimal, count: int) -> Decimal:
    if rate == 0:
        return principal / count
    return principal * rate / (1 - (1 + rate) ** -count)


def _principal_and_interest(
    terms: LoanTerms, principal: Decimal, rate: Decimal
) -> list[tuple[Decimal, Decimal]]:
    """(principal part, interest part) of each installment."""
    cur, n, grace = terms.currency, terms.installments, terms.grace_periods
    multiple = terms.installment_multiple
    amortizing = n - grace
    parts: list[tuple[Decimal, Decimal]] = []

    if terms.interest_method is InterestMethod.FLAT:
        total_interest = round_money(principal * rate * n, cur)
        even_interest = round_money(total_interest / n, cur)
        even_principal = round_money(principal / amortizing, cur)
        if multiple is not None:
            even_principal = round_up_to_multiple(even_principal + even_interest, multiple)
            even_principal -= even_interest
        paid_principal = paid_interest = ZERO
        for k in range(1, n + 1):
            last = k == n
            interest_left = total_interest - paid_interest
            interest = interest_left if last else min(even_interest, interest_left)
            if k <= grace:
                part = ZERO
            else:
                principal_left = principal - paid_principal
                part = principal_left if last else min(even_principal, principal_left)
            parts.append((part, interest))
            paid_principal += part
            paid_interest += interest
        return parts

    balance = principal
    installment = round_money(_annuity(principal, rate, amortizing), cur)
    if multiple is not None:
        installment = round_up_to_multiple(installment, multiple)
    even_principal = round_money(principal / amortizing, cur)
    for k in range(1, n + 1):
        interest = round_money(balance * rate, cur)
        if k <= grace:
            part = ZERO
        elif k == n:
            part = balance
        elif terms.interest_method is InterestMethod.DECLINING_EQUAL_INSTALLMENT:
            part = min(installment - interest, balance)
        elif multiple is not None:
            part = min(
                round_up_to_multiple(even_principal + interest, multiple) - interest, balance
            )
        else:
            part = min(even_principal, balance)
        parts.append((part, interest))
        balance -= part
    return parts


def build_schedule(terms: LoanTerms) -> Schedule:
    """The full schedule of a loan from its terms."""
    validate(terms)
    cur = terms.currency
    disbursement = _disbursement(terms)
    rate = periodic_rate(terms)
    dates = due_dates(terms)
    per_installment_fees = sum(
        (
            charge_amount(c, terms.principal, cur)
            for c in terms.charges
            if c.when is ChargeTiming.PER_INSTALLMENT
        ),
        ZERO,
    )
    contribution = round_money(terms.savings.per_installment, cur)

    rows = []
    tax_percent = terms.interest_tax_percent
    no_tax = round_money(ZERO, cur)
    balance = disbursement.principal
    parts = _principal_and_interest(terms, disbursement.principal, rate)
    for number, (due, (principal, interest)) in enumerate(zip(dates, parts, strict=True), 1):
        balance -= principal
        rows.append(
            Installment(
                number=number,
                due_date=due,
                principal=principal,
                interest=interest,
                fees=per_installment_fees,
                tax=round_money(interest * tax_percent / HUNDRED, cur) if tax_percent else no_tax,
                savings=contribution,
                balance=balance,
            )
        )

    saved = disbursement.savings_deposit + contribution * terms.installments
    end = dates[-1]
    day_weighted = disbursement.savings_deposit * (end - terms.disbursement_date).days + sum(
        (contribution * (end - due).days for due in dates), ZERO
    )
    savings_interest = round_money(
        day_weighted * terms.savings.annual_interest_percent / HUNDRED / 365, cur
    )
    return Schedule(
        terms=terms,
        periodic_rate=rate,
        disbursement=disbursement,
        rows=tuple(rows),
        savings_returned=saved + savings_interest,
    )
