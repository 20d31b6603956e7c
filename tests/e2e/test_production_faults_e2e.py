"""Faults in the production profile, mid-conversation, on the path clients really use: the
WhatsApp webhook in front of two Rasa servers and two action servers behind nginx, with a
PostgreSQL and a Redis of the test's own (``tests/private_servers.py``), so that they can be
stopped and restarted.

Redis stopped: Rasa cannot take the conversation's lock; the client hears once, in their
language, that Wazi cannot answer right now, and gets the answer once Redis is back.
PostgreSQL stopped: the webhook cannot store the delivery and answers 503, so WhatsApp delivers
it again later; once PostgreSQL is back, that delivery is answered once. Either way nothing is
asked again, lost or written twice, and nobody restarts anything by hand.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.channels import messages
from bot.db.models import ChannelMessage
from bot.db.session import make_engine, session_scope
from bot.devstack import Stack, StackError, production_stack
from bot.i18n import gettext
from bot.training import model_path
from tests.channels import fake_graph
from tests.channels.fake_graph import APP_SECRET, post_signed
from tests.e2e.records import loan_answers
from tests.e2e.whatsapp_process import WhatsApp, whatsapp_adapter
from tests.private_servers import Postgres, Redis, private_postgres, private_redis

pytestmark = pytest.mark.e2e

JUAN = ("525512000002", "30/11/1979")  # es_MX, one loan: L-2001
RAVI = ("919812000004", "07/07/1985")  # hi_IN, one loan: L-4001


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[Postgres, Redis]]:
    with private_postgres() as postgres, private_redis() as redis:
        yield postgres, redis


@pytest.fixture(scope="module")
def prod(servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    postgres, redis = servers
    try:
        with production_stack(
            model_path(), tmp_path_factory.mktemp("prodfaults"), postgres.url, redis_url=redis.url
        ) as running:
            yield running
    except StackError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def whatsapp(prod, tmp_path_factory) -> Iterator[WhatsApp]:
    with whatsapp_adapter(prod, tmp_path_factory.mktemp("wa"), "faults-verify") as running:
        yield running


def _stored(prod: Stack, wa_id: str) -> list[str]:
    engine = make_engine(prod.database_url)
    try:
        with session_scope(engine) as session:
            return list(
                session.scalars(
                    select(ChannelMessage.external_id).where(ChannelMessage.user_id == wa_id)
                )
            )
    finally:
        engine.dispose()


def _verified(whatsapp: WhatsApp, wa_id: str, born: str, language: str, title: str) -> str:
    """Choose the language and verify (the number is WhatsApp's): the first answer's text."""
    (languages,) = whatsapp.say(wa_id, fake_graph.text_message(wa_id, "hello"), expect=1)
    choice = next(reply_id for reply_id, shown in languages.choices if shown == title)
    whatsapp.say(wa_id, fake_graph.list_reply(wa_id, choice, title), expect=1)
    whatsapp.say(wa_id, fake_graph.text_message(wa_id, "/ask_balance"), expect=1)  # birth date?
    answer, _suggestion = whatsapp.say(wa_id, fake_graph.text_message(wa_id, born), expect=2)
    assert answer.text and any(ch.isdigit() for ch in answer.text), answer.text
    return answer.text


def test_redis_stopped_mid_conversation_the_client_hears_once_then_gets_the_answer(
    whatsapp: WhatsApp, servers
) -> None:
    _postgres, redis = servers
    wa_id, born = JUAN
    first = _verified(whatsapp, wa_id, born, "es", "Español")
    answered = loan_answers(whatsapp.stack.database_url, "whatsapp", wa_id)

    redis.stop()
    try:
        (notice,) = whatsapp.say(wa_id, fake_graph.text_message(wa_id, "/ask_balance"), expect=1)
        assert notice.text == gettext("es", messages.OUTAGE) != messages.OUTAGE
    finally:
        redis.start()
    (answer,) = whatsapp.sent_to(wa_id, len(whatsapp.graph.to(wa_id)) + 1, timeout=120)[-1:]
    assert answer.text == first  # the same balance, nothing asked again
    time.sleep(2)
    assert whatsapp.graph.to(wa_id)[-1] is answer  # once
    assert loan_answers(whatsapp.stack.database_url, "whatsapp", wa_id) == answered + 1


def test_postgresql_stopped_a_delivery_is_refused_with_503_then_answered_once(
    whatsapp: WhatsApp, servers
) -> None:
    postgres, _redis = servers
    wa_id, born = RAVI
    first = _verified(whatsapp, wa_id, born, "hi", "हिन्दी")
    answered = loan_answers(whatsapp.stack.database_url, "whatsapp", wa_id)
    sent_before = len(whatsapp.graph.to(wa_id))
    question = fake_graph.text_message(wa_id, "/ask_balance")

    postgres.stop()
    try:
        refused = post_signed(f"{whatsapp.url}/webhook", question, APP_SECRET)
        assert refused.status_code == 503, refused.text  # Meta delivers it again later
    finally:
        postgres.start()

    # WhatsApp's retry of the same message. The first turns after the restart may find stale
    # connections (each side reconnects by itself): the client then hears the outage notice,
    # and the relay tries again.
    whatsapp.post(question)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        new = whatsapp.graph.to(wa_id)[sent_before:]
        if any(sent.text == first for sent in new):
            break
        time.sleep(0.5)
    time.sleep(2)
    new = [sent.text for sent in whatsapp.graph.to(wa_id)[sent_before:]]
    assert new.count(first) == 1, new
    assert set(new) <= {first, gettext("hi", messages.OUTAGE)}, new
    whatsapp.post(question)  # and a late duplicate of it: nothing more
    time.sleep(2)
    assert len(whatsapp.graph.to(wa_id)) == sent_before + len(new)
    assert loan_answers(whatsapp.stack.database_url, "whatsapp", wa_id) == answered + 1
    stored = _stored(whatsapp.stack, wa_id)
    assert len(stored) == len(set(stored))
