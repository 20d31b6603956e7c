"""What a loan is: its terms, as plain immutable values (no database, no clock)."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal(0)


class InterestMethod(enum.StrEnum):
    FLAT = "flat"
    DECLINING_EQUAL_INSTALLMENT = "declining_equal_installment"
    DECLINING_EQUAL_PRINCIPAL = "declining_equal_principal"


class RatePeriod(enum.StrEnum):
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    TERM = "term"


class Frequency(enum.StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"

    @property
    def periods_per_year(self) -> int:
        return _PERIODS_PER_YEAR[self]


_PERIODS_PER_YEAR = {
    Frequency.DAILY: 365,
    Frequency.WEEKLY: 52,
    Frequency.FORTNIGHTLY: 26,
    Frequency.MONTHLY: 12,
    Frequency.QUARTERLY: 4,
}


class ChargeCategory(enum.StrEnum):
    FEE = "fee"
    INSURANCE = "insurance"


class AmountKind(enum.StrEnum):
    FIXED = "fixed"
    PERCENT_OF_PRINCIPAL = "percent_of_principal"


class ChargeTiming(enum.StrEnum):
    UPFRONT = "upfront"  # paid in cash at disbursement
    DEDUCTED = "deducted"  # withheld from the amount disbursed
    FINANCED = "financed"  # added to the principal
    PER_INSTALLMENT = "per_installment"


class PenaltyKind(enum.StrEnum):
    NONE = "none"
    FIXED = "fixed"
    PERCENT_OF_INSTALLMENT = "percent_of_installment"
    DAILY_PERCENT_OF_OVERDUE = "daily_percent_of_overdue"


class PrepaymentInterest(enum.StrEnum):
    ACCRUED_TO_DATE = "accrued_to_date"
    CURRENT_PERIOD = "current_period"
    ALL_REMAINING = "all_remaining"


class AllocationPart(enum.StrEnum):
    """The parts of an installment a payment can go to."""

    PENALTIES = "penalties"
    FEES = "fees"
    INTEREST = "interest"
    PRINCIPAL = "principal"


DEFAULT_ALLOCATION = (
    AllocationPart.PENALTIES,
    AllocationPart.FEES,
    AllocationPart.INTEREST,
    AllocationPart.PRINCIPAL,
)


@dataclass(frozen=True)
class Charge:
    """A fee or an insurance premium."""

    name: str
    kind: AmountKind
    amount: Decimal  # a fixed amount, or a percent (2 means 2%)
    when: ChargeTiming
    category: ChargeCategory = ChargeCategory.FEE
    tax_percent: Decimal = ZERO


@dataclass(frozen=True)
class Savings:
    """Compulsory savings, returned at the end of the loan."""

    deposit_kind: AmountKind | None = None
    deposit_amount: Decimal = ZERO
    per_installment: Decimal = ZERO
    annual_interest_percent: Decimal = ZERO


@dataclass(frozen=True)
class PenaltyRule:
    kind: PenaltyKind = PenaltyKind.NONE
    grace_days: int = 0
    amount: Decimal = ZERO  # fixed amount, or a percent
    cap: Decimal | None = None


@dataclass(frozen=True)
class PrepaymentRule:
    interest: PrepaymentInterest = PrepaymentInterest.ACCRUED_TO_DATE
    fee_kind: AmountKind | None = None
    fee_amount: Decimal = ZERO


@dataclass(frozen=True)
class LoanTerms:
    principal: Decimal
    currency: str
    disbursement_date: dt.date
    first_due_date: dt.date | None
    frequency: Frequency
    installments: int
    interest_method: InterestMethod
    rate: Decimal  # percent per rate_period
    rate_period: RatePeriod
    charges: tuple[Charge, ...] = ()
    interest_tax_percent: Decimal = ZERO
    grace_periods: int = 0
    savings: Savings = field(default_factory=Savings)
    penalty: PenaltyRule = field(default_factory=PenaltyRule)
    prepayment: PrepaymentRule = field(default_factory=PrepaymentRule)
    installment_multiple: Decimal | None = None  # round installments to e.g. 50 or 100
    allocation_order: tuple[AllocationPart, ...] | None = None  # None: DEFAULT_ALLOCATION


@dataclass(frozen=True)
class Payment:
    """Money the client paid on a given day."""

    date: dt.date
    amount: Decimal
