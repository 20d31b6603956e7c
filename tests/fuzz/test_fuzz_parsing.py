"""Fuzzing what clients type (``bot.parsing``): an amount, a delay or a month, or None; never an
exception, whatever the text."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bot.parsing import parse_amount, parse_duration_days, parse_month
from tests.fuzz.conftest import FUZZ, NASTY_TEXT

# Words the parsers look for, digits of several scripts, separators: random text made of these
# reaches the number and unit logic far more often than arbitrary unicode.
WORDS = st.sampled_from(
    [
        "5",
        "5,000",
        "5.000,50",
        "5 000",
        "5\u202f000",
        "5\xa0000",
        "1" * 40,
        "9" * 5000,
        "0",
        "²",
        "\U00010a40",
        "٣",
        "१२",
        "１２",
        "k",
        "K",
        "m",
        "elfu",
        "mil",
        "lakh",
        "hazaar",
        "million",
        "tano",
        "mbili",
        "do",
        "dos",
        "a",
        "une",
        "week",
        "weeks",
        "wiki",
        "siku",
        "hafte",
        "हफ्ते",
        "mois",
        "days",
        "months",
        "march",
        "machi",
        "mars",
        "marzo",
        "मार्च",
        "dec",
        "déc.",
        "mai",
        "may",
        " ",
        "\n",
        ",",
        ".",
        "-",
        "e",
        "E5",
    ]  # fmt: skip
)
TEXT = st.text(max_size=200) | NASTY_TEXT | st.lists(WORDS, max_size=12).map(" ".join)
TEXT = TEXT | st.lists(WORDS, max_size=12).map("".join)


@FUZZ
@given(text=TEXT)
def test_any_text_gives_a_finite_non_negative_amount_or_none(text: str) -> None:
    amount = parse_amount(text)
    assert amount is None or (isinstance(amount, Decimal) and amount.is_finite() and amount >= 0)


@FUZZ
@given(text=TEXT)
def test_any_text_gives_a_positive_number_of_days_or_none(text: str) -> None:
    days = parse_duration_days(text)
    assert days is None or (isinstance(days, int) and days >= 0)


@FUZZ
@given(text=TEXT, today=st.dates(max_value=dt.date(9998, 12, 31)))
def test_any_text_gives_the_end_of_a_month_within_a_year_or_none(text: str, today: dt.date) -> None:
    month_end = parse_month(text, today)
    if month_end is not None:
        assert (month_end + dt.timedelta(days=1)).day == 1
        assert today.replace(day=1) <= month_end < today.replace(day=1) + dt.timedelta(days=366)


NUMBERS = (
    WORDS | st.integers(0).map(str) | st.text(st.characters(categories=["Nd", "No"]), min_size=1)
)
UNITS = st.sampled_from(
    ["day", "days", "siku", "wiki", "weeks", "semanas", "hafte", "mois", "महीने"]
)


@FUZZ
@given(number=NUMBERS, unit=UNITS, number_first=st.booleans(), filler=st.text(max_size=20))
def test_any_number_next_to_a_unit_gives_a_number_of_days_or_none(
    number: str, unit: str, number_first: bool, filler: str
) -> None:
    text = f"{filler} {number} {unit}" if number_first else f"{unit} {number} {filler}"
    days = parse_duration_days(text)
    assert days is None or (isinstance(days, int) and days >= 0)
    amount = parse_amount(text)
    assert amount is None or (amount.is_finite() and amount >= 0)
