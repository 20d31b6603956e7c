"""Amounts, delays and months as clients type them, in five languages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bot.parsing import parse_amount, parse_duration_days, parse_month

TODAY = dt.date(2026, 11, 25)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("what if I pay 5,000 extra", "5000"),
        ("5000", "5000"),
        ("5k", "5000"),
        ("nikilipa elfu 5 zaidi", "5000"),
        ("elfu tano", "5000"),
        ("si je paie 10 000 de plus", "10000"),
        ("cinco mil", "5000"),
        ("agar 2 lakh de doon", "200000"),
        ("1.5 lakh", "150000"),
        ("paanch hazaar", "5000"),
        ("pay 4727.98", "4727.98"),
        ("50,000.50", "50000.50"),
        ("1.234,50", "1234.50"),
    ],
)
def test_amounts(text: str, amount: str) -> None:
    assert parse_amount(text) == Decimal(amount)


@pytest.mark.parametrize("text", ["nothing here", "pay more", "a thousand thanks"])
def test_no_amount_is_none(text: str) -> None:
    assert parse_amount(text) is None


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("what if I pay 2 weeks late", 14),
        ("nikichelewa wiki mbili", 14),
        ("do hafte der se", 14),
        ("दो हफ्ते देर से", 14),
        ("10 días tarde", 10),
        ("3 jours de retard", 3),
        ("a week late", 7),
        ("one month late", 30),
    ],
)
def test_delays(text: str, days: int) -> None:
    assert parse_duration_days(text) == days


def test_no_delay_is_none() -> None:
    assert parse_duration_days("what if I pay late") is None


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("what if I pay off in March", dt.date(2027, 3, 31)),
        ("nikilipa yote machi", dt.date(2027, 3, 31)),
        ("si je rembourse tout en mars", dt.date(2027, 3, 31)),
        ("si pago todo en marzo", dt.date(2027, 3, 31)),
        ("मार्च में पूरा चुका दूं", dt.date(2027, 3, 31)),
        ("in december", dt.date(2026, 12, 31)),
        ("february", dt.date(2027, 2, 28)),
    ],
)
def test_months_are_the_next_such_month(text: str, day: dt.date) -> None:
    assert parse_month(text, TODAY) == day


def test_a_month_past_the_calendars_end_is_none() -> None:
    assert parse_month("in March", dt.date(9999, 11, 25)) is None  # March 10000
    assert parse_month("in November", dt.date(9999, 11, 25)) == dt.date(9999, 11, 30)
    assert parse_month("in December", dt.date(9999, 11, 25)) == dt.date(9999, 12, 31)


def test_no_month_is_none() -> None:
    assert parse_month("pay off soon", TODAY) is None
