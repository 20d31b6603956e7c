"""The regulator notice: the countries' file and WAZI_COUNTRY, the sweep that writes the notice
once after a missed deadline (SQLite and PostgreSQL), and the notice in each language."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from babel import Locale
from sqlalchemy.orm import Session

from bot import settings
from bot.complaints import news, rules, store
from bot.complaints.regulators import (
    Regulator,
    RegulatorFileError,
    load_regulators,
    regulator_for,
)
from bot.complaints.rules import Category, Policy, Status
from bot.db import models
from bot.i18n import LANGUAGES, gettext
from bot.settings import REGULATORS_FILE, SettingError

TODAY = dt.date(2026, 11, 25)  # a Wednesday: acknowledge by 2026-12-02, resolve by 2026-12-16
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
STAFF = store.Actor("staff", "wanjiru")
KENYA = regulator_for("KE", REGULATORS_FILE)


# --- The file and the setting -----------------------------------------------------------------


def test_the_file_names_each_countrys_regulator_and_contact() -> None:
    regulators = load_regulators(REGULATORS_FILE)
    assert {"KE", "IN", "MX", "SN", "CI"} <= set(regulators)
    assert regulators["KE"].name == "Central Bank of Kenya"
    assert "https://cms.rbi.org.in" in regulators["IN"].contact
    assert "14448" in regulators["IN"].contact
    assert regulators["MX"].name == "CONDUSEF"
    assert "55 5340 0999" in regulators["MX"].contact
    assert regulators["MX"].text_in("es") is not None and regulators["MX"].text_in("fr") is None


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for setting in settings.SETTINGS:
        monkeypatch.delenv(setting.name, raising=False)
    return monkeypatch


def test_wazi_country_defaults_to_kenya_and_picks_another(clean_env: pytest.MonkeyPatch) -> None:
    assert settings.load().regulator == KENYA
    clean_env.setenv("WAZI_COUNTRY", "in")
    loaded = settings.load()
    assert loaded.country == "IN" and loaded.regulator is not None
    assert loaded.regulator.name.startswith("RBI Ombudsman")


BAD_FILES = {
    "not yaml": "KE: [name: x\n",
    "a list": "- KE\n",
    "no contact": "KE:\n  name: Central Bank of Kenya\n",
    "bad code": "KEN:\n  name: x\n  contact: y\n",
    "unknown field": "KE:\n  name: x\n  contact: y\n  phone: z\n",
    "bad placeholder": "KE:\n  name: x\n  contact: y\n  text:\n    sw: Lalamiko %(tiket)s\n",
}


@pytest.mark.parametrize("content", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_malformed_file_is_one_line_naming_wazi_country(
    clean_env: pytest.MonkeyPatch, tmp_path: Path, content: str
) -> None:
    path = tmp_path / "regulators.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SettingError) as caught:
        settings.load(regulators_file=path)
    message = str(caught.value)
    assert caught.value.name == "WAZI_COUNTRY"
    assert message.startswith("WAZI_COUNTRY: regulators.yml") and "\n" not in message


def test_an_unknown_country_is_one_line(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("WAZI_COUNTRY", "ZZ")
    with pytest.raises(SettingError) as caught:
        settings.load()
    assert str(caught.value).startswith("WAZI_COUNTRY: no regulator for 'ZZ' in regulators.yml")
    assert "KE" in str(caught.value) and "\n" not in str(caught.value)


def test_the_bad_file_error_itself_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "regulators.yml"
    path.write_text("KE:\n  name: x\n", encoding="utf-8")
    with pytest.raises(RegulatorFileError, match=r"^regulators.yml: KE: contact must be"):
        load_regulators(path)


# --- The sweep ----------------------------------------------------------------------------------


def complain(
    session: Session, user: str, category: Category = Category.WRONG_CHARGE, locale: str = "sw"
) -> models.Complaint:
    person = models.ChatIdentity(channel="rest", channel_user_id=user)
    session.add(person)
    session.flush()
    return store.receive(
        session,
        person,
        category,
        "They charged me twice at the market.",
        anonymous=False,
        loan=None,
        locale=locale,
        today=TODAY,
        now=NOW,
        policy=Policy(),
    )


def notices(complaint: models.Complaint) -> list[models.ComplaintEvent]:
    return [e for e in complaint.events if e.kind == "regulator_notice"]


def test_the_sweep_tells_of_the_regulator_once_after_a_missed_deadline(session: Session) -> None:
    late = complain(session, "late")
    on_time = complain(session, "on-time")
    store.change_status(on_time, Status.ACKNOWLEDGED, STAFF, NOW)

    assert store.sweep(session, dt.date(2026, 12, 2), NOW, KENYA) == []  # the last day: in time
    assert notices(late) == [] and late.regulator_notice_at is None

    later = NOW + dt.timedelta(days=8)
    swept = store.sweep(session, dt.date(2026, 12, 3), later, KENYA)
    assert swept == [store.Swept(late.ticket_no or "", (rules.ACK_LATE,), regulator_notice=True)]
    (notice,) = notices(late)
    assert late.regulator_notice_at == later
    assert (notice.actor_type, notice.actor_id, notice.delivered_at) == ("system", "sweep", None)
    assert notice.details["country"] == "KE"
    assert notice.details["missed"] == [rules.ACK_LATE]
    chat = session.get_one(models.ChatIdentity, late.chat_identity_id)
    assert news.pending(session, chat) == [notice]

    assert store.sweep(session, dt.date(2026, 12, 3), later, KENYA) == []  # not twice
    assert store.sweep(session, dt.date(2026, 12, 20), later, KENYA) == [
        store.Swept(on_time.ticket_no or "", (rules.RESOLVE_LATE,), regulator_notice=True)
    ]
    assert len(notices(late)) == 1  # the resolution deadline missed too: still one notice
    assert [e.kind for e in late.events].count("escalated") == 1


def test_an_escalated_complaint_still_gets_its_notice(session: Session) -> None:
    serious = complain(session, "serious", Category.HARASSMENT)  # escalated on arrival
    assert serious.escalated_at == NOW
    swept = store.sweep(session, dt.date(2026, 12, 3), NOW, KENYA)
    assert swept == [store.Swept(serious.ticket_no or "", (), regulator_notice=True)]
    assert len(notices(serious)) == 1
    assert [e.kind for e in serious.events].count("escalated") == 1  # not escalated again


def test_without_a_regulator_the_sweep_only_escalates(session: Session) -> None:
    late = complain(session, "late")
    assert store.sweep(session, dt.date(2026, 12, 3), NOW) == [
        store.Swept(late.ticket_no or "", (rules.ACK_LATE,))
    ]
    assert notices(late) == [] and late.regulator_notice_at is None


def test_a_closed_complaint_gets_no_notice(session: Session) -> None:
    done = complain(session, "done")
    store.change_status(done, Status.RESOLVED, STAFF, NOW, "Refunded.")
    assert store.sweep(session, dt.date(2026, 12, 20), NOW, KENYA) == []
    assert notices(done) == []


# --- The notice in each language ------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_notice_speaks_each_language_with_the_countrys_name_and_contact(
    session: Session, language: str
) -> None:
    complaint = complain(session, "late", locale=language)
    india = regulator_for("IN", REGULATORS_FILE)
    store.sweep(session, dt.date(2026, 12, 3), NOW, india)
    (notice,) = notices(complaint)
    text, buttons = news.message_for(notice, news.locale_of(notice))
    values = {"ticket": complaint.ticket_no, "name": india.name, "contact": india.contact}
    assert text == gettext(language, news.REGULATOR_NOTICE) % values
    assert buttons == []
    assert complaint.ticket_no in text and india.name in text and "cms.rbi.org.in" in text
    if language != "en":
        assert text != news.REGULATOR_NOTICE % values  # translated, not English


def test_a_countrys_own_text_replaces_the_default_in_its_language(session: Session) -> None:
    mexico = regulator_for("MX", REGULATORS_FILE)
    spanish, english = complain(session, "es", locale="es"), complain(session, "en", locale="en")
    store.sweep(session, dt.date(2026, 12, 3), NOW, mexico)
    (es_notice,), (en_notice,) = notices(spanish), notices(english)
    es_text, _ = news.message_for(es_notice, Locale("es"))
    assert es_text == (mexico.text_in("es") or "") % {
        "ticket": spanish.ticket_no,
        "name": mexico.name,
        "contact": mexico.contact,
    }
    assert es_text.startswith(f"No respondimos a tiempo a su queja {spanish.ticket_no}")
    assert "55 5340 0999" in es_text
    en_text, _ = news.message_for(en_notice, Locale("en"))
    assert en_text == (
        f"Complaint {english.ticket_no} was not answered in time. You have the right to take it "
        f"to CONDUSEF: {mexico.contact}."
    )


def test_the_notice_says_what_the_file_said_when_it_was_written() -> None:
    kenya = Regulator("KE", "Central Bank of Kenya", "www.centralbank.go.ke", (("sw", "x"),))
    assert Regulator.from_details(kenya.as_details()) == kenya
