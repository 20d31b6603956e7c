"""A client's data rights (bot/data_rights.py) on SQLite and PostgreSQL: what Wazi stores about
one chat, and deleting it with complaints kept anonymised and the audit log kept."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import link_codes
from bot.channels.relay import DONE, PENDING
from bot.complaints import store
from bot.complaints.rules import Category, Policy
from bot.data_rights import ANONYMISED, forget, stored_about
from bot.db.models import (
    AuditEntry,
    ChannelDelivery,
    ChannelMessage,
    ChatIdentity,
    Client,
    Complaint,
    HandoffRequest,
    LessonAnswer,
    LessonProgress,
    LinkCode,
)
from bot.demo import seed
from bot.handoff import request_handoff

TODAY = dt.date(2026, 11, 25)
NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
AMINA = "+254712000001"


def _chat(session: Session, channel: str, user: str, client: Client | None) -> ChatIdentity:
    person = ChatIdentity(channel=channel, channel_user_id=user, locale="sw")
    if client is not None:
        person.client_id, person.verified_at = client.id, NOW
    session.add(person)
    session.flush()
    return person


def _history(session: Session, person: ChatIdentity) -> Complaint:
    """Lessons, a complaint with a transcript, a handoff, relay copies and a delivery."""
    finished = LessonProgress(
        chat_identity_id=person.id, lesson_slug="interest", status="finished", score=2
    )
    finished.answers.append(
        LessonAnswer(question_id="q1", choice_id="a", correct=True, locale="sw")
    )
    finished.answers.append(
        LessonAnswer(question_id="q2", choice_id="b", correct=False, locale="sw")
    )
    session.add(finished)
    session.add(LessonProgress(chat_identity_id=person.id, lesson_slug="budget", step=2))
    complaint = store.receive(
        session,
        person,
        Category.WRONG_CHARGE,
        "They charged me twice.",
        anonymous=False,
        loan=person.client.loans[0] if person.client else None,
        locale="sw",
        today=TODAY,
        now=NOW,
        policy=Policy(),
        transcript=[{"from": "client", "text": "nimetozwa mara mbili"}],
        loan_account="L-1001",
    )
    request_handoff(session, person, [{"from": "client", "text": "nataka mtu"}])
    for n, state in enumerate([DONE, PENDING]):
        session.add(
            ChannelMessage(
                channel=person.channel,
                external_id=f"wamid.{person.id}.{n}",
                user_id=person.channel_user_id,
                chat_id=person.channel_user_id,
                text="salio langu",
                phone=AMINA,
                state=state,
            )
        )
    session.add(
        ChannelDelivery(
            channel=person.channel, provider_id=f"out.{person.id}", chat_id=person.channel_user_id
        )
    )
    session.flush()
    return complaint


def test_what_wazi_stores_about_a_verified_chat(session: Session) -> None:
    seed(session, TODAY)
    amina = session.scalars(select(Client).where(Client.phone == AMINA)).one()
    person = _chat(session, "whatsapp", "254712000001", amina)
    complaint = _history(session, person)
    stored = stored_about(session, person)
    assert stored.client is amina and stored.loan_accounts == ("L-1001",)
    assert (stored.channel, stored.language) == ("whatsapp", "sw")
    assert (stored.lessons_started, stored.lessons_finished, stored.quiz_answers) == (2, 1, 2)
    assert stored.tickets == (complaint.ticket_no,)
    assert (stored.handoffs, stored.channel_messages) == (1, 2)


def test_an_unverified_chat_shows_no_client_record(session: Session) -> None:
    seed(session, TODAY)
    amina = session.scalars(select(Client).where(Client.phone == AMINA)).one()
    person = _chat(session, "whatsapp", "254712000001", amina)
    person.verified_at = None  # linked once, logged out since
    assert stored_about(session, person).client is None
    assert stored_about(session, person).loan_accounts == ()


def test_forget_deletes_the_chat_and_keeps_its_complaints_anonymised(session: Session) -> None:
    seed(session, TODAY)
    amina = session.scalars(select(Client).where(Client.phone == AMINA)).one()
    person = _chat(session, "whatsapp", "254712000001", amina)
    other = _chat(session, "rest", "web-session-2", None)
    complaint = _history(session, person)
    other_complaint = _history(session, other)
    code = link_codes.issue(session, amina, "officer", NOW)
    assert link_codes.use(session, amina, code, person.id, NOW)
    person_id, audit_before = person.id, session.scalar(select(func.count(AuditEntry.id)))

    deleted = forget(session, person, NOW)
    session.commit()
    session.expire_all()

    assert session.get(ChatIdentity, person_id) is None
    assert (deleted.lessons, deleted.quiz_answers) == (2, 2)
    assert (deleted.channel_messages, deleted.delivery_statuses) == (1, 1)
    assert deleted.handoff_transcripts == 1
    assert deleted.kept_tickets == (complaint.ticket_no,)
    # The complaint stays, with its description and history, but nothing leads to Amina.
    kept = session.get(Complaint, complaint.id)
    assert kept is not None and kept.description == "They charged me twice."
    assert (kept.chat_identity_id, kept.client_id, kept.loan_id, kept.loan_account) == (
        None,
        None,
        None,
        None,
    )
    assert kept.anonymous is True
    assert [e.kind for e in kept.events] == ["received", ANONYMISED]
    assert all("transcript" not in e.details for e in kept.events)
    # The handoff request stays without its transcript or its author.
    handoffs = session.scalars(select(HandoffRequest).order_by(HandoffRequest.id)).all()
    assert [(h.chat_identity_id, h.client_id, h.transcript) for h in handoffs][0] == (
        None,
        None,
        [],
    )
    # Lesson progress and answers gone; the pending message is left to the relay.
    progress = session.scalars(select(LessonProgress.chat_identity_id)).all()
    assert set(progress) == {other.id}
    assert session.scalar(select(func.count(LessonAnswer.id))) == 2  # the other chat's
    messages = session.scalars(
        select(ChannelMessage.state).where(ChannelMessage.user_id == "254712000001")
    ).all()
    assert messages == [PENDING]
    # One audit row more, saying what was deleted; none of the earlier ones lost.
    audit = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert len(audit) == audit_before + 1
    assert (audit[-1].action, audit[-1].actor_id) == ("data.deleted", str(person_id))
    assert audit[-1].details["complaints_anonymised"] == 1
    # The linking code she used stays used, but no longer points at the deleted chat.
    used = session.scalars(select(LinkCode)).one()
    assert used.used_at is not None and used.used_by is None
    # Amina's client record and loans belong to the MFI: still there.
    assert session.get(Client, amina.id) is not None and amina.loans
    # The other chat is untouched.
    untouched = session.get(Complaint, other_complaint.id)
    assert untouched is not None and untouched.chat_identity_id == other.id
    assert stored_about(session, other).lessons_started == 2


def test_forget_a_chat_with_nothing_stored(session: Session) -> None:
    person = _chat(session, "rest", "web-session-1", None)
    deleted = forget(session, person, NOW)
    session.commit()
    assert deleted.kept_tickets == () and deleted.lessons == 0
    assert session.scalar(select(func.count(ChatIdentity.id))) == 0
