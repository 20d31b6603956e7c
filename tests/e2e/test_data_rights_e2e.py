"""A client's data rights in chat, with the real Rasa server, action server and demo database:
Juan asks in Spanish what Wazi knows about him (before and after verifying), takes a lesson and
complains, says no to deleting, then deletes; his chat identity, lesson progress and Rasa's
memory of the conversation are gone, his complaint stays anonymised, the audit log grows by one
row, and an old confirmation button deletes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from actions.data_rights import (
    DELETED,
    DELETED_KEPT,
    EXPIRED,
    NOT_DELETED,
    STORED_LESSONS,
    STORED_NO_CLIENT,
)
from actions.verification import ASK_PHONE
from bot.data_rights import ANONYMISED
from bot.db.models import AuditEntry, ChatIdentity, Client, Complaint, LessonProgress
from bot.db.session import make_engine, session_scope
from bot.i18n import gettext

pytestmark = pytest.mark.e2e

TICKET = re.compile(r"WZ-\d{4}-\d{6}")
JUAN_PHONE, JUAN_BIRTH = "+525512000002", "30/11/1979"


def only(replies: list[dict]) -> dict:
    assert len(replies) == 1, replies
    return replies[0]


def _rows(database_url: str, sender: str) -> tuple[int, int, int]:
    """(chat identities, their lesson progress rows, data.deleted audit rows) of ``sender``."""
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            ids = list(
                session.scalars(
                    select(ChatIdentity.id).where(ChatIdentity.channel_user_id == sender)
                )
            )
            progress = session.scalar(
                select(func.count(LessonProgress.id)).where(
                    LessonProgress.chat_identity_id.in_(ids)
                )
            )
            deleted = session.scalar(
                select(func.count(AuditEntry.id)).where(AuditEntry.action == "data.deleted")
            )
            return len(ids), int(progress or 0), int(deleted or 0)
    finally:
        engine.dispose()


def test_a_client_sees_what_wazi_keeps_and_deletes_it(stack) -> None:
    chat = stack.chat("rights")
    chat.say('/choose_language{"language": "es"}')

    before = only(chat.say("que datos tienen de mi"))
    assert gettext("es", STORED_NO_CLIENT) in before["text"]
    assert [b["payload"] for b in before["buttons"]] == ["/delete_my_data"]

    assert gettext("es", ASK_PHONE) in chat.texts("cuanto debo")
    chat.say(JUAN_PHONE)
    assert "L-2001" in chat.texts(JUAN_BIRTH)
    mine = only(chat.say("que datos tienen de mi"))["text"]
    assert "Juan" in mine and JUAN_PHONE in mine and "L-2001" in mine and "1979" in mine

    topics = chat.say("/lessons")
    lesson = next(
        b["payload"]
        for m in topics
        for b in m.get("buttons", [])
        if b["payload"].startswith("/lesson_open")
    )
    chat.say(lesson)
    chat.say("quiero poner una queja")
    chat.say("wrong_charge")
    chat.say("Me cobraron la comision de 500 dos veces en el mercado el lunes.")
    (ticket,) = TICKET.findall(only(chat.say("anonymous:no"))["text"])
    listed = only(chat.say("que informacion guardan sobre mi"))["text"]
    assert ticket in listed
    assert gettext("es", STORED_LESSONS) % {"started": 1, "finished": 0, "answers": 0} in listed
    assert _rows(stack.database_url, chat.sender)[:2] == (1, 1)
    deleted_before = _rows(stack.database_url, chat.sender)[2]

    # "No" keeps everything.
    question = only(chat.say("/delete_my_data"))
    yes, no = question["buttons"]
    assert only(chat.say(no["payload"]))["text"] == gettext("es", NOT_DELETED)
    assert _rows(stack.database_url, chat.sender) == (1, 1, deleted_before)
    # The "yes" of a question already answered deletes nothing.
    assert only(chat.say(yes["payload"]))["text"] == gettext("es", EXPIRED)
    assert _rows(stack.database_url, chat.sender) == (1, 1, deleted_before)

    yes, _ = only(chat.say("/delete_my_data"))["buttons"]
    done = only(chat.say(yes["payload"]))["text"]
    assert done.splitlines() == [
        gettext("es", DELETED),
        gettext("es", DELETED_KEPT) % {"tickets": ticket},
    ]
    assert _rows(stack.database_url, chat.sender) == (0, 0, deleted_before + 1)
    engine = make_engine(stack.database_url)
    try:
        with session_scope(engine) as session:
            kept = session.scalars(select(Complaint).where(Complaint.ticket_no == ticket)).one()
            assert (kept.chat_identity_id, kept.client_id, kept.loan_id) == (None, None, None)
            assert kept.anonymous is True and kept.events[-1].kind == ANONYMISED
            assert kept.description.startswith("Me cobraron")
            assert session.scalars(select(Client).where(Client.phone == JUAN_PHONE)).one()
    finally:
        engine.dispose()

    # The same button again deletes nothing more; Wazi no longer knows Juan, in Spanish still.
    assert only(chat.say(yes["payload"]))["text"] == gettext("es", EXPIRED)
    after = only(chat.say("que datos tienen de mi"))["text"]
    assert gettext("es", STORED_NO_CLIENT) in after and ticket not in after
    assert gettext("es", STORED_LESSONS) % {"started": 0, "finished": 0, "answers": 0} in after
    assert gettext("es", ASK_PHONE) in chat.texts("cuanto debo")
