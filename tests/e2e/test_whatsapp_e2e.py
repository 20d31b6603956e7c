"""WhatsApp end to end: the webhook process (``python -m bot.channels.whatsapp``) between a fake
Graph API on loopback and the real Rasa, action server, NLG endpoint and demo database.

Deliveries are the Cloud API's own sample payloads (tests/fixtures/whatsapp) with the demo
clients' numbers, signed with the app secret like Meta signs them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.channels import messages
from bot.db.models import AuditEntry, ChannelMessage, ChatIdentity
from bot.db.session import make_engine, session_scope
from bot.devstack import Stack
from bot.i18n import gettext
from bot.lessons import tutor
from tests.channels import fake_graph
from tests.channels.fake_graph import post_signed
from tests.e2e.whatsapp_process import WhatsApp, whatsapp_adapter

pytestmark = pytest.mark.e2e

JUAN = ("525512000002", "30/11/1979")  # demo client, es_MX, loan L-2001
AMINA = ("254712000001", "1988-04-12")  # demo client, sw_KE, loan L-1001
VERIFY_TOKEN = "wazi-e2e-verify"
ASK_BIRTH_DATE = (
    "To keep your loan private, I check the number you are writing from and your date of "
    "birth. What is your date of birth? "
    "For example 1990-04-12 (year-month-day) or 12/04/1990 (day/month/year)."
)


@pytest.fixture(scope="module")
def whatsapp(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WhatsApp]:
    with whatsapp_adapter(stack, tmp_path_factory.mktemp("whatsapp"), VERIFY_TOKEN) as running:
        yield running


def _choice(sent: fake_graph.Sent, title: str) -> str:
    return next(reply_id for reply_id, shown in sent.choices if shown == title)


def _identity(stack: Stack, wa_id: str) -> tuple[int | None, list[str]]:
    engine = make_engine(stack.database_url)
    try:
        with session_scope(engine) as session:
            person = session.scalars(
                select(ChatIdentity).where(
                    ChatIdentity.channel == "whatsapp", ChatIdentity.channel_user_id == wa_id
                )
            ).one()
            answered = session.scalars(
                select(AuditEntry.action).where(
                    AuditEntry.actor_id == str(person.id), AuditEntry.action == "loan.answered"
                )
            ).all()
            return person.client_id, list(answered)
    finally:
        engine.dispose()


def test_handshake(whatsapp: WhatsApp) -> None:
    import httpx

    query = {
        "hub.mode": "subscribe",
        "hub.challenge": "1158201444",
        "hub.verify_token": VERIFY_TOKEN,
    }
    ok = httpx.get(f"{whatsapp.url}/webhook", params=query)
    assert (ok.status_code, ok.text) == (200, "1158201444")
    wrong = httpx.get(f"{whatsapp.url}/webhook", params={**query, "hub.verify_token": "guess"})
    assert wrong.status_code == 403


def test_spanish_conversation_with_lists_buttons_verification_and_chart(whatsapp: WhatsApp) -> None:
    wa_id, born = JUAN
    (languages,) = whatsapp.say(wa_id, fake_graph.text_message(wa_id, "hola"), expect=1)
    assert languages.type == "interactive" and len(languages.choices) == 5  # a list: more than 3
    (done,) = whatsapp.say(
        wa_id, fake_graph.list_reply(wa_id, _choice(languages, "Español"), "Español"), expect=1
    )
    assert done.text != ""
    (greeting,) = whatsapp.say(wa_id, fake_graph.text_message(wa_id, "hola"), expect=1)
    assert greeting.body["interactive"]["type"] == "button"  # two choices: reply buttons
    balance_id = next(reply_id for reply_id, _ in greeting.choices if "balance" in reply_id)
    (asked,) = whatsapp.say(wa_id, fake_graph.button_reply(wa_id, balance_id, "Saldo"), expect=1)
    assert asked.text == gettext("es", ASK_BIRTH_DATE) != ASK_BIRTH_DATE
    answer = whatsapp.say(wa_id, fake_graph.text_message(wa_id, born), expect=2)
    assert answer[0].text.startswith("Al 25 de noviembre de 2026") and "L-2001" in answer[0].text
    _assert_lesson_suggested(answer[1], "es", "what-is-interest")  # nothing late: lesson 1
    client_id, answered = _identity(whatsapp.stack, wa_id)
    assert client_id is not None and answered == ["loan.answered"]

    uploads = len(whatsapp.graph.uploads)
    schedule = whatsapp.say(
        wa_id, fake_graph.text_message(wa_id, "muéstrame mi calendario de pagos"), expect=2
    )
    image = next(s for s in schedule if s.type == "image")
    assert image.text == gettext("es", messages.CHART_CAPTION)
    assert len(whatsapp.graph.uploads) == uploads + 1
    assert whatsapp.graph.uploads[-1].startswith(b"\x89PNG")


def _assert_lesson_suggested(sent: fake_graph.Sent, language: str, slug: str) -> None:
    """After a first loan answer in a chat, one lesson is suggested with a button to take it."""
    lead = gettext(language, tutor.SUGGEST).split("%(")[0]
    assert sent.text.startswith(lead), sent.text
    assert [reply_id for reply_id, _ in sent.choices] == [f'/lesson_open{{"lesson":"{slug}"}}']


def test_swahili_conversation_and_a_duplicate_delivery_processed_once(whatsapp: WhatsApp) -> None:
    wa_id, born = AMINA
    (languages,) = whatsapp.say(wa_id, fake_graph.text_message(wa_id, "habari"), expect=1)
    whatsapp.say(
        wa_id, fake_graph.list_reply(wa_id, _choice(languages, "Kiswahili"), "Kiswahili"), expect=1
    )
    question = fake_graph.text_message(wa_id, "salio langu ni kiasi gani")
    (asked,) = whatsapp.say(wa_id, question, expect=1)
    assert asked.text == gettext("sw", ASK_BIRTH_DATE) != ASK_BIRTH_DATE
    whatsapp.post(question)  # WhatsApp's retry of the same wamid: nothing new
    answer, suggestion = whatsapp.say(wa_id, fake_graph.text_message(wa_id, born), expect=2)
    assert "L-1001" in answer.text
    _assert_lesson_suggested(suggestion, "sw", "what-is-interest")
    client_id, answered = _identity(whatsapp.stack, wa_id)
    assert client_id is not None and answered == ["loan.answered"]
    engine = make_engine(whatsapp.stack.database_url)
    try:
        with session_scope(engine) as session:
            rows = session.scalars(
                select(ChannelMessage.external_id).where(ChannelMessage.user_id == wa_id)
            ).all()
    finally:
        engine.dispose()
    assert len(rows) == len(set(rows)) == 4


def test_a_bad_signature_is_refused_and_nothing_is_processed(whatsapp: WhatsApp) -> None:
    wa_id = "16505550000"
    payload = fake_graph.text_message(wa_id, "hello")
    forged = post_signed(f"{whatsapp.url}/webhook", payload, b"someone else's secret")
    assert forged.status_code == 403
    time.sleep(1)
    assert whatsapp.graph.to(wa_id) == []


def test_a_message_sent_while_the_action_server_is_down_is_answered_when_it_is_back(
    whatsapp: WhatsApp,
) -> None:
    wa_id, born = "256772000005", "1990-12-01"  # Grace, en_UG
    (languages,) = whatsapp.say(wa_id, fake_graph.text_message(wa_id, "hello"), expect=1)
    whatsapp.say(
        wa_id, fake_graph.list_reply(wa_id, _choice(languages, "English"), "English"), expect=1
    )
    whatsapp.stack.stop("actions")
    try:
        (notice,) = whatsapp.say(wa_id, fake_graph.text_message(wa_id, "what is my balance"), 1)
        assert notice.text == messages.OUTAGE
    finally:
        whatsapp.stack.restart("actions")
    (asked,) = whatsapp.sent_to(wa_id, 4)[3:]
    assert asked.text == ASK_BIRTH_DATE
    time.sleep(1)
    assert len(whatsapp.graph.to(wa_id)) == 4  # the answer once, the notice once
    (which,) = whatsapp.say(wa_id, fake_graph.text_message(wa_id, born), expect=1)
    assert which.text == "Which loan do you mean?"
    assert [reply_id for reply_id, _ in which.choices] == [
        '/choose_loan{"loan_account": "L-5001"}',
        '/choose_loan{"loan_account": "L-5002"}',
    ]
