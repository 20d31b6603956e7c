"""Languages and formats of what Wazi says: gettext catalogs under locales/, formats by Babel.

A reply is written in one language and formatted for that language's conventions in the
client's country: a Kenyan client reading English sees ``Ksh 4,727.98``; an Indian client
sees Indian digit grouping. Until a language has a catalog, its clients get English.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency
from babel.support import NullTranslations, Translations

from bot.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

LOCALES_DIR = PROJECT_ROOT / "locales"
SOURCE_LANGUAGE = "en"


@cache
def available_languages() -> frozenset[str]:
    """English plus every language with a compiled catalog under locales/."""
    found = {p.parent.parent.name for p in LOCALES_DIR.glob("*/LC_MESSAGES/messages.mo")}
    return frozenset(found | {SOURCE_LANGUAGE})


@cache
def reply_locale(client_locale: str | None) -> Locale:
    """The locale a reply to this client is written and formatted in."""
    try:
        wanted = Locale.parse(client_locale or SOURCE_LANGUAGE)
    except (ValueError, UnknownLocaleError):
        logger.warning("unknown client locale, using %s", SOURCE_LANGUAGE)
        return Locale.parse(SOURCE_LANGUAGE)
    if wanted.language in available_languages():
        return wanted
    try:
        return Locale(SOURCE_LANGUAGE, wanted.territory) if wanted.territory else Locale("en")
    except UnknownLocaleError:
        return Locale.parse(SOURCE_LANGUAGE)


@cache
def translations(locale: Locale) -> NullTranslations:
    return Translations.load(str(LOCALES_DIR), [locale.language], domain="messages")


def money(amount: Decimal, currency: str, locale: Locale) -> str:
    """An amount with its currency, in the currency's own minor unit (XOF and UGX have none)."""
    return format_currency(amount, currency, locale=locale, currency_digits=True)


def day(date: dt.date, locale: Locale) -> str:
    return format_date(date, format="long", locale=locale)
