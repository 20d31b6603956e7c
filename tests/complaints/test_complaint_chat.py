"""What the chat says about complaints: the form's answers read back, the receipt, the status."""

from __future__ import annotations

import datetime as dt

import pytest
from babel import Locale
from sqlalchemy.orm import Session

from bot.complaints import chat, store
from bot.complaints.rules import CATEGORY_LABELS, Category, Policy, Status
from bot.db import models
from bot.i18n import gettext

KENYA = Locale("sw", "KE")
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("fraud", Category.FRAUD),  # a button's payload
        ("4", Category.HARASSMENT),  # its number in the list
        (" 1. ", Category.WRONG_CHARGE),
        ("Ulaghai au utapeli", Category.FRAUD),  # its label in the client's language
        ("privacy", Category.PRIVACY),  # the English label
        ("9", None),
        ("my money", None),
    ],
)
def test_a_category_from_a_button_a_number_or_its_label(typed: str, expected: object) -> None:
    assert chat.category_of(typed, KENYA) == expected


def test_the_category_question_lists_every_category_numbered_with_buttons() -> None:
    text, buttons = chat.category_question(KENYA)
    assert text.splitlines()[0] == gettext("sw", chat.ASK_CATEGORY)
    assert len(text.splitlines()) == 1 + len(CATEGORY_LABELS)
    assert [b.payload for b in buttons] == [c.value for c in CATEGORY_LABELS]
    assert text.splitlines()[4] == f"4. {gettext('sw', 'Harassment or threats')}"


@pytest.mark.parametrize(
    ("typed", "anonymous"),
    [
        ("anonymous:yes", True),
        ("anonymous:no", False),
        ("Ndiyo", False),  # yes, the branch may know
        ("hapana", True),
        ("non.", True),
        ("sí", False),
        ("नहीं", True),
        ("maybe", None),
        ("yes no", None),
    ],
)
def test_anonymity_from_a_button_or_a_yes_or_no(typed: str, anonymous: bool | None) -> None:
    assert chat.anonymity_of(typed) is anonymous


def complaint(session: Session, category: Category = Category.WRONG_CHARGE) -> models.Complaint:
    person = models.ChatIdentity(channel="rest", channel_user_id=f"c{category.value}")
    session.add(person)
    session.flush()
    return store.receive(
        session,
        person,
        category,
        "Mlinitoza mara mbili.",
        anonymous=False,
        loan=None,
        locale="sw",
        today=dt.date(2026, 11, 25),
        now=NOW,
        policy=Policy(),
    )


def test_the_receipt_gives_the_ticket_and_both_deadlines_in_the_clients_format(
    session: Session,
) -> None:
    made = complaint(session)
    assert chat.receipt(made, KENYA) == gettext("sw", chat.RECEIVED) % {
        "ticket": made.ticket_no,
        "acknowledge": "2 Desemba 2026",
        "resolve": "16 Desemba 2026",
    }
    serious = complaint(session, Category.HARASSMENT)
    assert chat.receipt(serious, KENYA).endswith(gettext("sw", chat.ESCALATED_NOW))


def test_the_status_of_an_answered_complaint_asks_if_it_satisfies(session: Session) -> None:
    made = complaint(session)
    waiting, none = chat.status_lines(made, Locale("en"))
    assert none == []
    assert waiting == (
        f"{made.ticket_no}, Wrong charge or amount, received November 25, 2026: received, "
        "waiting to be looked at.\n"
        "Acknowledgement by December 2, 2026, answer by December 16, 2026."
    )
    store.change_status(made, Status.RESOLVED, store.Actor("staff", "w"), NOW, "Refunded.")
    answered, buttons = chat.status_lines(made, Locale("en"))
    assert answered.splitlines()[1:] == [
        "Our answer: Refunded.",
        "Are you satisfied with this answer?",
    ]
    assert [b.payload for b in buttons] == [
        f'/complaint_feedback{{"ticket":"{made.ticket_no}","satisfied":"yes"}}',
        f'/complaint_feedback{{"ticket":"{made.ticket_no}","satisfied":"no"}}',
    ]
