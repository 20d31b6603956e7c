"""The clients pages of the staff dashboard through Flask's test client, on the demo data in a
migrated SQLite and PostgreSQL database: finding a client, their loans and linking code, issuing
a code (shown once, on the printable loan card), the card without a code, roles, bad input, and
audit rows that never hold the code."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest
from babel import Locale
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select

from bot import link_codes, pins
from bot.db import models
from bot.db.session import session_scope
from bot.demo import seed
from bot.i18n import day, gettext, money
from bot.web.dashboard import loan_card
from bot.web.dashboard.db import engine_of
from tests.web.conftest import DEMO_DATE, add_staff
from tests.web.test_complaints_dashboard import log_in, post

CODE = re.compile(r'id="link-code">([2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4})<')
AMINA_PHONE = "+254712000001"


@pytest.fixture
def app(dashboard_app: Flask) -> Flask:
    return dashboard_app


@pytest.fixture
def engine(app: Flask) -> Engine:
    engine = engine_of(app)
    with session_scope(engine) as session:
        seed(session, DEMO_DATE)
    add_staff(engine, "wanjiru", models.StaffRole.STAFF)
    add_staff(engine, "amina", models.StaffRole.ADMIN)
    add_staff(engine, "otieno", models.StaffRole.TRAINER)
    return engine


@pytest.fixture
def client(app: Flask, engine: Engine) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def amina(engine: Engine) -> int:
    with session_scope(engine) as session:
        return session.scalars(
            select(models.Client.id).where(models.Client.phone == AMINA_PHONE)
        ).one()


def audit_rows(engine: Engine, action: str) -> list[models.AuditEntry]:
    with session_scope(engine) as session:
        return list(
            session.scalars(
                select(models.AuditEntry)
                .where(models.AuditEntry.action == action)
                .order_by(models.AuditEntry.id)
            )
        )


def codes(engine: Engine, client_id: int) -> list[models.LinkCode]:
    with session_scope(engine) as session:
        return list(
            session.scalars(
                select(models.LinkCode)
                .where(models.LinkCode.client_id == client_id)
                .order_by(models.LinkCode.id)
            )
        )


def issue(client: FlaskClient, client_id: int) -> tuple[str, str]:
    """Press "Issue a new linking code": (the code shown, the page)."""
    response = post(client, f"/dashboard/clients/{client_id}/link-code")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    found = CODE.search(page)
    assert found is not None, page
    return found.group(1), page


# --- finding a client ----------------------------------------------------------------------


@pytest.mark.parametrize("query", ["L-1001", "l-1001", " L-1001 ", "+254712000001", "0712000001"])
def test_a_client_is_found_by_loan_account_or_phone(
    client: FlaskClient, engine: Engine, amina: int, query: str
) -> None:
    log_in(client, "wanjiru")
    page = client.get("/dashboard/clients", query_string={"q": query}).get_data(as_text=True)
    assert "1 client found" in page
    assert f'href="/dashboard/clients/{amina}" data-client="{amina}">Amina Njeri</a>' in page
    (row,) = audit_rows(engine, "client.searched")
    assert (row.actor_id, row.details) == ("wanjiru", {"count": 1})


def test_a_search_without_a_match_says_so(client: FlaskClient, engine: Engine) -> None:
    log_in(client, "wanjiru")
    page = client.get("/dashboard/clients?q=L-9999").get_data(as_text=True)
    assert "0 clients found" in page
    assert "No client has that loan account or phone number." in page


def test_the_clients_page_is_in_the_navigation_of_staff_and_admins(client: FlaskClient) -> None:
    log_in(client, "amina")
    page = client.get("/dashboard/clients").get_data(as_text=True)
    assert '<a href="/dashboard/clients">Clients</a>' in page
    assert "clients found" not in page  # nothing searched yet


# --- a client and their linking code -------------------------------------------------------


def test_the_client_page_shows_the_loans_and_that_no_code_was_issued(
    client: FlaskClient, engine: Engine, amina: int
) -> None:
    log_in(client, "wanjiru")
    response = client.get(f"/dashboard/clients/{amina}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Amina Njeri</h1>" in page
    assert "<td>L-1001</td><td>KES50,000.00</td><td>2026-09-01</td><td>active</td>" in page
    assert "Nairobi Gikomba" in page and "Peter Otieno, +254722000101" in page
    assert "No linking code was issued for this client yet." in page
    assert "(<code>WAZI_VERIFY_LINK_CODE</code> is off)" in page
    (row,) = audit_rows(engine, "client.viewed")
    assert (row.actor_id, row.subject_type, row.subject_id) == ("wanjiru", "client", str(amina))


def test_issuing_shows_the_code_once_on_the_loan_card(
    client: FlaskClient, engine: Engine, amina: int
) -> None:
    log_in(client, "wanjiru")
    code, card = issue(client, amina)
    assert "This is the only time the code is shown" in card
    assert "Amina Njeri" in card and "L-1001" in card
    assert "Nairobi Gikomba, +254202000100" in card and "Peter Otieno, +254722000101" in card
    (row,) = codes(engine, amina)
    valid_until = day(row.expires_at.date(), Locale.parse("sw_KE"))  # Amina reads Swahili
    assert gettext("sw", loan_card.VALID_UNTIL) % {"date": valid_until} in card
    assert row.expires_at - row.issued_at == dt.timedelta(days=90)
    assert row.issued_by == "wanjiru" and row.used_at is None
    assert code.replace("-", "") not in row.code_hash

    # The client page now tells the code's state, never the code.
    page = client.get(f"/dashboard/clients/{amina}").get_data(as_text=True)
    assert "by wanjiru" in page and "Not used yet" in page
    assert code not in page

    # The code works in the identity check, once.
    with session_scope(engine) as session:
        person = models.ChatIdentity(channel="web", channel_user_id="chat-1")
        session.add(person)
        session.flush()
        found = session.get(models.Client, amina)
        assert found is not None
        assert link_codes.use(session, found, code, person.id, models.utcnow()) is True
    page = client.get(f"/dashboard/clients/{amina}").get_data(as_text=True)
    assert "<dt>State</dt><dd>Used on " in page

    (issued,) = audit_rows(engine, "link_code.issued")
    assert (issued.actor_type, issued.actor_id, issued.subject_id) == (
        "staff",
        "wanjiru",
        str(amina),
    )
    with session_scope(engine) as session:
        every_row = [
            json.dumps([r.actor_id, r.action, r.subject_id, r.details])
            for r in session.scalars(select(models.AuditEntry))
        ]
    assert not any(code in row or code.replace("-", "") in row for row in every_row)


def test_a_new_code_replaces_the_unused_one(
    client: FlaskClient, engine: Engine, amina: int
) -> None:
    log_in(client, "amina")
    first, _ = issue(client, amina)
    second, _ = issue(client, amina)
    rows = codes(engine, amina)
    assert [row.voided_at is not None for row in rows] == [True, False]
    assert [row.issued_by for row in rows] == ["amina", "amina"]
    assert len(audit_rows(engine, "link_code.issued")) == 2
    with session_scope(engine) as session:
        person = models.ChatIdentity(channel="web", channel_user_id="chat-1")
        session.add(person)
        session.flush()
        found = session.get(models.Client, amina)
        assert found is not None
        now = models.utcnow()
        assert link_codes.use(session, found, first, person.id, now) is (first == second)
        assert link_codes.use(session, found, second, person.id, now) is (first != second)


def test_the_card_without_a_code_has_a_box_for_it(
    client: FlaskClient, engine: Engine, amina: int
) -> None:
    log_in(client, "wanjiru")
    response = client.get(f"/dashboard/clients/{amina}/card")
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert "<title>Loan card · Amina Njeri</title>" in page  # staff's tab: English
    assert gettext("sw", loan_card.STEPS[0]) in page  # the card: Amina's Swahili
    assert gettext("sw", loan_card.OFFICER_WRITES) in page
    assert CODE.search(page) is None
    assert codes(engine, amina) == []  # looking at the card issues nothing
    (row,) = audit_rows(engine, "client.card_viewed")
    assert row.subject_id == str(amina)


@pytest.mark.parametrize(
    ("phone", "locale", "account"),
    [
        ("+254712000001", "sw_KE", "L-1001"),
        ("+525512000002", "es_MX", "L-2001"),
        ("+221770000003", "fr_SN", "L-3001"),
        ("+919812000004", "hi_IN", "L-4001"),
        ("+256772000005", "en_UG", "L-5001"),
    ],
)
def test_the_card_is_in_the_clients_language_with_their_money_and_dates(
    client: FlaskClient, engine: Engine, phone: str, locale: str, account: str
) -> None:
    log_in(client, "wanjiru")
    with session_scope(engine) as session:
        found = session.scalars(select(models.Client).where(models.Client.phone == phone)).one()
        client_id, language = found.id, found.locale.split("_")[0]
        loan = next(loan for loan in found.loans if loan.account_no == account)
        formatted = Locale.parse(locale)
        line = gettext(language, loan_card.LOAN) % {
            "account": account,
            "amount": money(loan.principal, loan.currency, formatted),
            "date": day(loan.disbursement_date, formatted),
        }
    assert found.locale == locale
    page = html.unescape(client.get(f"/dashboard/clients/{client_id}/card").get_data(as_text=True))
    assert f'<article class="loan-card" lang="{language}">' in page
    assert f"<h1>{gettext(language, loan_card.TITLE)}</h1>" in page
    assert line in page
    for step in loan_card.STEPS:
        assert f"<li>{gettext(language, step)}</li>" in page
    assert gettext(language, loan_card.NEVER_SHARE) in page
    assert "Back to " in page and ">Print</button>" in page  # what only staff read: English
    if language != "en":
        assert loan_card.STEPS[0] not in page and loan_card.NEVER_SHARE not in page


# --- bad input and roles -------------------------------------------------------------------


def test_an_unknown_client_is_a_404_with_a_message(client: FlaskClient, engine: Engine) -> None:
    log_in(client, "wanjiru")
    for response in (
        client.get("/dashboard/clients/9999"),
        client.get("/dashboard/clients/9999/card"),
        post(client, "/dashboard/clients/9999/link-code"),
    ):
        assert response.status_code == 404
        assert "There is no client 9999." in response.get_data(as_text=True)
    with session_scope(engine) as session:
        assert session.scalars(select(models.LinkCode)).all() == []


def test_issuing_needs_a_post_with_the_forms_token(
    client: FlaskClient, engine: Engine, amina: int
) -> None:
    log_in(client, "wanjiru")
    assert client.get(f"/dashboard/clients/{amina}/link-code").status_code == 405
    refused = client.post(f"/dashboard/clients/{amina}/link-code")
    assert refused.status_code == 400
    assert "This form could not be accepted" in refused.get_data(as_text=True)
    forged = client.post(f"/dashboard/clients/{amina}/link-code", data={"csrf_token": "forged"})
    assert forged.status_code == 400
    assert codes(engine, amina) == []


def test_trainers_and_strangers_do_not_see_clients(
    client: FlaskClient, engine: Engine, amina: int
) -> None:
    anonymous = client.get(f"/dashboard/clients/{amina}")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/dashboard/login?next=")
    log_in(client, "otieno")
    for response in (
        client.get("/dashboard/clients?q=L-1001"),
        client.get(f"/dashboard/clients/{amina}"),
        client.get(f"/dashboard/clients/{amina}/card"),
        post(client, f"/dashboard/clients/{amina}/link-code"),
    ):
        assert response.status_code == 403
        assert "Only staff and admins can see clients" in response.get_data(as_text=True)
    assert codes(engine, amina) == []


def _pin_of(engine: Engine, client_id: int) -> str | None:
    with session_scope(engine) as session:
        return session.get(models.Client, client_id).pin_hash


def test_staff_remove_a_forgotten_pin_and_the_locked_chat_checks_afresh(
    client: FlaskClient, engine: Engine, amina: int
) -> None:
    with session_scope(engine) as session:
        owner = session.get(models.Client, amina)
        chat = models.ChatIdentity(channel="whatsapp", channel_user_id="254712000001")
        session.add(chat)
        session.flush()
        pins.set_pin(session, owner, "4831", chat, dt.datetime(2026, 11, 20, tzinfo=dt.UTC))
        chat.client_id = amina  # locked by the PIN: linked, not verified
        chat_id = chat.id
    log_in(client, "wanjiru")
    page = client.get(f"/dashboard/clients/{amina}").get_data(as_text=True)
    assert "The client set a PIN on 2026-11-20" in page and "Remove the PIN" in page

    assert client.get(f"/dashboard/clients/{amina}/pin/remove").status_code == 405
    assert client.post(f"/dashboard/clients/{amina}/pin/remove").status_code == 400  # no token
    assert _pin_of(engine, amina) is not None
    removed = post(client, f"/dashboard/clients/{amina}/pin/remove")
    assert removed.status_code == 302
    assert removed.headers["Location"].endswith(f"/dashboard/clients/{amina}")
    assert _pin_of(engine, amina) is None
    with session_scope(engine) as session:
        assert session.get(models.ChatIdentity, chat_id).client_id is None
    (row,) = audit_rows(engine, "pin.removed")
    assert (row.actor_id, row.subject_id, row.details) == ("wanjiru", str(amina), {})
    page = client.get(f"/dashboard/clients/{amina}").get_data(as_text=True)
    assert "No PIN" in page and "Remove the PIN" not in page
    assert post(client, "/dashboard/clients/999999/pin/remove").status_code == 404
