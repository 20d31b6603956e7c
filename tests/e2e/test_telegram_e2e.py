"""Telegram end to end: the adapter process (``python -m bot.channels.telegram``, long polling)
between a fake Telegram Bot API on loopback and the real Rasa, action server, NLG endpoint and
demo database.

Updates are the Bot API samples (tests/fixtures/telegram) given the demo clients' users.
"""

from __future__ import annotations

import copy
import itertools
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from bot.channels import messages
from bot.db.models import AuditEntry, ChatIdentity
from bot.db.session import make_engine, session_scope
from bot.devstack import Server, Stack, start
from bot.i18n import gettext
from bot.lessons import tutor
from bot.settings import PROJECT_ROOT
from tests.channels.fake_telegram import Call, FakeTelegram, fixture
from tests.channels.loopback import serve, wait_for

pytestmark = pytest.mark.e2e

TOKEN = "424242:e2e-token"
ASK_CONTACT = (
    "To keep your loan private, I first need to check who you are. Please press the button "
    '"Share my phone number" below.'
)
_ids = itertools.count(800_000_000)


def _update(sample: str, user_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """A sample update for ``user_id`` in their private chat, with fresh ids."""
    update = copy.deepcopy(fixture(sample))
    number = next(_ids)
    update["update_id"] = number
    message = update["message"]
    message["message_id"] = number
    message["from"]["id"] = user_id
    message["chat"]["id"] = user_id
    message.pop("reply_to_message", None)
    return update, message


def text(user_id: int, body: str) -> dict[str, Any]:
    update, message = _update("update_message_text.json", user_id)
    message["text"] = body
    if body.startswith("/"):
        message["entities"] = [
            {"offset": 0, "length": len(body.split(" ")[0]), "type": "bot_command"}
        ]
    return update


def contact(user_id: int, phone: str, owner: int | None) -> dict[str, Any]:
    """A shared contact: the sender's own (``owner`` = ``user_id``) or someone else's."""
    update, message = _update("update_message_contact_shared.json", user_id)
    message["contact"]["phone_number"] = phone.lstrip("+")
    if owner is None:
        del message["contact"]["user_id"]
    else:
        message["contact"]["user_id"] = owner
    return update


def press(user_id: int, data: str) -> dict[str, Any]:
    update = copy.deepcopy(fixture("update_callback_query.json"))
    number = next(_ids)
    update["update_id"] = number
    query = update["callback_query"]
    query["id"] = str(number)
    query["data"] = data
    query["from"]["id"] = user_id
    query["message"]["chat"]["id"] = user_id
    return update


@dataclass
class Telegram:
    fake: FakeTelegram
    stack: Stack
    process: Server

    def sent(self, user_id: int) -> list[Call]:
        """What the bot sent to the user: messages and photos, in order."""
        return [
            call
            for call in self.fake.calls
            if call.ok
            and call.method in ("sendMessage", "sendPhoto")
            and str(call.params.get("chat_id")) == str(user_id)
        ]

    def say(self, user_id: int, update: dict[str, Any], expect: int) -> list[Call]:
        """Push ``update`` and return the ``expect`` messages it brought (and no more)."""
        before = len(self.sent(user_id))
        self.fake.push(update)
        wait_for(
            lambda: len(self.sent(user_id)) >= before + expect,
            timeout=90,
            what=f"{expect} new messages (adapter log: {self.process.tail()[-1500:]})",
        )
        time.sleep(0.7)  # nothing more should come
        new = self.sent(user_id)[before:]
        assert len(new) == expect, [c.params.get("text") for c in new]
        return new


@pytest.fixture(scope="module")
def telegram(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Telegram]:
    fake = FakeTelegram(TOKEN)
    with serve(fake.app) as base:
        env = {
            **stack.env,
            "WAZI_RASA_URL": stack.rasa_url,
            "WAZI_TELEGRAM_TOKEN": TOKEN,
            "WAZI_TELEGRAM_API_URL": f"{base}/bot",
        }
        process = start(
            "telegram",
            [sys.executable, "-m", "bot.channels.telegram"],
            env,
            tmp_path_factory.mktemp("telegram"),
            PROJECT_ROOT,
        )
        try:
            wait_for(
                lambda: fake.calls_of("getUpdates") or process.process.poll() is not None,
                timeout=60,
                what="the adapter to poll",
            )
            assert process.process.poll() is None, process.tail()
            yield Telegram(fake, stack, process)
        finally:
            process.stop()
            fake.close()


def _buttons(call: Call) -> dict[str, str]:
    """Title -> callback data of an inline keyboard."""
    markup = call.params.get("reply_markup") or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


def _asks_for_contact(call: Call) -> bool:
    markup = call.params.get("reply_markup") or {}
    return any(b.get("request_contact") for row in markup.get("keyboard", []) for b in row)


def _verified(stack: Stack, user_id: int) -> tuple[bool, list[str], list[str]]:
    """Whether the Telegram user is linked to a client, their loan answers and refusals."""
    engine = make_engine(stack.database_url)
    try:
        with session_scope(engine) as session:
            person = session.scalars(
                select(ChatIdentity).where(
                    ChatIdentity.channel == "telegram",
                    ChatIdentity.channel_user_id == str(user_id),
                )
            ).one()
            actions = session.scalars(
                select(AuditEntry.action).where(AuditEntry.actor_id == str(person.id))
            ).all()
            return (
                person.client_id is not None,
                [a for a in actions if a == "loan.answered"],
                [a for a in actions if a == "identity.refused"],
            )
    finally:
        engine.dispose()


def test_commands_are_in_the_menu_in_every_language(telegram: Telegram) -> None:
    menus = {
        call.params.get("language_code"): call.params["commands"]
        for call in telegram.fake.calls_of("setMyCommands")
    }
    assert set(menus) == {None, "sw", "fr", "es", "hi"}
    assert {c["command"] for c in menus["sw"]} == {"start", "help", "language", "stop"}
    assert menus["fr"] != menus[None]


def test_french_conversation_with_buttons_a_refused_contact_and_the_chart(
    telegram: Telegram,
) -> None:
    user, phone, born = 5_550_003, "+221770000003", "20/02/1992"  # Aïssatou, fr_SN, L-3001
    (choose,) = telegram.say(user, text(user, "/start"), expect=1)
    telegram.say(user, press(user, _buttons(choose)["Français"]), expect=1)
    assert telegram.fake.calls_of("answerCallbackQuery")  # the button press was answered
    (greeting,) = telegram.say(user, text(user, "bonjour"), expect=1)
    (asked,) = telegram.say(
        user, press(user, _buttons(greeting)[next(iter(_buttons(greeting)))]), 1
    )
    assert asked.params["text"] == gettext("fr", ASK_CONTACT) != ASK_CONTACT
    assert _asks_for_contact(asked)

    (refused,) = telegram.say(user, contact(user, "+254712000001", owner=1234), expect=1)
    assert refused.params["text"] == gettext("fr", messages.NOT_YOUR_CONTACT)
    assert _asks_for_contact(refused)
    assert _verified(telegram.stack, user)[2] == ["identity.refused"]

    (dob,) = telegram.say(user, contact(user, phone, owner=user), expect=1)
    assert "1990-04-12" in dob.params["text"]
    _answer, suggestion = telegram.say(user, text(user, born), expect=2)
    _assert_lesson_suggested(suggestion, "fr", "what-is-interest")  # nothing late: lesson 1
    linked, answered, _ = _verified(telegram.stack, user)
    assert linked and answered == ["loan.answered"]

    schedule = telegram.say(user, text(user, "montre-moi mon échéancier"), expect=2)
    photo = next(c for c in schedule if c.method == "sendPhoto")
    assert photo.params["caption"] == gettext("fr", messages.CHART_CAPTION)
    assert photo.files and next(iter(photo.files.values())).startswith(b"\x89PNG")


def _assert_lesson_suggested(call: Call, language: str, slug: str) -> None:
    """After a first loan answer in a chat, one lesson is suggested with a button to take it."""
    lead = gettext(language, tutor.SUGGEST).split("%(")[0]
    assert call.params["text"].startswith(lead), call.params["text"]
    (row,) = call.params["reply_markup"]["inline_keyboard"]
    assert row[0]["callback_data"] == f'/lesson_open{{"lesson":"{slug}"}}'


def test_swahili_conversation_and_stop(telegram: Telegram) -> None:
    user, phone, born = 5_550_001, "+254712000001", "1988-04-12"  # Amina, sw_KE, L-1001
    telegram.say(user, text(user, "/start lang_sw"), expect=1)
    (asked,) = telegram.say(user, text(user, "salio langu ni kiasi gani"), expect=1)
    assert asked.params["text"] == gettext("sw", ASK_CONTACT)
    telegram.say(user, contact(user, phone, owner=user), expect=1)
    answer, suggestion = telegram.say(user, text(user, born), expect=2)
    assert "L-1001" in answer.params["text"]
    _assert_lesson_suggested(suggestion, "sw", "what-is-interest")
    (bye,) = telegram.say(user, text(user, "/stop"), expect=1)
    assert bye.params["text"] == gettext(
        "sw",
        "You are logged out: this chat no longer shows your loan. To see it again, I will check "
        "your phone number and date of birth.",
    )
    assert not _verified(telegram.stack, user)[0]


def test_a_message_sent_while_rasa_is_down_is_answered_when_it_is_back(telegram: Telegram) -> None:
    user = 5_550_009
    telegram.say(user, text(user, "/start lang_en"), expect=1)
    telegram.stack.stop("rasa")
    try:
        (notice,) = telegram.say(user, text(user, "what is my balance"), expect=1)
        assert notice.params["text"] == messages.OUTAGE
    finally:
        telegram.stack.restart("rasa")
    wait_for(lambda: len(telegram.sent(user)) >= 3, timeout=120, what="the answer after Rasa")
    time.sleep(1)
    answers = telegram.sent(user)[2:]
    assert len(answers) == 1 and answers[0].params["text"] == ASK_CONTACT
