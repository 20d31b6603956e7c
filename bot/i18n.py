"""Languages and formats of what Wazi says: gettext catalogs under locales/, formats by Babel.

Wazi speaks English (the source language of every message), Swahili, French, Spanish and Hindi.
A reply is written in the person's language and formatted for that language in the client's
country: a Kenyan client reading Swahili sees Swahili month names and ``Ksh 4,727.98``; an
Indian client sees Indian digit grouping. A language whose catalog is missing falls back to
English, and the translation check (``make i18n-check``) fails the build when that happens.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency, format_percent
from babel.support import NullTranslations, Translations

from bot.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

LOCALES_DIR = PROJECT_ROOT / "locales"
SOURCE_LANGUAGE = "en"
LANGUAGES = ("en", "sw", "fr", "es", "hi")
LANGUAGE_NAMES = {  # each in its own language, for the language buttons
    "en": "English",
    "sw": "Kiswahili",
    "fr": "Français",
    "es": "Español",
    "hi": "हिन्दी",
}


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a message for extraction; it is translated where it is used."""
    return message


_LANGUAGE_WORDS = {
    "en": (
        "en",
        "english",
        "kiingereza",
        "anglais",
        "ingles",
        "inglés",
        "angrezi",
        "अंग्रेज़ी",
        "अंग्रेजी",
    ),
    "sw": ("sw", "swahili", "kiswahili", "souahili", "suajili", "swahili"),
    "fr": ("fr", "french", "francais", "français", "kifaransa", "frances", "francés"),
    "es": ("es", "spanish", "espanol", "español", "castellano", "kihispania", "espagnol"),
    "hi": ("hi", "hindi", "हिन्दी", "हिंदी", "kihindi"),
}
_LANGUAGE_BY_WORD = {word: code for code, words in _LANGUAGE_WORDS.items() for word in words}


def parse_language(value: object) -> str | None:
    """A language code from what a person or an entity said ("Kiswahili", "es"), or None."""
    if not isinstance(value, str):
        return None
    return _LANGUAGE_BY_WORD.get(value.strip().lower())


def language_of(value: object) -> str:
    """A supported language code from a slot or record value (``sw_KE`` -> ``sw``)."""
    if isinstance(value, str) and value:
        code = value.replace("-", "_").split("_")[0].lower()
        if code in LANGUAGES:
            return code
    return SOURCE_LANGUAGE


@cache
def translations_for(language: str) -> NullTranslations:
    if language == SOURCE_LANGUAGE:
        return NullTranslations()
    return Translations.load(str(LOCALES_DIR), [language], domain="messages")


def gettext(language: str, message: str) -> str:
    return translations_for(language_of(language)).gettext(message)


@cache
def reply_locale(language: str | None, client_locale: str | None = None) -> Locale:
    """The locale a reply is formatted in: the reply's language in the client's country."""
    code = language_of(language)
    territory = None
    if client_locale:
        try:
            territory = Locale.parse(client_locale.replace("-", "_")).territory
        except (ValueError, UnknownLocaleError):
            territory = None
    if territory:
        try:
            return Locale(code, territory)
        except UnknownLocaleError:
            pass
    return Locale(code)


def money(amount: Decimal, currency: str, locale: Locale) -> str:
    """An amount with its currency, in the currency's own minor unit (XOF and UGX have none)."""
    return format_currency(amount, currency, locale=locale, currency_digits=True)


def percent(value: Decimal, locale: Locale) -> str:
    """A percentage given in percent (29.99 -> "29.99%")."""
    return format_percent(value / 100, format="#,##0.##%", locale=locale)


def day(date: dt.date, locale: Locale) -> str:
    return format_date(date, format="long", locale=locale)
