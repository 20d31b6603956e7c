"""Money rounding: the one place where amounts are rounded, to the currency's minor unit."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from functools import cache

from babel.numbers import get_currency_precision, list_currencies

ZERO = Decimal(0)
HUNDRED = Decimal(100)


class UnknownCurrency(ValueError):
    """A currency code that is not in ISO 4217."""


@cache
def minor_units(currency: str) -> int:
    """Digits after the decimal point for an ISO 4217 currency (KES 2, XOF 0, ...)."""
    if currency not in list_currencies():
        raise UnknownCurrency(currency)
    return get_currency_precision(currency)


@cache
def quantum(currency: str) -> Decimal:
    """The smallest amount of a currency, e.g. Decimal('0.01') for KES, Decimal('1') for XOF."""
    return Decimal(1).scaleb(-minor_units(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def round_up_to_multiple(amount: Decimal, multiple: Decimal) -> Decimal:
    """Round up to a multiple (e.g. 50 or 100), as MFIs do with installments, so that the
    rounded installments never fall short and the last one is the smaller."""
    return (amount / multiple).quantize(Decimal(1), rounding=ROUND_CEILING) * multiple
