"""When Fineract refuses (401, 400), times out or answers something that is not its API, the
client is told, in their language, that their loan cannot be seen right now; a log line says
why; no figure is given; and a check that could not be made is not a failed attempt."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import AuditEntry, ChatIdentity
from bot.db.session import make_engine
from bot.demo import DEMO_CLIENTS, DemoClient
from bot.i18n import gettext
from bot.loan_source import UNAVAILABLE
from tests.fineract.chat_turns import ask, check_identity
from tests.fineract.fake_fineract import Canned, FakeFineract


def _refuse_credentials(fake: FakeFineract) -> str:
    fake.script(Canned.envelope("error_unauthenticated_401_apidoc.json"))
    return "HTTP 401, the credentials were refused"


def _refuse_request(fake: FakeFineract) -> str:
    fake.script(Canned.envelope("error_validation_400_apidoc.json"))
    return "HTTP 400, the request was refused"


def _time_out(fake: FakeFineract) -> str:
    fake.delay = 1.5  # WAZI_FINERACT_TIMEOUT is 0.5 s in these tests
    return "timed out after 3 attempts"


def _answer_garbage(fake: FakeFineract) -> str:
    fake.script(Canned(200, '{"pageItems": [', "application/json"))
    return "the body is not JSON"


CASES = [
    pytest.param(_refuse_credentials, DEMO_CLIENTS[0], "sw", id="401"),
    pytest.param(_refuse_request, DEMO_CLIENTS[1], "es", id="400"),
    pytest.param(_time_out, DEMO_CLIENTS[2], "fr", id="timeout"),
    pytest.param(_answer_garbage, DEMO_CLIENTS[3], "hi", id="malformed"),
]

Breakage = Callable[[FakeFineract], str]


def _no_figure(text: str) -> bool:
    return not any(character.isdigit() for character in text)


def _identity_state(url: str) -> tuple[int, list[str]]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            identity = session.scalars(select(ChatIdentity)).one_or_none()
            audit = [a.action for a in session.scalars(select(AuditEntry))]
            return (identity.failed_attempts if identity else 0), audit
    finally:
        engine.dispose()


@pytest.mark.parametrize(("breakage", "client", "language"), CASES)
def test_a_loan_question_when_fineract_cannot_answer(
    fineract_env: dict[str, str],
    fake_fineract: FakeFineract,
    caplog: pytest.LogCaptureFixture,
    breakage: Breakage,
    client: DemoClient,
    language: str,
) -> None:
    born = client.date_of_birth.isoformat()
    slots, _ = check_identity("chat", client.phone, born, language)
    assert slots["verified"] is True and slots["language"] == language

    why = breakage(fake_fineract)
    with caplog.at_level(logging.WARNING):
        events, messages = ask("chat", "ask_next_payment", language)
    assert [m["text"] for m in messages] == [gettext(language, UNAVAILABLE)]
    assert gettext(language, UNAVAILABLE) != UNAVAILABLE or language == "en"
    assert _no_figure(messages[0]["text"])
    assert not [e for e in events if e.get("name") == "loan_account" and e.get("value")]
    lines = [r.getMessage() for r in caplog.records if r.name == "actions.loans"]
    assert len(lines) == 1
    assert lines[0].startswith("loan question not answered, loan source unavailable: Fineract ")
    assert why in lines[0]
    assert client.phone not in caplog.text and client.name not in caplog.text


@pytest.mark.parametrize(("breakage", "client", "language"), CASES)
def test_the_identity_check_when_fineract_cannot_answer(
    fineract_env: dict[str, str],
    fake_fineract: FakeFineract,
    caplog: pytest.LogCaptureFixture,
    breakage: Breakage,
    client: DemoClient,
    language: str,
) -> None:
    why = breakage(fake_fineract)
    with caplog.at_level(logging.WARNING):
        slots, messages = check_identity(
            "chat", client.phone, client.date_of_birth.isoformat(), language
        )
    assert [m["text"] for m in messages] == [gettext(language, UNAVAILABLE)]
    assert slots == {"date_of_birth": None}  # the form asks for it again: a new try
    lines = [r.getMessage() for r in caplog.records if r.name == "actions.verification"]
    assert len(lines) == 1 and why in lines[0]
    assert lines[0].startswith("identity check not possible, loan source unavailable: ")
    assert client.phone not in caplog.text
    # Nothing was checked, so nothing counts against the client.
    failed, audit = _identity_state(fineract_env["WAZI_DATABASE_URL"])
    assert failed == 0 and "identity.failed" not in audit and "identity.verified" not in audit
