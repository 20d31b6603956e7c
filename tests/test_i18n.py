"""Languages, formats, and the translation check."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal

import pytest

from bot import i18n_check
from bot.i18n import (
    LANGUAGES,
    day,
    language_of,
    money,
    parse_language,
    percent,
    reply_locale,
)


@pytest.mark.parametrize(
    ("said", "code"),
    [
        ("Kiswahili", "sw"),
        ("swahili", "sw"),
        ("ES", "es"),
        ("español", "es"),
        ("हिंदी", "hi"),
        ("francais", "fr"),
        ("kiingereza", "en"),
        ("klingon", None),
        (None, None),
    ],
)
def test_parse_language(said, code) -> None:
    assert parse_language(said) == code


def test_language_of_falls_back_to_english() -> None:
    assert language_of("sw_KE") == "sw"
    assert language_of("hi-IN") == "hi"
    assert language_of("de_DE") == "en"
    assert language_of(None) == "en"


def test_formats_follow_the_language_in_the_clients_country() -> None:
    sw = reply_locale("sw", "sw_KE")
    assert money(Decimal("4727.98"), "KES", sw) == "Ksh\xa04,727.98"
    assert day(dt.date(2026, 12, 1), sw) == "1 Desemba 2026"
    hi = reply_locale("hi", "hi_IN")
    assert "18,36,393.93" in money(Decimal("1836393.93"), "INR", hi)  # Indian grouping
    fr = reply_locale("fr", "fr_SN")
    assert money(Decimal(300000), "XOF", fr).replace("\u202f", " ").startswith("300 000")
    assert "," not in money(Decimal(300000), "XOF", fr)  # no minor unit for XOF
    es = reply_locale("es", "es_MX")
    assert day(dt.date(2026, 12, 1), es) == "1 de diciembre de 2026"
    assert reply_locale("en", "en_UG").territory == "UG"
    assert percent(Decimal("29.9939"), reply_locale("en")) == "29.99%"


def test_the_repository_catalogs_pass_the_check() -> None:
    assert i18n_check.problems() == []


def test_the_check_catches_a_missing_and_a_broken_translation(tmp_path, monkeypatch) -> None:
    locales = tmp_path / "locales"
    shutil.copytree(i18n_check.LOCALES_DIR, locales)
    po = locales / "sw" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    # Empty one translation, and drop a placeholder from another.
    start = text.index('msgid "You are welcome."')
    end = text.index("\n\n", start)
    text = text[:start] + 'msgid "You are welcome."\nmsgstr ""' + text[end:]
    due = text.index('msgid "Due today: %(amount)s."')
    msgstr = text.index("msgstr", due)
    line_end = text.index("\n", msgstr)
    text = text[:msgstr] + text[msgstr:line_end].replace("%(amount)s", "") + text[line_end:]
    po.write_text(text, encoding="utf-8")
    monkeypatch.setattr(i18n_check, "LOCALES_DIR", locales)
    monkeypatch.setattr(i18n_check, "POT", locales / "messages.pot")
    found = i18n_check.problems()
    assert "sw: no translation for 'You are welcome.'" in found
    assert any(p.startswith("sw: 'Due today") and "placeholder" in p for p in found), found
    assert len(LANGUAGES) == 5
