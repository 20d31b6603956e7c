"""The complaint page when loans come from Fineract and Fineract cannot be reached: the loan
box says so instead of the page failing, and no figure is shown."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select, update

from bot.db import models
from bot.db.session import session_scope
from bot.demo import DEMO_CLIENTS, seed
from bot.fineract.client import FineractClient
from bot.loan_source import FineractLoans
from bot.web.dashboard.complaints import LOAN_UNAVAILABLE
from bot.web.dashboard.db import dispose, engine_of
from tests.web.conftest import DEMO_DATE, add_staff, make_test_app
from tests.web.test_complaints_dashboard import complain, log_in, text_of

AMINA = DEMO_CLIENTS[0]


@pytest.fixture
def unreachable_fineract() -> Iterator[FineractLoans]:
    """Loans from a Fineract nobody listens for (a closed loopback port), no retries."""
    client = FineractClient(
        "http://127.0.0.1:1/fineract-provider/api/v1", "default", "u", "p", retries=0
    )
    yield FineractLoans(client)
    client.close()


@pytest.fixture
def fineract_app(migrated_url: str, unreachable_fineract: FineractLoans) -> Iterator[Flask]:
    app = make_test_app(
        "http://127.0.0.1:1", DATABASE_URL=migrated_url, LOAN_SOURCE=unreachable_fineract
    )
    try:
        yield app
    finally:
        dispose(app)


def test_the_loan_box_says_fineract_is_unreachable_instead_of_failing(
    fineract_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    engine = engine_of(fineract_app)
    with session_scope(engine) as session:
        seed(session, DEMO_DATE)
        session.execute(  # Amina as the identity check mirrors a Fineract client
            update(models.Client)
            .where(models.Client.phone == AMINA.phone)
            .values(external_id="fineract:101")
        )
    add_staff(engine, "wanjiru", models.StaffRole.STAFF)
    ticket = complain(engine, phone=AMINA.phone)
    client = fineract_app.test_client()
    log_in(client, "wanjiru")
    with caplog.at_level(logging.WARNING, logger="bot.web.dashboard.complaints"):
        response = client.get(f"/dashboard/complaints/{ticket}")
    assert response.status_code == 200
    page = text_of(response.get_data(as_text=True))
    assert f"Loan {AMINA.loans[0].account_no}" in page
    assert LOAN_UNAVAILABLE in page
    assert "Payoff today" not in page and "KES" not in page
    (line,) = [r.getMessage() for r in caplog.records if r.name.endswith("complaints")]
    assert line.startswith(f"complaint {ticket}: loan figures unavailable: Fineract clients/101/")
    with session_scope(engine) as session:
        assert session.scalar(select(models.Complaint.ticket_no)) == ticket
