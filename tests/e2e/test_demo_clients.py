"""Each demo client, in their own language, verifies and asks six loan questions over HTTP.

Every answer must be exactly what ``bot.replies.answer`` computes from the same database with
the loan engine at WAZI_TODAY=2026-11-25, and must contain the engine's key figure.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from bot.db.models import Client
from bot.db.session import make_engine, session_scope
from bot.i18n import money, reply_locale
from bot.loan_answers import client_loans
from bot.replies import (
    BALANCE,
    NEXT_PAYMENT,
    OVERDUE,
    PAYMENTS,
    SCHEDULE,
    TOTAL_COST,
    answer,
)

pytestmark = pytest.mark.e2e

TODAY = dt.date(2026, 11, 25)
CLIENTS = [
    # phone, birth date as typed, language, first question in the client's own words
    ("+254712000001", "12/04/1988", "sw", "rejesho langu lijalo ni lini"),
    ("+525512000002", "30/11/1979", "es", "cuando es mi proximo pago"),
    ("+221770000003", "1992-02-20", "fr", "quand est mon prochain paiement"),
    ("+919812000004", "07/07/1985", "hi", "meri agli kist kab hai"),
    ("+256772000005", "1990-12-01", "en", "when is my next payment"),
]
FOLLOW_UPS = [
    ("/ask_balance", BALANCE),
    ("/ask_overdue", OVERDUE),
    ("/ask_schedule", SCHEDULE),
    ("/ask_payments", PAYMENTS),
    ("/ask_total_cost", TOTAL_COST),
]


def _expected(database_url: str, phone: str, question: str, language: str, account: str | None):
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            client = session.scalars(select(Client).where(Client.phone == phone)).one()
            loans = client_loans(session, client.id, TODAY)
            return loans, answer(
                question, loans, language=language, today=TODAY, loan_account=account
            )
    finally:
        engine.dispose()


@pytest.mark.parametrize(("phone", "born", "language", "question"), CLIENTS)
def test_demo_client_in_their_language(stack, phone, born, language, question) -> None:
    chat = stack.chat()
    chat.say("/choose_language" + json.dumps({"language": language}))
    asked = chat.say(question)
    assert len(asked) == 1 and asked[0]["text"]  # the phone number question, in that language
    chat.say(phone)
    replies = chat.say(born)

    loans, expected = _expected(stack.database_url, phone, NEXT_PAYMENT, language, None)
    account = None
    if expected.asked_which_loan:  # Grace has two loans: she is asked which one
        assert replies[0]["text"] == expected.text
        assert [b["payload"] for b in replies[0]["buttons"]] == [
            b.payload for b in expected.buttons
        ]
        account = loans.loans[0].account_no
        replies = chat.say(expected.buttons[0].payload)
        loans, expected = _expected(stack.database_url, phone, NEXT_PAYMENT, language, account)

    assert replies[0]["text"] == expected.text
    view = loans.find(expected.loan_account)
    locale = reply_locale(language, loans.locale)
    upcoming = view.standing.next_due
    assert money(upcoming.remaining, view.currency, locale) in replies[0]["text"]

    for payload, follow_up in FOLLOW_UPS:
        (reply, *_) = chat.say(payload)
        _, wanted = _expected(stack.database_url, phone, follow_up, language, account)
        assert reply["text"] == wanted.text, follow_up
