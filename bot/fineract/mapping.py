"""Fineract JSON in, Wazi values out: clients, loan terms, payments and Fineract's own schedule.

Pure: each function takes the parsed body of one Fineract response (numbers as ``Decimal`` or
``int``, as ``bot.fineract.client`` parses them; a ``float`` is read through its text) and
returns values of the loan engine (``LoanTerms``) or of ``bot.loan_answers`` (``PaymentRecord``).
Anything Fineract says that Wazi cannot represent exactly raises :class:`FineractDataError`
naming the field (``charges[1].chargeTimeType: ...``); nothing is guessed.

Fineract facts relied on (tests/fixtures/fineract/SOURCES.md):
- dates are ``[yyyy, m, d]``; ``repaymentSchedule.periods[0]`` is the disbursement (no
  ``period``, or ``period: 0``);
- ``repaymentFrequencyType``/``interestRateFrequencyType`` ids: 0 days, 1 weeks, 2 months,
  3 years, 4 whole term; ``interestType`` 0 declining balance, 1 flat; ``amortizationType``
  0 equal principal, 1 equal installments;
- ``chargeTimeType`` 1 disbursement, 8 instalment fee, 9 overdue installment;
  ``chargeCalculationType`` 1 flat, 2 % of amount, 5 % of disbursement amount;
- loan status ids 100 ... 700 (``FineractLoanStatus``).

What the loan JSON does not say comes from the institution, in :class:`MappingPolicy`: which
charge definitions are insurance, which disbursement charges are withheld from the cash paid
out (the others are paid in cash at disbursement), and the payoff rule of loans without
interest recalculation. The penalty grace is the loan's ``graceOnArrearsAgeing``; compulsory
savings are the product's guarantee held from the client's own funds (``holdGuaranteeFunds``,
``productGuaranteeData.minimumGuaranteeFromOwnFunds``, a percent of the principal).

Fineract computes its schedule itself (day counts, holidays, interest recalculation, rounding
to ``inMultiplesOf``); the engine's schedule from the mapped terms can differ, and
:func:`differences` says where. The institution's books are the truth.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import phonenumbers

from bot.db.models import LoanStatus as WaziLoanStatus
from bot.loan_answers import PaymentRecord
from bot.loans.schedule import Schedule
from bot.loans.terms import (
    AllocationPart,
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
from bot.money import UnknownCurrency, minor_units

logger = logging.getLogger(__name__)

ZERO = Decimal(0)
Json = Mapping[str, Any]
_MAX_WHOLE_DIGITS = 13  # Fineract keeps amounts as DECIMAL(19,6)


class FineractDataError(ValueError):
    """A Fineract value Wazi cannot read or represent; ``field`` names it."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"Fineract {field}: {problem}")
        self.field = field


class FineractLoanStatus(enum.IntEnum):
    """Fineract's loan status ids (``LoanStatus.java``)."""

    SUBMITTED = 100
    APPROVED = 200
    ACTIVE = 300
    WITHDRAWN = 400
    REJECTED = 500
    CLOSED = 600
    WRITTEN_OFF = 601
    RESCHEDULED = 602
    OVERPAID = 700

    @property
    def wazi(self) -> WaziLoanStatus:
        """The status Wazi's own loans use for the same state."""
        if self in (FineractLoanStatus.SUBMITTED, FineractLoanStatus.APPROVED):
            return WaziLoanStatus.PENDING
        if self is FineractLoanStatus.ACTIVE:
            return WaziLoanStatus.ACTIVE
        if self is FineractLoanStatus.WRITTEN_OFF:
            return WaziLoanStatus.WRITTEN_OFF
        return WaziLoanStatus.CLOSED


@dataclass(frozen=True)
class MappingPolicy:
    """What the institution says about its Fineract set-up that the loan JSON does not."""

    insurance_charge_ids: frozenset[int] = frozenset()  # charge definition ids (``chargeId``)
    deducted_charge_ids: frozenset[int] = frozenset()  # disbursement charges withheld
    prepayment_without_recalculation: PrepaymentInterest = PrepaymentInterest.CURRENT_PERIOD


@dataclass(frozen=True)
class FineractCurrency:
    code: str
    decimal_places: int  # Fineract's, which may differ from ISO 4217's minor units
    in_multiples_of: int  # 0: none

    @property
    def quantum(self) -> Decimal:
        return Decimal(1).scaleb(-self.decimal_places)

    def round(self, amount: Decimal) -> Decimal:
        """Half-up to Fineract's decimal places for this currency."""
        return amount.quantize(self.quantum, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ClientRecord:
    id: int
    account_no: str | None
    display_name: str
    mobile: str | None  # E.164
    date_of_birth: dt.date | None
    external_id: str | None
    office_id: int | None
    office_name: str | None
    staff_name: str | None
    active: bool


@dataclass(frozen=True)
class FineractInstallment:
    number: int
    from_date: dt.date | None
    due_date: dt.date
    principal: Decimal
    interest: Decimal
    fees: Decimal
    penalties: Decimal
    outstanding: Decimal | None  # totalOutstandingForPeriod, when given

    @property
    def total(self) -> Decimal:
        """Principal, interest and fees (penalties apart, as in the engine's schedule)."""
        return self.principal + self.interest + self.fees


@dataclass(frozen=True)
class FineractSchedule:
    """Fineract's own repayment schedule (``repaymentSchedule``), comparable to the engine's."""

    currency: FineractCurrency
    disbursement_date: dt.date | None  # from the disbursement row, when present
    principal_disbursed: Decimal | None
    disbursement_fees: Decimal | None  # fees due at disbursement (the row's feeChargesDue)
    installments: tuple[FineractInstallment, ...]


@dataclass(frozen=True)
class LoanRecord:
    """One Fineract loan, read: its terms for the engine, its payments and its schedule."""

    id: int
    account_no: str
    external_id: str | None
    client_id: int | None
    product_id: int
    product_name: str | None
    status: FineractLoanStatus
    currency: FineractCurrency
    terms: LoanTerms
    payments: tuple[PaymentRecord, ...]
    schedule: FineractSchedule | None  # None when fetched without repaymentSchedule


# --- basic values -------------------------------------------------------------------------


def _object(data: Any, field: str) -> Json:
    """``data`` if it is a JSON object; ``field`` is the key read from it."""
    if not isinstance(data, Mapping):
        raise FineractDataError(field.rsplit(".", 1)[0], "expected a JSON object")
    return data


def _get(data: Json, key: str, field: str) -> Any:
    data = _object(data, field)
    if key not in data or data[key] is None:
        raise FineractDataError(field, "missing")
    return data[key]


def parse_date(value: Any, field: str) -> dt.date:
    """A Fineract date, ``[yyyy, m, d]``."""
    if (
        not isinstance(value, list | tuple)
        or len(value) != 3
        or not all(isinstance(part, int) and not isinstance(part, bool) for part in value)
    ):
        raise FineractDataError(field, f"expected a date [yyyy, m, d], got {value!r}")
    try:
        return dt.date(*value)
    except (ValueError, OverflowError):  # OverflowError: a part beyond a C int
        raise FineractDataError(field, f"not a date: {value!r}") from None


def _optional_date(data: Json, key: str, field: str) -> dt.date | None:
    value = data.get(key)
    return None if value is None else parse_date(value, field)


def parse_amount(value: Any, field: str) -> Decimal:
    """A number from Fineract as a Decimal (floats through their text, so 0.1 stays 0.1)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise FineractDataError(field, f"expected a number, got {value!r}")
    try:
        amount = Decimal(str(value)) if isinstance(value, float | str) else Decimal(value)
    except InvalidOperation:
        raise FineractDataError(field, f"expected a number, got {value!r}") from None
    if not amount.is_finite():
        raise FineractDataError(field, f"expected a finite number, got {value!r}")
    if amount.adjusted() >= _MAX_WHOLE_DIGITS:
        raise FineractDataError(field, f"more than {_MAX_WHOLE_DIGITS} digits: {value!r}")
    return amount


def _amount(data: Json, key: str, field: str, default: Decimal | None = None) -> Decimal:
    data = _object(data, field)
    if default is not None and data.get(key) is None:
        return default
    return parse_amount(_get(data, key, field), field)


def _int(data: Json, key: str, field: str, default: int | None = None) -> int:
    value = _object(data, field).get(key)
    if value is None:
        if default is not None:
            return default
        raise FineractDataError(field, "missing")
    if isinstance(value, bool) or not isinstance(value, int):
        raise FineractDataError(field, f"expected a whole number, got {value!r}")
    return value


def _enum_id(data: Json, key: str, field: str) -> int:
    """The ``id`` of a Fineract enum object such as ``{"id": 2, "code": ..., "value": ...}``."""
    value = _get(data, key, field)
    if isinstance(value, Mapping):
        return _int(value, "id", f"{field}.id")
    return _int(data, key, field)  # some payloads give the bare id


def _optional_str(data: Json, key: str) -> str | None:
    value = data.get(key)
    return None if value is None or value == "" else str(value)


def parse_currency(data: Json, field: str = "currency") -> FineractCurrency:
    """A Fineract currency object; its code must be one the loan engine knows."""
    code = _get(data, "code", f"{field}.code")
    try:
        minor_units(code)
    except (UnknownCurrency, TypeError):  # TypeError: a list or an object, not a code
        raise FineractDataError(f"{field}.code", f"unknown ISO 4217 code {code!r}") from None
    places = _int(data, "decimalPlaces", f"{field}.decimalPlaces")
    if not 0 <= places <= 6:
        raise FineractDataError(f"{field}.decimalPlaces", f"out of range: {places}")
    multiples = _int(data, "inMultiplesOf", f"{field}.inMultiplesOf", default=0)
    return FineractCurrency(code=code, decimal_places=places, in_multiples_of=multiples)


# --- clients ------------------------------------------------------------------------------


def e164(mobile: str, field: str = "mobileNo", default_region: str | None = None) -> str:
    """A Fineract mobile number as E.164: ``+`` and digits as stored (``254700000001``), or a
    national number read in ``default_region``."""
    cleaned = mobile.strip()
    candidates = [(cleaned, None)] if cleaned.startswith("+") else [("+" + cleaned, None)]
    if default_region and not cleaned.startswith("+"):
        candidates.insert(0, (cleaned, default_region))
    for text, region in candidates:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise FineractDataError(field, "not a valid mobile number")  # the number itself stays out


def client_record(data: Json, default_region: str | None = None) -> ClientRecord:
    """``GET /clients/{id}``."""
    data = _object(data, "client.id")
    name = _optional_str(data, "displayName") or " ".join(
        str(data[key]) for key in ("firstname", "middlename", "lastname") if data.get(key)
    )
    if not name:
        raise FineractDataError("displayName", "missing")
    mobile = _optional_str(data, "mobileNo")
    office = data.get("officeId")
    return ClientRecord(
        id=_int(data, "id", "id"),
        account_no=_optional_str(data, "accountNo"),
        display_name=name,
        mobile=e164(mobile, "mobileNo", default_region) if mobile else None,
        date_of_birth=_optional_date(data, "dateOfBirth", "dateOfBirth"),
        external_id=_optional_str(data, "externalId"),
        office_id=_int(data, "officeId", "officeId") if office is not None else None,
        office_name=_optional_str(data, "officeName"),
        staff_name=_optional_str(data, "staffName"),
        active=bool(data.get("active", False)),
    )


def loan_ids(accounts: Json) -> list[int]:
    """The loan ids of ``GET /clients/{id}/accounts`` (every status), oldest first."""
    loans = _object(accounts, "accounts.loanAccounts").get("loanAccounts") or []
    if not isinstance(loans, list):
        raise FineractDataError("loanAccounts", "expected a list")
    return sorted(_int(loan, "id", f"loanAccounts[{i}].id") for i, loan in enumerate(loans))


# --- loans --------------------------------------------------------------------------------


def loan_status(loan: Json) -> FineractLoanStatus:
    status_id = _enum_id(loan, "status", "status")
    try:
        return FineractLoanStatus(status_id)
    except ValueError:
        raise FineractDataError("status.id", f"unknown loan status {status_id}") from None


_FREQUENCIES = {
    (0, 1): Frequency.DAILY,
    (1, 1): Frequency.WEEKLY,
    (1, 2): Frequency.FORTNIGHTLY,
    (2, 1): Frequency.MONTHLY,
    (2, 3): Frequency.QUARTERLY,
}
_RATE_PERIODS = {1: RatePeriod.WEEK, 2: RatePeriod.MONTH, 3: RatePeriod.YEAR, 4: RatePeriod.TERM}
_FLAT, _DECLINING = 1, 0
_EQUAL_PRINCIPAL, _EQUAL_INSTALLMENTS = 0, 1
_DISBURSEMENT, _INSTALMENT_FEE, _OVERDUE_INSTALLMENT = 1, 8, 9
_CALC_FLAT, _CALC_PERCENT_OF_AMOUNT, _CALC_PERCENT_OF_DISBURSEMENT = 1, 2, 5
_PRE_CLOSURE = {
    1: PrepaymentInterest.ACCRUED_TO_DATE,  # calculate till pre-closure date
    2: PrepaymentInterest.CURRENT_PERIOD,  # calculate till rest frequency date
}
_STANDARD_ORDER = "mifos-standard-strategy"  # penalties, fees, interest, principal
_ALLOCATIONS: dict[str, tuple[AllocationPart, ...] | None] = {
    _STANDARD_ORDER: None,
    "principal-interest-penalties-fees-order-strategy": (
        AllocationPart.PRINCIPAL,
        AllocationPart.INTEREST,
        AllocationPart.PENALTIES,
        AllocationPart.FEES,
    ),
    "interest-principal-penalties-fees-order-strategy": (
        AllocationPart.INTEREST,
        AllocationPart.PRINCIPAL,
        AllocationPart.PENALTIES,
        AllocationPart.FEES,
    ),
}
_STRATEGY_IDS = {1: _STANDARD_ORDER}  # older servers give only the id and its name


def _frequency(loan: Json) -> Frequency:
    unit = _enum_id(loan, "repaymentFrequencyType", "repaymentFrequencyType")
    every = _int(loan, "repaymentEvery", "repaymentEvery")
    frequency = _FREQUENCIES.get((unit, every))
    if frequency is None:
        raise FineractDataError(
            "repaymentEvery", f"repayments every {every} of frequency type {unit} not supported"
        )
    return frequency


def _interest_method(loan: Json) -> InterestMethod:
    interest_type = _enum_id(loan, "interestType", "interestType")
    amortization = _enum_id(loan, "amortizationType", "amortizationType")
    if amortization not in (_EQUAL_PRINCIPAL, _EQUAL_INSTALLMENTS):
        raise FineractDataError("amortizationType.id", f"unknown amortization {amortization}")
    if interest_type == _FLAT:
        return InterestMethod.FLAT  # equal principal and equal interest either way
    if interest_type == _DECLINING:
        if amortization == _EQUAL_INSTALLMENTS:
            return InterestMethod.DECLINING_EQUAL_INSTALLMENT
        return InterestMethod.DECLINING_EQUAL_PRINCIPAL
    raise FineractDataError("interestType.id", f"unknown interest type {interest_type}")


def _rate(loan: Json) -> tuple[Decimal, RatePeriod]:
    if loan.get("isFloatingInterestRate"):
        raise FineractDataError("isFloatingInterestRate", "floating rates are not supported")
    rate = _amount(loan, "interestRatePerPeriod", "interestRatePerPeriod")
    unit = _enum_id(loan, "interestRateFrequencyType", "interestRateFrequencyType")
    period = _RATE_PERIODS.get(unit)
    if period is None:
        raise FineractDataError(
            "interestRateFrequencyType.id", f"rate frequency {unit} not supported"
        )
    return rate, period


def _grace(loan: Json) -> int:
    for key in ("graceOnInterestPayment", "graceOnInterestCharged"):
        if _int(loan, key, key, default=0):
            raise FineractDataError(key, "grace on interest is not supported")
    if _int(loan, "recurringMoratoriumOnPrincipalPeriods", "recurringMoratorium", default=0):
        raise FineractDataError(
            "recurringMoratoriumOnPrincipalPeriods", "recurring moratoria are not supported"
        )
    return _int(loan, "graceOnPrincipalPayment", "graceOnPrincipalPayment", default=0)


def _charge_definition_id(data: Json, field: str) -> int:
    if data.get("chargeId") is not None:
        return _int(data, "chargeId", f"{field}.chargeId")
    return _int(data, "id", f"{field}.id")


def _percent_or_amount(data: Json, calculation: int, field: str) -> tuple[AmountKind, Decimal]:
    if calculation == _CALC_FLAT:
        return AmountKind.FIXED, _amount(data, "amount", f"{field}.amount")
    # A loan charge gives the percent in ``percentage``; a charge definition in ``amount``.
    key = "percentage" if data.get("percentage") else "amount"
    return AmountKind.PERCENT_OF_PRINCIPAL, _amount(data, key, f"{field}.{key}")


def charge(data: Json, field: str, policy: MappingPolicy) -> Charge | None:
    """A loan charge or charge definition as the engine's ``Charge``; None for a penalty (the
    penalty rule comes from ``overdueCharges``, and penalties charged show in the schedule)."""
    if _object(data, f"{field}.penalty").get("penalty"):
        return None
    if data.get("taxGroup"):
        raise FineractDataError(f"{field}.taxGroup", "taxes on charges are not supported")
    time_type = _enum_id(data, "chargeTimeType", f"{field}.chargeTimeType")
    calculation = _enum_id(data, "chargeCalculationType", f"{field}.chargeCalculationType")
    name = str(_get(data, "name", f"{field}.name"))
    definition = _charge_definition_id(data, field)
    category = (
        ChargeCategory.INSURANCE
        if definition in policy.insurance_charge_ids
        else ChargeCategory.FEE
    )
    if time_type == _DISBURSEMENT:
        if calculation not in (_CALC_FLAT, _CALC_PERCENT_OF_AMOUNT, _CALC_PERCENT_OF_DISBURSEMENT):
            raise FineractDataError(
                f"{field}.chargeCalculationType", f"calculation {calculation} not supported"
            )
        when = (
            ChargeTiming.DEDUCTED
            if definition in policy.deducted_charge_ids
            else ChargeTiming.UPFRONT
        )
    elif time_type == _INSTALMENT_FEE:
        if calculation != _CALC_FLAT:
            raise FineractDataError(
                f"{field}.chargeCalculationType",
                "only flat instalment fees are supported",
            )
        when = ChargeTiming.PER_INSTALLMENT
    else:
        raise FineractDataError(f"{field}.chargeTimeType", f"charge time {time_type} not supported")
    kind, amount = _percent_or_amount(data, calculation, field)
    return Charge(name=name, kind=kind, amount=amount, when=when, category=category)


def _charges(loan: Json, policy: MappingPolicy) -> tuple[Charge, ...]:
    charges = loan.get("charges")
    if charges is None:
        summary = _object(loan.get("summary") or {}, "summary.feeChargesCharged")
        if parse_amount(summary.get("feeChargesCharged", 0), "summary.feeChargesCharged"):
            raise FineractDataError(
                "charges", "the loan has fees but was read without associations=charges"
            )
        return ()
    if not isinstance(charges, list):
        raise FineractDataError("charges", "expected a list")
    mapped = (charge(c, f"charges[{i}]", policy) for i, c in enumerate(charges))
    return tuple(c for c in mapped if c is not None)


def _penalty(loan: Json) -> PenaltyRule:
    overdue = loan.get("overdueCharges")
    field = "overdueCharges"
    if overdue is None:  # some versions put it in the summary
        overdue = _object(loan.get("summary") or {}, "summary.overdueCharges").get("overdueCharges")
        field = "summary.overdueCharges"
    if not overdue:
        return PenaltyRule()
    if not isinstance(overdue, list):
        raise FineractDataError(field, "expected a list")
    if len(overdue) > 1:
        raise FineractDataError(field, "more than one overdue penalty is not supported")
    field += "[0]"
    data = overdue[0]
    if _enum_id(data, "chargeTimeType", f"{field}.chargeTimeType") != _OVERDUE_INSTALLMENT:
        raise FineractDataError(f"{field}.chargeTimeType", "expected an overdue-installment fee")
    if data.get("feeFrequency") is not None:
        raise FineractDataError(f"{field}.feeFrequency", "recurring penalties are not supported")
    calculation = _enum_id(data, "chargeCalculationType", f"{field}.chargeCalculationType")
    kinds = {
        _CALC_FLAT: PenaltyKind.FIXED,
        _CALC_PERCENT_OF_AMOUNT: PenaltyKind.PERCENT_OF_INSTALLMENT,
    }
    if calculation not in kinds:
        raise FineractDataError(
            f"{field}.chargeCalculationType", f"penalty calculation {calculation} not supported"
        )
    return PenaltyRule(
        kind=kinds[calculation],
        grace_days=_int(loan, "graceOnArrearsAgeing", "graceOnArrearsAgeing", default=0),
        amount=_amount(data, "amount", f"{field}.amount"),
    )


def _prepayment(loan: Json, product: Json, policy: MappingPolicy) -> PrepaymentRule:
    if not loan.get("isInterestRecalculationEnabled"):
        return PrepaymentRule(interest=policy.prepayment_without_recalculation)
    for source, prefix in ((loan, ""), (product, "product.")):
        data = _object(
            source.get("interestRecalculationData") or {},
            f"{prefix}interestRecalculationData.preClosureInterestCalculationStrategy",
        )
        if data.get("preClosureInterestCalculationStrategy") is not None:
            field = f"{prefix}interestRecalculationData.preClosureInterestCalculationStrategy"
            strategy = _enum_id(data, "preClosureInterestCalculationStrategy", field)
            if strategy not in _PRE_CLOSURE:
                raise FineractDataError(field, f"unknown strategy {strategy}")
            return PrepaymentRule(interest=_PRE_CLOSURE[strategy])
    raise FineractDataError(
        "interestRecalculationData.preClosureInterestCalculationStrategy",
        "missing from the loan and its product",
    )


def _savings(product: Json) -> Savings:
    if not product.get("holdGuaranteeFunds"):
        return Savings()
    guarantee = product.get("productGuaranteeData") or {}
    field = "product.productGuaranteeData.minimumGuaranteeFromOwnFunds"
    own = _amount(guarantee, "minimumGuaranteeFromOwnFunds", field, default=ZERO)
    if not own:
        return Savings()
    return Savings(deposit_kind=AmountKind.PERCENT_OF_PRINCIPAL, deposit_amount=own)


def _allocation(loan: Json) -> tuple[AllocationPart, ...] | None:
    code = loan.get("transactionProcessingStrategyCode")
    field = "transactionProcessingStrategyCode"
    if code is None and loan.get("transactionProcessingStrategyId") is not None:
        field = "transactionProcessingStrategyId"
        strategy_id = _int(loan, "transactionProcessingStrategyId", field)
        code = _STRATEGY_IDS.get(strategy_id)
        if code is None:
            raise FineractDataError(field, f"strategy {strategy_id} not supported")
    if code is None:
        raise FineractDataError(field, "missing")
    if not isinstance(code, str) or code not in _ALLOCATIONS:  # a list, an object: no code
        raise FineractDataError(field, f"strategy {code!r} not supported")
    return _ALLOCATIONS[code]


def disbursement_date(loan: Json) -> dt.date:
    timeline = _object(_get(loan, "timeline", "timeline"), "timeline.expectedDisbursementDate")
    for key in ("actualDisbursementDate", "expectedDisbursementDate"):
        if timeline.get(key) is not None:
            return parse_date(timeline[key], f"timeline.{key}")
    raise FineractDataError("timeline.expectedDisbursementDate", "missing")


def _first_due_date(loan: Json) -> dt.date | None:
    if loan.get("expectedFirstRepaymentOnDate") is not None:
        return parse_date(loan["expectedFirstRepaymentOnDate"], "expectedFirstRepaymentOnDate")
    if loan.get("repaymentSchedule") is not None:
        installments = fineract_schedule(loan["repaymentSchedule"]).installments
        if installments:
            return installments[0].due_date
    return None  # the engine counts one period from disbursement, as Fineract does


def loan_terms(loan: Json, product: Json, policy: MappingPolicy | None = None) -> LoanTerms:
    """The engine's terms of ``GET /loans/{id}?associations=repaymentSchedule,transactions,
    charges``, with its product (``GET /loanproducts/{loanProductId}``)."""
    policy = policy or MappingPolicy()
    product_id = _int(loan, "loanProductId", "loanProductId")
    if _int(product, "id", "product.id") != product_id:
        raise FineractDataError("product.id", f"not the loan's product {product_id}")
    if loan.get("multiDisburseLoan"):
        raise FineractDataError("multiDisburseLoan", "loans in tranches are not supported")
    currency = parse_currency(_get(loan, "currency", "currency"))
    rate, rate_period = _rate(loan)
    installments = _int(loan, "numberOfRepayments", "numberOfRepayments")
    if installments < 1:
        raise FineractDataError("numberOfRepayments", "must be at least 1")
    principal = _amount(loan, "principal", "principal")
    if principal <= 0:
        raise FineractDataError("principal", "must be greater than zero")
    return LoanTerms(
        principal=principal,
        currency=currency.code,
        disbursement_date=disbursement_date(loan),
        first_due_date=_first_due_date(loan),
        frequency=_frequency(loan),
        installments=installments,
        interest_method=_interest_method(loan),
        rate=rate,
        rate_period=rate_period,
        charges=_charges(loan, policy),
        grace_periods=_grace(loan),
        savings=_savings(product),
        penalty=_penalty(loan),
        prepayment=_prepayment(loan, product, policy),
        allocation_order=_allocation(loan),
    )


def payment_records(loan: Json) -> tuple[PaymentRecord, ...]:
    """The client's repayments (``transactions`` of type repayment, not reversed), oldest
    first, each with its principal, interest, fee and penalty portions."""
    transactions = _object(loan, "loan.transactions").get("transactions")
    if transactions is None:
        raise FineractDataError("transactions", "missing: read the loan with associations")
    if not isinstance(transactions, list):
        raise FineractDataError("transactions", "expected a list")
    currency = parse_currency(_get(loan, "currency", "currency"))
    records: list[tuple[dt.date, int, PaymentRecord]] = []
    for i, tx in enumerate(transactions):
        field = f"transactions[{i}]"
        kind = _get(tx, "type", f"{field}.type")
        if not isinstance(kind, Mapping):
            raise FineractDataError(f"{field}.type", "expected a JSON object")
        is_repayment = kind.get("repayment") is True or kind.get("code") == (
            "loanTransactionType.repayment"
        )
        if not is_repayment or tx.get("manuallyReversed"):
            continue
        amount = currency.round(_amount(tx, "amount", f"{field}.amount"))
        parts = [
            currency.round(_amount(tx, key, f"{field}.{key}", default=ZERO))
            for key in (
                "principalPortion",
                "interestPortion",
                "feeChargesPortion",
                "penaltyChargesPortion",
                "overpaymentPortion",
            )
        ]
        if sum(parts, ZERO) != amount:
            raise FineractDataError(f"{field}.amount", "the portions do not add up to the amount")
        principal, interest, fees, penalties, _overpaid = parts
        record = PaymentRecord(
            paid_on=parse_date(_get(tx, "date", f"{field}.date"), f"{field}.date"),
            amount=amount,
            principal=principal,
            interest=interest,
            fees=fees,
            penalties=penalties,
        )
        records.append((record.paid_on, _int(tx, "id", f"{field}.id", default=0), record))
    return tuple(record for _, _, record in sorted(records, key=lambda r: (r[0], r[1])))


def fineract_schedule(data: Json) -> FineractSchedule:
    """``repaymentSchedule`` of a loan (or a schedule preview), installments numbered as
    Fineract numbers them; the disbursement row is read apart."""
    currency = parse_currency(_get(data, "currency", "repaymentSchedule.currency"))
    periods: Sequence[Json] = _get(data, "periods", "repaymentSchedule.periods")
    if not isinstance(periods, list):
        raise FineractDataError("repaymentSchedule.periods", "expected a list")
    disbursed_on = principal = fees = None
    rows: list[FineractInstallment] = []
    for i, period in enumerate(periods):
        field = f"repaymentSchedule.periods[{i}]"
        if not _object(period, f"{field}.period").get("period"):
            disbursed_on = parse_date(_get(period, "dueDate", f"{field}.dueDate"), f"{field}")
            principal = currency.round(
                _amount(period, "principalDisbursed", f"{field}.principalDisbursed")
            )
            fees = currency.round(_amount(period, "feeChargesDue", f"{field}.fee", ZERO))
            continue

        outstanding = period.get("totalOutstandingForPeriod")
        rows.append(
            FineractInstallment(
                number=_int(period, "period", f"{field}.period"),
                from_date=_optional_date(period, "fromDate", f"{field}.fromDate"),
                due_date=parse_date(_get(period, "dueDate", f"{field}.dueDate"), field),
                principal=currency.round(_amount(period, "principalDue", f"{field}.principalDue")),
                interest=currency.round(_amount(period, "interestDue", f"{field}.interestDue")),
                fees=currency.round(_amount(period, "feeChargesDue", f"{field}.fees", ZERO)),
                penalties=currency.round(
                    _amount(period, "penaltyChargesDue", f"{field}.penaltyChargesDue", ZERO)
                ),
                outstanding=None
                if outstanding is None
                else currency.round(parse_amount(outstanding, f"{field}.outstanding")),
            )
        )
    return FineractSchedule(currency, disbursed_on, principal, fees, tuple(rows))


def loan_record(
    loan: Json,
    product: Json,
    policy: MappingPolicy | None = None,
) -> LoanRecord:
    """Everything Wazi reads from one loan (see :func:`loan_terms`)."""
    loan = _object(loan, "loan.id")
    schedule = loan.get("repaymentSchedule")
    return LoanRecord(
        id=_int(loan, "id", "id"),
        account_no=str(_get(loan, "accountNo", "accountNo")),
        external_id=_optional_str(loan, "externalId"),
        client_id=loan.get("clientId"),
        product_id=_int(loan, "loanProductId", "loanProductId"),
        product_name=_optional_str(loan, "loanProductName"),
        status=loan_status(loan),
        currency=parse_currency(_get(loan, "currency", "currency")),
        terms=loan_terms(loan, product, policy),
        payments=payment_records(loan),
        schedule=None if schedule is None else fineract_schedule(schedule),
    )


def differences(fineract: FineractSchedule, wazi: Schedule) -> list[str]:
    """Where Fineract's schedule and the engine's disagree, one line each (no personal data):
    the number of installments, due dates, and each installment's principal + interest + fees
    compared at Fineract's decimal places for the currency."""
    cur = fineract.currency
    if cur.code != wazi.terms.currency:
        return [f"currency: {cur.code} in Fineract, {wazi.terms.currency} in Wazi"]
    found: list[str] = []
    if len(fineract.installments) != len(wazi.rows):
        found.append(
            f"installments: {len(fineract.installments)} in Fineract, {len(wazi.rows)} in Wazi"
        )
    disbursement = wazi.disbursement
    if fineract.disbursement_date is not None and fineract.disbursement_date != disbursement.date:
        found.append(
            f"disbursement date: {fineract.disbursement_date} in Fineract, "
            f"{disbursement.date} in Wazi"
        )
    if fineract.principal_disbursed is not None:
        ours = cur.round(disbursement.principal)
        if fineract.principal_disbursed != ours:
            found.append(f"principal: {fineract.principal_disbursed} in Fineract, {ours} in Wazi")
    if fineract.disbursement_fees is not None:
        ours = cur.round(disbursement.upfront + disbursement.deducted)
        if fineract.disbursement_fees != ours:
            found.append(
                f"fees at disbursement: {fineract.disbursement_fees} in Fineract, {ours} in Wazi"
            )
    rows = {row.number: row for row in wazi.rows}
    for theirs in fineract.installments:
        row = rows.get(theirs.number)
        if row is None:
            continue
        if theirs.due_date != row.due_date:
            found.append(
                f"installment {theirs.number}: due {theirs.due_date} in Fineract, "
                f"{row.due_date} in Wazi"
            )
        principal, interest = cur.round(row.principal), cur.round(row.interest)
        fees = cur.round(row.fees + row.tax + row.savings)
        if theirs.total != principal + interest + fees:
            found.append(
                f"installment {theirs.number}: {theirs.total} in Fineract (principal "
                f"{theirs.principal}, interest {theirs.interest}, fees {theirs.fees}), "
                f"{principal + interest + fees} in Wazi (principal {principal}, interest "
                f"{interest}, fees {fees})"
            )
    return found
