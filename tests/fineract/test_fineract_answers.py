"""The assistant's answers for Fineract loans: the real rasa-sdk actions (the identity check,
then a loan question) with WAZI_LOAN_SOURCE=fineract reading the fake Fineract server, on a
database that holds nothing but what the identity check mirrors."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.db.models import AuditEntry, ChatIdentity, Client
from bot.db.session import make_engine
from bot.demo import DEMO_CLIENTS
from bot.fineract.mapping import loan_record
from bot.i18n import language_of, money, percent, reply_locale
from bot.loan_answers import LoanView, client_loans, engine_payments
from bot.loan_source import default_locale
from bot.loans.cost import loan_rates
from bot.loans.schedule import build_schedule
from bot.loans.status import loan_status
from bot.replies import BALANCE, NEXT_PAYMENT, OVERDUE, TOTAL_COST, answer
from tests.conftest import DEMO_TODAY
from tests.fineract.chat_turns import ask, check_identity
from tests.fineract.fake_fineract import FakeFineract

AMINA, GRACE = DEMO_CLIENTS[0], DEMO_CLIENTS[4]


def _database_answer(
    demo_engine: Engine, phone: str, question: str, language: str, loan_account: str | None
) -> str:
    with Session(demo_engine) as session:
        client = session.scalars(select(Client).filter_by(phone=phone)).one()
        loans = client_loans(session, client.id, DEMO_TODAY)
    return answer(
        question, loans, language=language, today=DEMO_TODAY, loan_account=loan_account
    ).text


def _mirror(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            (client,) = session.scalars(select(Client)).all()
            identity = session.scalars(select(ChatIdentity)).one()
            audit = [a.action for a in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
            return {
                "external_id": client.external_id,
                "phone": client.phone,
                "locale": client.locale,
                "verified": identity.client_id == client.id,
                "audit": audit,
            }
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("intent", "question"),
    [
        ("ask_next_payment", NEXT_PAYMENT),
        ("ask_balance", BALANCE),
        ("ask_total_cost", TOTAL_COST),
    ],
)
def test_a_verified_client_gets_the_figures_of_their_fineract_loan(
    fineract_env: dict[str, str],
    fake_fineract: FakeFineract,
    demo_engine: Engine,
    intent: str,
    question: str,
) -> None:
    slots, said = check_identity("amina-chat", AMINA.phone, "12/04/1988", "en")
    assert said == [] and slots["verified"] is True and slots["language"] == "sw"
    mirror = _mirror(fineract_env["WAZI_DATABASE_URL"])
    client_id = fake_fineract.data.demo_client_ids[AMINA.phone]
    assert mirror["external_id"] == f"fineract:{client_id}"
    assert (mirror["phone"], mirror["locale"], mirror["verified"]) == (AMINA.phone, "sw_KE", True)
    assert "identity.verified" in mirror["audit"]

    _, messages = ask("amina-chat", intent, "sw")
    text = messages[0]["text"]
    assert text == _database_answer(demo_engine, AMINA.phone, question, "sw", None)
    # The figures themselves, from the loan engine on what Fineract says:
    source_loans = _fineract_view(fake_fineract, "L-1001")
    locale = reply_locale("sw", "sw_KE")
    if question == NEXT_PAYMENT:
        next_due = source_loans.standing.next_due
        assert next_due is not None
        assert money(next_due.remaining, "KES", locale) in text
    elif question == BALANCE:
        assert money(source_loans.standing.outstanding_principal, "KES", locale) in text
    else:
        rates = loan_rates(source_loans.schedule)
        assert percent(rates.eir_percent, locale) in text
        assert percent(rates.apr_percent, locale) in text


def test_the_overdue_amount_of_a_fineract_loan(
    fineract_env: dict[str, str], fake_fineract: FakeFineract, demo_engine: Engine
) -> None:
    slots, _ = check_identity("grace-chat", GRACE.phone, "1990-12-01", "en")
    language = language_of(default_locale(GRACE.phone))
    assert slots["verified"] is True and slots["language"] == language
    _, messages = ask("grace-chat", "ask_overdue", language, loan_account="L-5001")
    text = messages[0]["text"]
    assert text == _database_answer(demo_engine, GRACE.phone, OVERDUE, language, "L-5001")
    view = _fineract_view(fake_fineract, "L-5001")
    (late,) = view.standing.overdue
    assert money(late.remaining, "UGX", reply_locale(language, "en_UG")) in text


def _fineract_view(fake: FakeFineract, account_no: str) -> LoanView:
    """The loan as the engine reads Fineract's JSON, without HTTP or the loan source."""
    loan = fake.data.loans[fake.data.demo_loan_ids[account_no]]
    record = loan_record(loan, fake.data.products[loan["loanProductId"]], fake.data.policy)
    schedule = build_schedule(record.terms)
    payments = tuple(p for p in record.payments if p.paid_on <= DEMO_TODAY)
    standing = loan_status(schedule, engine_payments(payments), DEMO_TODAY)
    return LoanView(account_no, record.currency.code, schedule, standing, payments)


def test_a_number_fineract_does_not_know_is_a_mismatch_like_any_other(
    fineract_env: dict[str, str],
) -> None:
    slots, said = check_identity("stranger", "+254712999999", "1988-04-12", "en")
    assert slots == {"phone_number": None, "date_of_birth": None}
    assert said[0]["text"].startswith("Sorry, those details do not match our records.")
    assert "(2 attempts left)" in said[0]["text"]
