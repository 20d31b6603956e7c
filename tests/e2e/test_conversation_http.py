"""Conversations over HTTP with the real Rasa server, action server and demo database."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.db.models import AuditEntry, ChatIdentity, Client, HandoffRequest
from bot.db.session import make_engine, session_scope
from bot.i18n import day, gettext, money, reply_locale
from bot.loan_answers import client_loans

pytestmark = pytest.mark.e2e

TODAY = dt.date(2026, 11, 25)
AMINA = ("+254712000001", "1988-04-12")
GREETING = (
    "Hello! I am Wazi, your loan assistant. I can tell you your next payment and your balance."
)


def _engine_figures(database_url: str, phone: str):
    """The loan engine's view of a demo client's loans, read from the same database."""
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            client = session.scalar(select(Client).where(Client.phone == phone))
            return client_loans(session, client.id, TODAY)
    finally:
        engine.dispose()


def test_first_contact_chooses_a_language_then_greets_in_it(stack):
    chat = stack.chat()
    (choose,) = chat.say("hello")
    assert [b["title"] for b in choose["buttons"]] == [
        "English",
        "Kiswahili",
        "Français",
        "Español",
        "हिन्दी",
    ]
    swahili = next(b["payload"] for b in choose["buttons"] if b["title"] == "Kiswahili")
    (done,) = chat.say(swahili)
    assert done["text"] == gettext(
        "sw", "Done: I will speak English with you. You can change it any time by typing /language."
    )
    assert "Kiswahili" in done["text"] or "kiswahili" in done["text"]
    (greeting,) = chat.say("hello")
    assert greeting["text"] == gettext("sw", GREETING)
    assert greeting["text"] != GREETING  # really translated
    assert [b["payload"] for b in greeting["buttons"]] == ["/ask_next_payment", "/ask_balance"]


def test_loan_question_is_answered_after_verification_from_the_database(stack):
    chat = stack.chat()
    ask = chat.texts("when is my next payment")
    assert "phone number" in ask
    assert "Ksh" not in ask  # nothing about the loan before verification

    assert "date of birth" in chat.texts("0712000001")  # national format, Kenya
    answer = chat.texts("12/04/1988")

    # The pending question is answered without being asked again, with the engine's figures,
    # in Amina's language from her record (Swahili, formatted for Kenya).
    loans = _engine_figures(stack.database_url, AMINA[0])
    (view,) = loans.loans
    locale = reply_locale("sw", loans.locale)
    upcoming = view.standing.next_due
    assert upcoming.number == 3
    assert money(upcoming.remaining, "KES", locale) in answer
    assert day(dt.date(2026, 12, 1), locale) == "1 Desemba 2026"
    assert "1 Desemba 2026" in answer
    assert money(upcoming.installment.interest, "KES", locale) in answer
    # Hand check: annuity 50,000 x 0.02 / (1 - 1.02^-12) = 4,727.98; installment 3's interest
    # is 2% of the balance after two installments, 42,469.48 x 0.02 = 849.39.
    assert "4,727.98" in answer
    assert "849.39" in answer

    # Now verified: the next question is answered at once.
    balance = chat.texts("what is my balance")
    assert "42,469.48" in balance
    assert money(view.standing.payoff.amount, "KES", locale) in balance


def test_a_client_with_two_loans_picks_one_and_it_is_remembered(stack):
    chat = stack.chat()
    chat.say("how much do i still owe")
    chat.say("+256772000005")
    (which,) = chat.say("01.12.1990")
    assert [b["payload"] for b in which["buttons"]] == [
        '/choose_loan{"loan_account": "L-5001"}',
        '/choose_loan{"loan_account": "L-5002"}',
    ]
    answer = chat.texts(which["buttons"][1]["payload"])
    loans = _engine_figures(stack.database_url, "+256772000005")
    locale = reply_locale("en", loans.locale)
    view = loans.find("L-5002")
    assert "L-5002" in answer and "L-5001" not in answer
    assert money(view.standing.outstanding_principal, "UGX", locale) in answer
    assert money(view.standing.payoff.amount, "UGX", locale) in answer
    # The choice is remembered; naming the other loan switches to it.
    assert "L-5002" in chat.texts("/ask_next_payment")
    assert "L-5001" in chat.texts("what is overdue on L-5001")


def test_wrong_details_do_not_reveal_whether_the_phone_is_registered(stack):
    registered, unknown = stack.chat(), stack.chat()
    for chat, phone, born in (
        (registered, AMINA[0], "1988-04-13"),
        (unknown, "+254712999999", AMINA[1]),
    ):
        chat.say("my balance")
        chat.say(phone)
        reply = chat.texts(born)
        assert "do not match our records" in reply
        assert "Ksh" not in reply
    assert registered.texts("x") == unknown.texts("x")  # same re-prompt, same wording


def test_three_failures_lock_the_chat_identity(stack):
    chat = stack.chat()
    chat.say("when is my next payment")
    replies = []
    for _ in range(3):
        chat.say(AMINA[0])
        replies.append(chat.texts("1999-01-01"))
    assert "2 attempts left" in replies[0]
    assert "1 attempt left" in replies[1]
    assert "paused after too many attempts" in replies[2]
    assert "15 minutes" in replies[2]

    # Even the right details are refused while locked, and no figure is shown.
    reply = chat.texts("what is my balance")
    assert "paused after too many attempts" in reply
    assert "Ksh" not in reply

    engine = make_engine(stack.database_url)
    try:
        with session_scope(engine) as session:
            identity = session.scalar(
                select(ChatIdentity).where(ChatIdentity.channel_user_id == chat.sender)
            )
            assert identity.client_id is None
            assert identity.locked_until is not None
            actions = session.scalars(
                select(AuditEntry.action).where(AuditEntry.actor_id == str(identity.id))
            ).all()
            assert actions.count("identity.failed") == 2
            assert actions.count("identity.locked") == 1
    finally:
        engine.dispose()


def test_unreadable_answers_get_a_clear_reprompt(stack):
    chat = stack.chat()
    chat.say("balance")
    assert "does not look like a phone number" in chat.texts("hello there")
    chat.say(AMINA[0])
    assert "could not read that date" in chat.texts("last year")


def test_log_out_unlinks_the_chat(stack):
    chat = stack.chat()
    chat.say("my balance")
    chat.say(AMINA[0])
    assert "42,469.48" in chat.texts(AMINA[1])
    chat.say("this is not me")
    again = chat.texts("my balance")
    assert "phone number" in again or "simu" in again
    assert "42,469.48" not in again


def test_asking_for_a_person_records_a_handoff_with_the_conversation(stack):
    chat = stack.chat()
    chat.say("hello")
    reply = chat.texts("i want to talk to a person")
    assert "request" in reply
    engine = make_engine(stack.database_url)
    try:
        with session_scope(engine) as session:
            person = session.scalar(
                select(ChatIdentity).where(ChatIdentity.channel_user_id == chat.sender)
            )
            (request,) = session.scalars(
                select(HandoffRequest).where(HandoffRequest.chat_identity_id == person.id)
            ).all()
            assert f"request {request.id}" in reply
            said = [turn["text"] for turn in request.transcript if turn["from"] == "client"]
            assert said[:2] == ["hello", "i want to talk to a person"]
    finally:
        engine.dispose()


def test_out_of_scope_and_not_understood(stack):
    chat = stack.chat()
    assert "only help with your loan" in chat.texts("tell me a joke")
    # Not understood (and no good guess to offer): the help menu, with a way to a person.
    (menu,) = chat.say("/nlu_fallback")
    assert any(b["payload"] == "/request_human" for b in menu["buttons"])


def test_a_message_plainly_in_another_language_gets_an_offer_to_switch(stack):
    chat = stack.chat()
    chat.say("how much do i still owe")
    chat.say("+256772000005")
    chat.say("01.12.1990")
    chat.say('/choose_loan{"loan_account": "L-5001"}')
    replies = chat.say("nataka kujua salio la mkopo wangu")
    switch = [{"title": "Kiswahili", "payload": '/choose_language{"language": "sw"}'}]
    (offer,) = [m for m in replies if m.get("buttons") == switch]
    assert offer["text"] == gettext("sw", "Would you like me to speak English?")
    assert "L-5001" in replies[0]["text"]  # the question itself was answered
