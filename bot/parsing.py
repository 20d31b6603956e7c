"""Reading amounts, durations and months out of what clients type, in Wazi's five languages.

Clients write "5,000", "5000", "5k", "elfu 5", "2 lakh", "cinco mil"; "2 weeks", "wiki 2",
"do hafte", "2 semanas"; "March", "machi", "mars", "marzo", "मार्च". Each function returns
None when it finds nothing it is sure of, so the bot can ask instead of guessing.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import cache

from babel.dates import get_month_names

from bot.i18n import LANGUAGES


def _plain(text: str) -> str:
    """Lower case without accents (Devanagari is kept as it is)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c) or ord(c) > 0x900)


_NUMBER_WORDS = {
    # en, sw, fr, es, romanized hi, hi
    1: ("one", "a", "moja", "un", "une", "uno", "una", "ek", "एक"),
    2: ("two", "mbili", "deux", "dos", "do", "दो"),
    3: ("three", "tatu", "trois", "tres", "teen", "तीन"),
    4: ("four", "nne", "quatre", "cuatro", "char", "chaar", "चार"),
    5: ("five", "tano", "cinq", "cinco", "paanch", "panch", "पांच", "पाँच"),
    6: ("six", "sita", "seis", "chhe", "che", "छह"),
    7: ("seven", "saba", "sept", "siete", "saat", "सात"),
    8: ("eight", "nane", "huit", "ocho", "aath", "आठ"),
    9: ("nine", "tisa", "neuf", "nueve", "nau", "नौ"),
    10: ("ten", "kumi", "dix", "diez", "das", "दस"),
}
_NUMBER_BY_WORD = {w: n for n, words in _NUMBER_WORDS.items() for w in words}

_MULTIPLIERS = {
    "k": 1000,
    "thousand": 1000,
    "elfu": 1000,
    "mille": 1000,
    "mil": 1000,
    "hazar": 1000,
    "hazaar": 1000,
    "hajar": 1000,
    "हज़ार": 1000,
    "हजार": 1000,
    "lakh": 100_000,
    "lac": 100_000,
    "lakhs": 100_000,
    "लाख": 100_000,
    "crore": 10_000_000,
    "करोड़": 10_000_000,
    "m": 1_000_000,
    "million": 1_000_000,
    "milioni": 1_000_000,
    "millones": 1_000_000,
    "millon": 1_000_000,
}

_NUMBER = re.compile(r"\d{1,3}(?:[ ,.\u202f\xa0]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d+)?")
_TOKEN = re.compile(r"[\w\u0900-\u097f]+", re.UNICODE)


def _to_decimal(raw: str) -> Decimal | None:
    text = raw.replace("\u202f", " ").replace("\xa0", " ")
    groups = re.fullmatch(r"(\d{1,3}(?:[ ,.]\d{3})+)([.,]\d{1,2})?", text)
    if groups:  # grouped thousands, maybe with decimals
        whole = re.sub(r"[ ,.]", "", groups.group(1))
        cents = (groups.group(2) or "").replace(",", ".")
        text = whole + cents
    else:
        text = text.replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def parse_amount(text: str) -> Decimal | None:
    """The amount of money in a message ("5,000", "5k", "elfu 5", "2 lakh"), or None."""
    plain = _plain(text)
    match = _NUMBER.search(plain)
    if match is None:
        return _amount_in_words(_TOKEN.findall(plain))
    value = _to_decimal(match.group(0))
    if value is None:
        return None
    after = _TOKEN.findall(plain[match.end() :])
    before = _TOKEN.findall(plain[: match.start()])
    glued = plain[match.end() : match.end() + 1]
    if glued in _MULTIPLIERS and (
        len(plain) == match.end() + 1 or not plain[match.end() + 1].isalpha()
    ):
        return value * _MULTIPLIERS[glued]
    if after and after[0] in _MULTIPLIERS:
        return value * _MULTIPLIERS[after[0]]
    if before and before[-1] in ("elfu",):  # Swahili puts "elfu" first: "elfu 5"
        return value * 1000
    return value


def _amount_in_words(tokens: list[str]) -> Decimal | None:
    """ "cinco mil", "elfu tano", "paanch hazaar": a number word next to a multiplier."""
    for i, token in enumerate(tokens):
        if token not in _MULTIPLIERS or len(token) < 2:
            continue
        neighbours = [tokens[i - 1]] if i else []
        if i + 1 < len(tokens):
            neighbours.append(tokens[i + 1])
        for word in neighbours:
            if word in _NUMBER_BY_WORD and word not in ("a", "un", "une", "ek"):
                return Decimal(_NUMBER_BY_WORD[word] * _MULTIPLIERS[token])
    return None


_UNIT_DAYS = {
    1: ("day", "days", "siku", "jour", "jours", "dia", "dias", "din", "दिन"),
    7: (
        "week",
        "weeks",
        "wiki",
        "semaine",
        "semaines",
        "semana",
        "semanas",
        "hafta",
        "hafte",
        "haftay",
        "हफ्ता",
        "हफ्ते",
        "हफ़्ता",
        "हफ़्ते",
        "सप्ताह",
    ),
    30: (
        "month",
        "months",
        "mwezi",
        "miezi",
        "mois",
        "mes",
        "meses",
        "mahina",
        "mahine",
        "महीना",
        "महीने",
    ),
}
_DAYS_BY_UNIT = {w: n for n, words in _UNIT_DAYS.items() for w in words}


def parse_duration_days(text: str) -> int | None:
    """A delay in days ("2 weeks", "wiki mbili", "do hafte", "10 días"), or None."""
    tokens = _TOKEN.findall(_plain(text))
    for i, token in enumerate(tokens):
        unit = _DAYS_BY_UNIT.get(token)
        if unit is None:
            continue
        for neighbour in (
            tokens[i - 1] if i else None,
            tokens[i + 1] if i + 1 < len(tokens) else None,
        ):
            if neighbour is None:
                continue
            if neighbour.isdecimal():  # not isdigit: int() refuses "𐩀", a digit but no decimal
                # More than 9999 days, weeks or months is no delay a client means.
                return int(neighbour) * unit if len(neighbour) <= 4 else None
            if neighbour in _NUMBER_BY_WORD:
                return _NUMBER_BY_WORD[neighbour] * unit
        return unit  # "a week late", "wiki moja" without a number: one unit
    return None


@cache
def _month_names() -> dict[str, int]:
    names: dict[str, int] = {}
    for language in LANGUAGES:
        for width in ("wide", "abbreviated"):
            for number, name in get_month_names(width, locale=language).items():
                names[_plain(name).strip(".")] = number
    return names


def parse_month(text: str, today: dt.date) -> dt.date | None:
    """The last day of the next month named in the message ("in March" -> 2027-03-31)."""
    names = _month_names()
    for token in _TOKEN.findall(_plain(text)):
        number = names.get(token)
        if number is None or len(token) < 3:
            continue
        year = today.year if number >= today.month else today.year + 1
        if year > dt.MAXYEAR:
            return None  # past the calendar's end: no such month to pay in
        return dt.date(year, number, calendar.monthrange(year, number)[1])
    return None
