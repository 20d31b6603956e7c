"""Lesson text as the client reads it: money examples in the client's currency and language.

Lesson files write amounts as ``{money:10000}``: an amount in a reference unit worth roughly a
Kenyan shilling. Each currency has a scale that keeps the example a realistic size for a
small loan there (10,000 becomes KSh 10,000, CFA 50,000, MX$2,000). A scale only multiplies,
so the arithmetic a lesson shows (2% of 10,000 is 200) stays right in every currency.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.numbers import get_territory_currencies

from bot.i18n import money, reply_locale
from bot.money import round_money

MONEY = re.compile(r"\{money:(\d+(?:\.\d+)?)\}")
BRACE = re.compile(r"[{}]")

# Reference units per unit of currency, for examples; a currency not here uses 1.
SCALES: dict[str, Decimal] = {
    "KES": Decimal(1),
    "INR": Decimal(1),
    "UGX": Decimal(30),
    "TZS": Decimal(20),
    "XOF": Decimal(5),
    "MXN": Decimal("0.2"),
    "USD": Decimal("0.01"),
}


def amount(reference: Decimal, currency: str) -> Decimal:
    """A reference amount in ``currency``, to its minor unit."""
    return round_money(reference * SCALES.get(currency, Decimal(1)), currency)


@cache
def money_locale(language: str, currency: str) -> Locale:
    """How money in ``currency`` is written in ``language``: as in a country that uses the
    currency and has that language (Kiswahili in Kenya for KES, Spanish in Mexico for MXN,
    French in Senegal for XOF), else as the language writes it anywhere."""
    for territory in sorted(Locale("en").territories):
        if currency not in get_territory_currencies(territory):
            continue
        try:
            return Locale(language, territory)
        except UnknownLocaleError:
            continue
    return reply_locale(language)


def render(text: str, currency: str, locale: Locale | str) -> str:
    """``text`` with each ``{money:N}`` written as money in ``currency`` for ``locale``
    (a Babel locale, or a language code: see ``money_locale``)."""
    where = money_locale(locale, currency) if isinstance(locale, str) else locale
    return MONEY.sub(
        lambda match: money(amount(Decimal(match.group(1)), currency), currency, where), text
    )


def stray_braces(text: str) -> list[str]:
    """Braces that are not part of a ``{money:N}`` placeholder (a typo, a broken placeholder)."""
    return BRACE.findall(MONEY.sub("", text))
