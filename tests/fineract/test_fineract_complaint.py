"""A complaint about a loan kept in Fineract: the real complaint action records the loan by its
account number (Wazi's own loans table holds nothing), the staff dashboard shows that loan's
figures read from Fineract, and a lesson's money is in that loan's currency."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from babel import Locale
from flask import Flask
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

import actions.context
from actions.complaints import ActionSubmitComplaint
from actions.lessons import currency_for
from bot.db import models
from bot.db.session import make_engine
from bot.demo import DEMO_CLIENTS
from bot.i18n import money
from bot.loan_source import DatabaseLoans
from bot.web.dashboard.db import dispose
from tests.conftest import DEMO_TODAY
from tests.fineract.chat_turns import check_identity, tracker
from tests.web.conftest import add_staff, make_test_app
from tests.web.test_complaints_dashboard import log_in, text_of

JUAN = DEMO_CLIENTS[1]  # es_MX, one loan in MXN
ACCOUNT = JUAN.loans[0].account_no


@pytest.fixture
def dashboard(fineract_env: dict[str, str]) -> Iterator[Flask]:
    """The staff dashboard on the actions' database, with their Fineract loan source."""
    app = make_test_app(
        "http://127.0.0.1:1",
        DATABASE_URL=fineract_env["WAZI_DATABASE_URL"],
        LOAN_SOURCE=actions.context.loan_source(),
    )
    try:
        yield app
    finally:
        dispose(app)


def test_a_complaint_about_a_fineract_loan_shows_it_in_the_dashboard(
    fineract_env: dict[str, str], dashboard: Flask, demo_engine: Engine
) -> None:
    slots, _ = check_identity("juan-chat", JUAN.phone, "30/11/1979", "es")
    assert slots["verified"] is True

    chat = tracker(
        "juan-chat",
        {
            "language": "es",
            "complaint_category": "wrong_charge",
            "complaint_description": "Me cobraron dos veces la comisión de la semana.",
            "complaint_anonymous": "no",
        },
    )
    asyncio.run(ActionSubmitComplaint().run(CollectingDispatcher(), chat, {}))

    engine = make_engine(fineract_env["WAZI_DATABASE_URL"])
    try:
        with Session(engine) as session:
            complaint = session.scalars(select(models.Complaint)).one()
            assert (complaint.loan_account, complaint.loan_id) == (ACCOUNT, None)
            assert session.scalar(select(func.count(models.Loan.id))) == 0
            person = session.scalars(select(models.ChatIdentity)).one()
            assert currency_for(session, person) == "MXN"  # not WAZI_CURRENCY (KES)
            ticket = complaint.ticket_no
        add_staff(engine, "wanjiru", models.StaffRole.STAFF)
    finally:
        engine.dispose()

    client = dashboard.test_client()
    log_in(client, "wanjiru")
    page = text_of(client.get(f"/dashboard/complaints/{ticket}").get_data(as_text=True))
    with Session(demo_engine) as session:  # the same loan in Wazi's own tables
        juan = session.scalars(select(models.Client).filter_by(phone=JUAN.phone)).one()
        view = DatabaseLoans().client_loans(session, juan.id, DEMO_TODAY).find(ACCOUNT)
    assert view is not None
    assert f"Loan {ACCOUNT}" in page
    payoff = money(view.standing.payoff.amount, "MXN", Locale("en"))
    assert f"Payoff today {payoff}" in page
