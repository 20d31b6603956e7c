"""The complaints pages of the staff dashboard through Flask's test client, on the demo data in
a migrated SQLite and PostgreSQL database: roles, the list and its filters, a complaint with its
loan and conversation, status changes, replies, notes, assignment, the CSV export, trends,
handoff requests, and an audit row for every view and change (read by admins only)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.complaints import rules, store
from bot.complaints.rules import Category, Policy, Status
from bot.db import models
from bot.db.session import session_scope
from bot.demo import DEMO_CLIENTS, seed
from bot.handoff import request_handoff
from bot.web.dashboard.db import engine_of
from tests.web.conftest import DEMO_DATE, STAFF_PASSWORD, add_staff

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TICKET_LINK = re.compile(r'data-ticket="(WZ-\d{4}-\d{6})"')


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


def log_in(client: FlaskClient, username: str) -> None:
    page = client.get("/dashboard/login").get_data(as_text=True)
    token = CSRF.search(page).group(1)
    response = client.post(
        "/dashboard/login",
        data={"username": username, "password": STAFF_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def token(client: FlaskClient) -> str:
    with client.session_transaction() as session:
        return str(session["csrf_token"])


def post(client: FlaskClient, url: str, **data: str) -> Any:
    return client.post(url, data={"csrf_token": token(client), **data})


def complain(
    engine: Engine,
    category: Category = Category.WRONG_CHARGE,
    *,
    phone: str | None = None,
    anonymous: bool = False,
    received: dt.date = DEMO_DATE,
    description: str = "They took the fee twice at the market.",
    transcript: list[dict[str, Any]] | None = None,
) -> str:
    """A complaint from a new chat (verified as the demo client with ``phone``), its ticket."""
    with session_scope(engine) as session:
        person = models.ChatIdentity(channel="telegram", channel_user_id=f"u{received}{category}")
        person.channel_user_id += str(session.scalar(select(func.count(models.ChatIdentity.id))))
        session.add(person)
        loan = None
        if phone is not None:
            client = session.scalars(
                select(models.Client).where(models.Client.phone == phone)
            ).one()
            person.client = client
            person.verified_at = NOW
            loan = client.loans[0]
        session.flush()
        complaint = store.receive(
            session,
            person,
            category,
            description,
            anonymous=anonymous,
            loan=loan,
            locale="sw",
            today=received,
            now=NOW,
            policy=Policy(),
        )
        if transcript is not None:
            complaint.events[0].details = {"transcript": transcript}
        return str(complaint.ticket_no)


def complaint_of(engine: Engine, ticket: str) -> models.Complaint:
    with Session(engine) as session:
        found = session.scalars(
            select(models.Complaint).where(models.Complaint.ticket_no == ticket)
        ).one()
        _ = found.events  # loaded before the session closes
        return found


def audit_rows(engine: Engine, action: str) -> list[models.AuditEntry]:
    with Session(engine) as session:
        return list(
            session.scalars(
                select(models.AuditEntry)
                .where(models.AuditEntry.action == action)
                .order_by(models.AuditEntry.id)
            )
        )


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


A_CLIENT = DEMO_CLIENTS[0].phone


# --- roles -------------------------------------------------------------------------------


def test_staff_land_on_complaints_and_trainers_on_lessons(client: FlaskClient) -> None:
    log_in(client, "wanjiru")
    assert client.get("/dashboard/").headers["Location"].endswith("/dashboard/complaints")
    client.post("/dashboard/logout", data={"csrf_token": token(client)})
    log_in(client, "otieno")
    assert client.get("/dashboard/").headers["Location"].endswith("/dashboard/lessons")


def test_a_trainer_cannot_see_complaints(client: FlaskClient, engine: Engine) -> None:
    ticket = complain(engine)
    log_in(client, "otieno")
    for url in ("/dashboard/complaints", f"/dashboard/complaints/{ticket}"):
        response = client.get(url)
        assert response.status_code == 403
        assert "Only staff and admins can see and answer complaints" in text_of(
            response.get_data(as_text=True)
        )
    assert audit_rows(engine, "complaint.viewed") == []


def test_staff_cannot_reach_the_audit_log_and_admins_can(
    client: FlaskClient, engine: Engine
) -> None:
    ticket = complain(engine)
    log_in(client, "wanjiru")
    assert client.get(f"/dashboard/complaints/{ticket}").status_code == 200
    refused = client.get("/dashboard/audit")
    assert refused.status_code == 403
    assert "Only admins can see the audit log" in text_of(refused.get_data(as_text=True))
    assert "Audit log" not in client.get("/dashboard/complaints").get_data(as_text=True)

    client.post("/dashboard/logout", data={"csrf_token": token(client)})
    log_in(client, "amina")
    page = client.get(f"/dashboard/audit?subject={ticket}")
    assert page.status_code == 200
    entries = re.findall(r'data-action="([^"]+)"', page.get_data(as_text=True))
    assert entries == ["complaint.viewed"]
    assert "staff wanjiru" in text_of(page.get_data(as_text=True))


def test_pages_need_a_login(client: FlaskClient, engine: Engine) -> None:
    ticket = complain(engine)
    for url in (
        "/dashboard/complaints",
        f"/dashboard/complaints/{ticket}",
        "/dashboard/complaints/export.csv",
        "/dashboard/complaints/trends",
        "/dashboard/audit",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/dashboard/login" in response.headers["Location"]


# --- the list ----------------------------------------------------------------------------


def test_the_list_puts_escalated_and_overdue_complaints_first(
    client: FlaskClient, engine: Engine
) -> None:
    ordinary = complain(engine, received=DEMO_DATE - dt.timedelta(days=1))
    late = complain(engine, received=DEMO_DATE - dt.timedelta(days=30))
    with session_scope(engine) as session:
        store.sweep(session, DEMO_DATE, NOW)  # the late one is escalated
    serious = complain(engine, Category.HARASSMENT)  # escalated on arrival
    log_in(client, "wanjiru")
    html = client.get("/dashboard/complaints").get_data(as_text=True)
    order = TICKET_LINK.findall(html)
    assert set(order[:2]) == {late, serious}
    assert order[2] == ordinary
    assert "3 complaints" in text_of(html)
    listed = audit_rows(engine, "complaint.listed")
    assert len(listed) == 1 and listed[0].actor_id == "wanjiru"
    assert sorted(listed[0].details["tickets"]) == sorted([ordinary, late, serious])


def test_filters_and_search(client: FlaskClient, engine: Engine) -> None:
    charge = complain(engine, description="The officer took 500 twice.")
    fraud = complain(engine, Category.FRAUD, description="A man asked for my PIN.")
    log_in(client, "wanjiru")

    def listed(query: str) -> list[str]:
        response = client.get(f"/dashboard/complaints?{query}")
        assert response.status_code == 200
        return TICKET_LINK.findall(response.get_data(as_text=True))

    assert listed("category=fraud") == [fraud]
    assert listed("escalated=yes") == [fraud]
    assert listed("escalated=no") == [charge]
    assert listed("text=PIN") == [fraud]
    assert listed(f"text={charge.lower()}") == [charge]
    assert listed("status=resolved") == []
    bad = client.get("/dashboard/complaints?status=lost")
    assert bad.status_code == 400
    assert "lost" in text_of(bad.get_data(as_text=True))


def test_open_handoff_requests_are_listed_and_can_be_marked_handled(
    client: FlaskClient, engine: Engine
) -> None:
    with session_scope(engine) as session:
        person = models.ChatIdentity(channel="whatsapp", channel_user_id="254700000009")
        session.add(person)
        session.flush()
        turns = [{"from": "client", "text": "I need a person please", "at": 1.0}]
        number = request_handoff(session, person, turns).id
    log_in(client, "wanjiru")
    listing = client.get("/dashboard/complaints").get_data(as_text=True)
    assert f"/dashboard/handoffs/{number}" in listing
    detail = client.get(f"/dashboard/handoffs/{number}").get_data(as_text=True)
    assert "Client: I need a person please" in text_of(detail)
    assert post(client, f"/dashboard/handoffs/{number}/close").status_code == 302
    assert f"/dashboard/handoffs/{number}" not in client.get("/dashboard/complaints").get_data(
        as_text=True
    )
    again = post(client, f"/dashboard/handoffs/{number}/close")
    assert again.status_code == 409
    with Session(engine) as session:
        handoff = session.get_one(models.HandoffRequest, number)
        assert handoff.status == "closed" and handoff.closed_at is not None
    assert [r.action for r in audit_rows(engine, "handoff.closed")] == ["handoff.closed"]


# --- one complaint -----------------------------------------------------------------------


def test_a_complaint_shows_its_client_loan_conversation_and_history(
    client: FlaskClient, engine: Engine
) -> None:
    turns = [
        {"from": "client", "text": "my balance is wrong", "at": 1.0},
        {"from": "wazi", "text": "Your balance is KES 12,000.00", "at": 2.0},
    ]
    ticket = complain(engine, phone=A_CLIENT, transcript=turns)
    log_in(client, "wanjiru")
    page = text_of(client.get(f"/dashboard/complaints/{ticket}").get_data(as_text=True))
    demo = DEMO_CLIENTS[0]
    assert f"{demo.name}, {demo.phone}" in page
    assert f"Loan {demo.loans[0].account_no}" in page
    assert "Payoff today" in page and "KES" in page
    assert "Client: my balance is wrong" in page
    assert "Wazi: Your balance is KES 12,000.00" in page
    assert "They took the fee twice at the market." in page
    (viewed,) = audit_rows(engine, "complaint.viewed")
    assert (viewed.actor_id, viewed.subject_id) == ("wanjiru", ticket)


def test_an_anonymous_complaint_hides_the_client_from_staff_not_from_admins(
    client: FlaskClient, engine: Engine
) -> None:
    turns = [{"from": "client", "text": "the officer shouted at me", "at": 1.0}]
    ticket = complain(
        engine, Category.STAFF_BEHAVIOUR, phone=A_CLIENT, anonymous=True, transcript=turns
    )
    name = DEMO_CLIENTS[0].name
    log_in(client, "wanjiru")
    staff_page = text_of(client.get(f"/dashboard/complaints/{ticket}").get_data(as_text=True))
    assert "Anonymous to the branch" in staff_page
    assert name not in staff_page and A_CLIENT not in staff_page
    assert "the officer shouted at me" not in staff_page
    assert name not in text_of(client.get("/dashboard/complaints").get_data(as_text=True))
    client.post("/dashboard/logout", data={"csrf_token": token(client)})
    log_in(client, "amina")
    admin_page = text_of(client.get(f"/dashboard/complaints/{ticket}").get_data(as_text=True))
    assert name in admin_page and "(anonymous to the branch)" in admin_page
    shown = [r.details["identity_shown"] for r in audit_rows(engine, "complaint.viewed")]
    assert shown == [False, True]


def test_unknown_ticket_is_a_404(client: FlaskClient, engine: Engine) -> None:
    log_in(client, "wanjiru")
    response = client.get("/dashboard/complaints/WZ-2026-999999")
    assert response.status_code == 404
    assert "There is no complaint WZ-2026-999999." in text_of(response.get_data(as_text=True))
    assert post(client, "/dashboard/complaints/WZ-2026-999999/reply", reply="hi").status_code == 404


def test_acknowledge_then_resolve_with_an_answer(client: FlaskClient, engine: Engine) -> None:
    ticket = complain(engine)
    log_in(client, "wanjiru")
    url = f"/dashboard/complaints/{ticket}/status"
    assert post(client, url, status="acknowledged").status_code == 302
    refused = post(client, url, status="resolved", answer="   ")
    assert refused.status_code == 400
    assert "Write the answer for the client" in text_of(refused.get_data(as_text=True))
    assert complaint_of(engine, ticket).status is Status.ACKNOWLEDGED
    done = post(client, url, status="resolved", answer="We refunded the second fee.")
    assert done.status_code == 302
    follow = client.get(done.headers["Location"]).get_data(as_text=True)
    assert f"{ticket} resolved. The answer goes to the client in the chat." in text_of(follow)
    made = complaint_of(engine, ticket)
    assert made.status is Status.RESOLVED and made.resolution == "We refunded the second fee."
    assert [(e.kind, e.status, e.actor_id) for e in made.events[1:]] == [
        ("status", "acknowledged", "wanjiru"),
        ("status", "resolved", "wanjiru"),
    ]
    changes = [
        (r.details["before"], r.details["after"]) for r in audit_rows(engine, "complaint.status")
    ]
    assert changes == [("received", "acknowledged"), ("acknowledged", "resolved")]


def test_a_change_the_rules_forbid_is_refused_and_nothing_is_written(
    client: FlaskClient, engine: Engine
) -> None:
    ticket = complain(engine)
    log_in(client, "wanjiru")
    said = {}
    for status in ("closed", "nonsense"):
        response = post(client, f"/dashboard/complaints/{ticket}/status", status=status)
        assert response.status_code == 400
        said[status] = text_of(response.get_data(as_text=True))
    assert "a received complaint cannot become closed" in said["closed"]
    assert "“nonsense” is not a complaint status." in said["nonsense"]
    made = complaint_of(engine, ticket)
    assert made.status is Status.RECEIVED and len(made.events) == 1
    assert audit_rows(engine, "complaint.status") == []


def test_staff_reopening_escalates(client: FlaskClient, engine: Engine) -> None:
    ticket = complain(engine)
    log_in(client, "wanjiru")
    url = f"/dashboard/complaints/{ticket}/status"
    post(client, url, status="resolved", answer="Refunded.")
    assert post(client, url, status="reopened").status_code == 302
    made = complaint_of(engine, ticket)
    assert made.status is Status.REOPENED
    assert made.escalation_reason == rules.REOPENED_BY_STAFF


def test_a_reply_is_kept_for_the_client_and_a_note_is_not_sent(
    client: FlaskClient, engine: Engine
) -> None:
    ticket = complain(engine)
    log_in(client, "wanjiru")
    empty = post(client, f"/dashboard/complaints/{ticket}/reply", reply="  ")
    assert empty.status_code == 400
    long = post(client, f"/dashboard/complaints/{ticket}/reply", reply="x" * 4001)
    assert long.status_code == 400
    assert "x" * 4001 in long.get_data(as_text=True)  # what was typed is kept in the box
    assert (
        post(client, f"/dashboard/complaints/{ticket}/reply", reply="We are checking.").status_code
        == 302
    )
    assert (
        post(client, f"/dashboard/complaints/{ticket}/note", note="Called the branch.").status_code
        == 302
    )
    made = complaint_of(engine, ticket)
    assert [(e.kind, e.text, e.delivered_at) for e in made.events[1:]] == [
        ("reply", "We are checking.", None),
        ("note", "Called the branch.", None),
    ]
    assert [r.subject_id for r in audit_rows(engine, "complaint.reply")] == [ticket]
    assert [r.subject_id for r in audit_rows(engine, "complaint.note")] == [ticket]


def test_assignment(client: FlaskClient, engine: Engine) -> None:
    ticket = complain(engine)
    log_in(client, "wanjiru")
    url = f"/dashboard/complaints/{ticket}/assign"
    refused = post(client, url, assignee="otieno")  # a trainer does not handle complaints
    assert refused.status_code == 400
    assert post(client, url, assignee="amina").status_code == 302
    with Session(engine) as session:
        made = session.scalars(
            select(models.Complaint).where(models.Complaint.ticket_no == ticket)
        ).one()
        assert made.assigned_to is not None and made.assigned_to.username == "amina"
        assert made.events[-1].kind == "assigned" and made.events[-1].details["to"] == "amina"
    assert post(client, url, assignee="").status_code == 302
    assert complaint_of(engine, ticket).assigned_to_id is None
    assert [r.details["to"] for r in audit_rows(engine, "complaint.assigned")] == ["amina", None]


def test_a_post_without_the_csrf_token_changes_nothing(client: FlaskClient, engine: Engine) -> None:
    ticket = complain(engine)
    log_in(client, "wanjiru")
    for data in ({}, {"csrf_token": "forged"}):
        response = client.post(
            f"/dashboard/complaints/{ticket}/status",
            data={"status": "acknowledged", **data},
        )
        assert response.status_code == 400
        assert "did not come from this dashboard" in text_of(response.get_data(as_text=True))
    assert complaint_of(engine, ticket).status is Status.RECEIVED


# --- export and trends -------------------------------------------------------------------


def test_csv_export_of_a_date_range(client: FlaskClient, engine: Engine) -> None:
    inside = complain(
        engine, received=dt.date(2026, 11, 3), description="First 500.\nThen 500 again."
    )
    complain(engine, received=dt.date(2026, 10, 30))
    log_in(client, "wanjiru")
    response = client.get("/dashboard/complaints/export.csv?start=2026-11-01&end=2026-11-30")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "wazi-complaints-2026-11-01-to-2026-11-30.csv" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["ticket"], r["description"]) for r in rows] == [
        (inside, "First 500.\nThen 500 again.")
    ]
    (exported,) = audit_rows(engine, "complaint.exported")
    assert exported.details == {"start": "2026-11-01", "end": "2026-11-30", "rows": 1}
    for query in ("start=1st+November", "start=2026-11-30&end=2026-11-01"):
        bad = client.get(f"/dashboard/complaints/export.csv?{query}")
        assert bad.status_code == 400
    assert "before it starts" in text_of(bad.get_data(as_text=True))


def test_trends_page_and_chart(client: FlaskClient, engine: Engine) -> None:
    complain(engine, received=dt.date(2026, 10, 5))
    complain(engine, Category.FRAUD, received=dt.date(2026, 11, 5))
    log_in(client, "wanjiru")
    page = client.get("/dashboard/complaints/trends?start=2026-10-01&end=2026-11-30")
    assert page.status_code == 200
    words = text_of(page.get_data(as_text=True))
    assert "2 complaints received from 2026-10-01 to 2026-11-30" in words
    assert "none resolved in this period" in words
    src = re.search(r'<img class="chart" src="([^"]+)"', page.get_data(as_text=True)).group(1)
    chart = client.get(src.replace("&amp;", "&"))
    assert chart.status_code == 200 and chart.mimetype == "image/png"
    assert chart.data.startswith(b"\x89PNG")
    assert client.get("/dashboard/complaints/trends?end=soon").status_code == 400
