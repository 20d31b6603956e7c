"""Rounding money half-up to each currency's minor unit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.money import UnknownCurrency, minor_units, quantum, round_money, round_up_to_multiple

D = Decimal


@pytest.mark.parametrize(
    ("currency", "digits", "smallest"),
    [
        ("KES", 2, D("0.01")),
        ("MXN", 2, D("0.01")),
        ("XOF", 0, D(1)),
        ("UGX", 0, D(1)),
        ("BHD", 3, D("0.001")),
    ],
)
def test_minor_units(currency: str, digits: int, smallest: Decimal) -> None:
    assert minor_units(currency) == digits
    assert quantum(currency) == smallest


@pytest.mark.parametrize(
    ("amount", "currency", "rounded"),
    [
        ("2.675", "KES", "2.68"),  # half-up (a float would give 2.67)
        ("2.665", "KES", "2.67"),  # half-up, not half-even
        ("2.6749", "KES", "2.67"),
        ("4727.979831", "KES", "4727.98"),
        ("-2.675", "KES", "-2.68"),  # halves go away from zero
        ("2.5", "XOF", "3"),
        ("3.5", "XOF", "4"),
        ("1234.4999", "UGX", "1234"),
        ("1234.5", "UGX", "1235"),
        ("1.2345", "BHD", "1.235"),
        ("1.2344", "BHD", "1.234"),
        ("7", "BHD", "7.000"),
    ],
)
def test_round_money_half_up(amount: str, currency: str, rounded: str) -> None:
    result = round_money(D(amount), currency)
    assert result == D(rounded)
    assert result.as_tuple().exponent == D(rounded).as_tuple().exponent  # same number of places


@pytest.mark.parametrize("currency", ["XYZ", "kes", "", "KESX"])
def test_unknown_currency_raises(currency: str) -> None:
    with pytest.raises(UnknownCurrency):
        round_money(D(1), currency)
    with pytest.raises(UnknownCurrency):
        minor_units(currency)


@pytest.mark.parametrize(
    ("amount", "multiple", "rounded"),
    [
        ("1200", "50", "1200"),  # already a multiple
        ("1200.01", "50", "1250"),  # always up, so installments never fall short
        ("4727.98", "100", "4800"),
        ("4727.98", "0.5", "4728.0"),
    ],
)
def test_round_up_to_multiple(amount: str, multiple: str, rounded: str) -> None:
    assert round_up_to_multiple(D(amount), D(multiple)) == D(rounded)
