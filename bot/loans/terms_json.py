"""Loan terms and payments from JSON (the ``wazi loan quote`` input), checked field by field.

TERMS.json keys: ``principal``, ``currency``, ``disbursement_date``, ``first_payment_date``,
``frequency``, ``installments``, ``interest_method``, ``rate``, ``rate_period``, ``fees``,
``taxes``, ``compulsory_savings``, ``grace_periods``, ``penalty``, ``prepayment``, and the
extensions ``installment_multiple`` and ``allocation_order``. Amounts and rates are decimal
strings (numbers are accepted and read through their text, so 0.1 stays 0.1). Every problem
raises :class:`InputError` naming the field, e.g. ``fees[1].kind: unknown value 'flat'``.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from bot.loans.schedule import InvalidTerms, validate
from bot.loans.terms import (
    AllocationPart,
    AmountKind,
    Charge,
    ChargeCategory,
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
    Savings,
)
from bot.money import ZERO

_JSON_FIELD = {"first_due_date": "first_payment_date"}  # engine name -> TERMS.json key

E = TypeVar("E", bound=enum.Enum)


class InputError(ValueError):
    """Input that cannot be used; ``field`` names where the problem is."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


def _require(data: dict[str, Any], key: str, where: str) -> Any:
    if key not in data or data[key] is None:
        raise InputError(f"{where}{key}", "missing")
    return data[key]


def decimal(value: Any, field: str, *, minimum: Decimal | None = ZERO) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise InputError(field, f"expected a number, got {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise InputError(field, f"expected a number, got {value!r}") from None
    if not number.is_finite():
        raise InputError(field, f"expected a finite number, got {value!r}")
    if minimum is not None and number < minimum:
        raise InputError(field, f"must not be below {minimum}, got {value}")
    return number


def integer(value: Any, field: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InputError(field, f"expected a whole number, got {value!r}")
    try:
        number = int(value)
    except ValueError:
        raise InputError(field, f"expected a whole number, got {value!r}") from None
    if number < minimum:
        raise InputError(field, f"must be at least {minimum}, got {number}")
    return number


def date(value: Any, field: str) -> dt.date:
    if not isinstance(value, str):
        raise InputError(field, f"expected a date like 2026-11-25, got {value!r}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(field, f"not a valid date: {value!r}") from None


def choice(value: Any, cls: type[E], field: str) -> E:
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in cls)
        raise InputError(field, f"unknown value {value!r} (expected one of: {allowed})") from None


def _object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError(field, "expected an object")
    return value


def _charges(data: dict[str, Any], fee_tax: Decimal) -> tuple[Charge, ...]:
    fees = data.get("fees") or []
    if not isinstance(fees, list):
        raise InputError("fees", "expected a list")
    charges = []
    for i, raw in enumerate(fees):
        where = f"fees[{i}]."
        fee = _object(raw, f"fees[{i}]")
        charges.append(
            Charge(
                name=str(fee.get("name") or f"fee {i + 1}"),
                kind=choice(_require(fee, "kind", where), AmountKind, f"{where}kind"),
                amount=decimal(_require(fee, "amount", where), f"{where}amount"),
                when=choice(_require(fee, "when", where), ChargeTiming, f"{where}when"),
                category=choice(fee.get("category", "fee"), ChargeCategory, f"{where}category"),
                tax_percent=decimal(fee.get("tax_percent", fee_tax), f"{where}tax_percent"),
            )
        )
    return tuple(charges)


def _savings(data: dict[str, Any]) -> Savings:
    raw = data.get("compulsory_savings")
    if raw is None:
        return Savings()
    savings = _object(raw, "compulsory_savings")
    where = "compulsory_savings."
    kind = savings.get("deposit_kind")
    return Savings(
        deposit_kind=None if kind is None else choice(kind, AmountKind, f"{where}deposit_kind"),
        deposit_amount=decimal(savings.get("deposit_amount", 0), f"{where}deposit_amount"),
        per_installment=decimal(savings.get("per_installment", 0), f"{where}per_installment"),
        annual_interest_percent=decimal(
            savings.get("annual_interest_percent", 0), f"{where}annual_interest_percent"
        ),
    )


def _penalty(data: dict[str, Any]) -> PenaltyRule:
    raw = data.get("penalty")
    if raw is None:
        return PenaltyRule()
    penalty = _object(raw, "penalty")
    cap = penalty.get("cap")
    return PenaltyRule(
        kind=choice(penalty.get("kind", "none"), PenaltyKind, "penalty.kind"),
        grace_days=integer(penalty.get("grace_days", 0), "penalty.grace_days"),
        amount=decimal(penalty.get("amount", 0), "penalty.amount"),
        cap=None if cap is None else decimal(cap, "penalty.cap"),
    )


def _prepayment(data: dict[str, Any]) -> PrepaymentRule:
    raw = data.get("prepayment")
    if raw is None:
        return PrepaymentRule()
    rule = _object(raw, "prepayment")
    fee_kind = rule.get("fee_kind")
    return PrepaymentRule(
        interest=choice(
            rule.get("interest", "accrued_to_date"), PrepaymentInterest, "prepayment.interest"
        ),
        fee_kind=None if fee_kind is None else choice(fee_kind, AmountKind, "prepayment.fee_kind"),
        fee_amount=decimal(rule.get("fee_amount", 0), "prepayment.fee_amount"),
    )


def _allocation(data: dict[str, Any]) -> tuple[AllocationPart, ...] | None:
    raw = data.get("allocation_order")
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise InputError("allocation_order", "expected a list")
    order = tuple(choice(p, AllocationPart, f"allocation_order[{i}]") for i, p in enumerate(raw))
    if sorted(order) != sorted(AllocationPart):
        raise InputError("allocation_order", "must name each part exactly once")
    return order


def terms_from_json(data: Any) -> LoanTerms:
    """LoanTerms from a parsed TERMS.json object; raises InputError naming the bad field."""
    data = _object(data, "terms")
    taxes = _object(data.get("taxes") or {}, "taxes")
    multiple = data.get("installment_multiple")
    terms = LoanTerms(
        principal=decimal(_require(data, "principal", ""), "principal", minimum=None),
        currency=str(_require(data, "currency", "")).upper(),
        disbursement_date=date(_require(data, "disbursement_date", ""), "disbursement_date"),
        first_due_date=(
            None
            if data.get("first_payment_date") is None
            else date(data["first_payment_date"], "first_payment_date")
        ),
        frequency=choice(_require(data, "frequency", ""), Frequency, "frequency"),
        installments=integer(_require(data, "installments", ""), "installments"),
        interest_method=choice(
            _require(data, "interest_method", ""), InterestMethod, "interest_method"
        ),
        rate=decimal(_require(data, "rate", ""), "rate"),
        rate_period=choice(_require(data, "rate_period", ""), RatePeriod, "rate_period"),
        charges=_charges(data, decimal(taxes.get("fees_percent", 0), "taxes.fees_percent")),
        interest_tax_percent=decimal(taxes.get("interest_percent", 0), "taxes.interest_percent"),
        grace_periods=integer(data.get("grace_periods", 0), "grace_periods"),
        savings=_savings(data),
        penalty=_penalty(data),
        prepayment=_prepayment(data),
        installment_multiple=(
            None
            if multiple is None
            else decimal(multiple, "installment_multiple", minimum=Decimal("0.0001"))
        ),
        allocation_order=_allocation(data),
    )
    try:
        validate(terms)
    except InvalidTerms as exc:
        field = _JSON_FIELD.get(exc.field, exc.field)
        raise InputError(field, str(exc).split(": ", 1)[1]) from None
    except InvalidOperation:  # validate rounds the principal: more digits than a Decimal holds
        raise InputError("principal", f"too large, got {terms.principal}") from None
    return terms


def payments_from_json(data: Any) -> list[Payment]:
    """Payments from a parsed PAYMENTS.json list of ``{"date": ..., "amount": ...}``."""
    if isinstance(data, dict) and "payments" in data:
        data = data["payments"]
    if not isinstance(data, list):
        raise InputError("payments", "expected a list of {date, amount}")
    payments = []
    for i, raw in enumerate(data):
        item = _object(raw, f"payments[{i}]")
        amount = decimal(_require(item, "amount", f"payments[{i}]."), f"payments[{i}].amount")
        if amount <= 0:
            raise InputError(f"payments[{i}].amount", "must be greater than zero")
        payments.append(
            Payment(
                date=date(_require(item, "date", f"payments[{i}]."), f"payments[{i}].date"),
                amount=amount,
            )
        )
    return payments
