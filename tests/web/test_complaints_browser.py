"""The complaints dashboard in a real headless Chromium at phone width, served over HTTP on the
demo data in a migrated SQLite database: log in (and fail to), filter, open a complaint, reply,
resolve, export CSV, see the trends chart; staff cannot reach admin pages; a form sent without
its CSRF token is refused."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.complaints import store
from bot.complaints.rules import Category, Policy, Status
from bot.db import models
from bot.db.session import session_scope
from bot.demo import seed
from bot.web.dashboard.db import engine_of
from tests.web.conftest import DEMO_DATE, STAFF_PASSWORD, add_staff

pytestmark = pytest.mark.browser

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
CHARGE = "The officer took the 500 fee twice on Monday."
FRAUD = "Someone called and asked for my PIN, saying he was from the bank."


@pytest.fixture
def dashboard(live_dashboard: tuple[str, Any]) -> tuple[str, Any, dict[str, str]]:
    """The live dashboard with the demo data, a staff user, an admin and two complaints."""
    base, app = live_dashboard
    engine = engine_of(app)
    with session_scope(engine) as session:
        seed(session, DEMO_DATE)
    add_staff(engine, "wanjiru", models.StaffRole.STAFF)
    add_staff(engine, "amina", models.StaffRole.ADMIN)
    tickets = {}
    with session_scope(engine) as session:
        for n, (category, text) in enumerate(
            [(Category.WRONG_CHARGE, CHARGE), (Category.FRAUD, FRAUD)]
        ):
            person = models.ChatIdentity(channel="rest", channel_user_id=f"browser-chat-{n}")
            session.add(person)
            session.flush()
            complaint = store.receive(
                session,
                person,
                category,
                text,
                anonymous=False,
                loan=None,
                locale="sw",
                today=DEMO_DATE,
                now=NOW,
                policy=Policy(),
            )
            tickets[category.value] = str(complaint.ticket_no)
    return base, app, tickets


def fits_the_phone(page: Page) -> None:
    """Nothing wider than the 390 px phone screen: no sideways scrolling."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def log_in(page: Page, base: str, username: str, password: str = STAFF_PASSWORD) -> None:
    page.goto(f"{base}/dashboard/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_a_wrong_password_is_refused(page: Page, dashboard) -> None:
    base, _app, _tickets = dashboard
    log_in(page, base, "wanjiru", "not the password")
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    expect(page.get_by_label("Username")).to_have_value("wanjiru")
    page.goto(f"{base}/dashboard/complaints")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_staff_filter_open_reply_and_resolve_a_complaint(page: Page, dashboard) -> None:
    base, app, tickets = dashboard
    log_in(page, base, "wanjiru")
    expect(page.get_by_role("heading", name="Complaints")).to_be_visible()
    rows = page.locator(".complaint-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-ticket", tickets["fraud"])  # escalated first
    fits_the_phone(page)

    page.get_by_text("Filter and search").click()
    page.get_by_label("Category").select_option("wrong_charge")
    page.get_by_role("button", name="Show").click()
    expect(rows).to_have_count(1)
    page.get_by_label("Category").select_option("")
    page.get_by_label("Search").fill("PIN")
    page.get_by_role("button", name="Show").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-ticket", tickets["fraud"])
    page.get_by_role("link", name="Clear").click()
    expect(rows).to_have_count(2)

    ticket = tickets["wrong_charge"]
    page.get_by_role("link", name=ticket).click()
    expect(page.get_by_role("heading", name=ticket)).to_be_visible()
    expect(page.get_by_text(CHARGE)).to_be_visible()
    fits_the_phone(page)

    page.get_by_label("Reply to the client").fill("We are checking the payments with the branch.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("status")).to_have_text(
        "Reply saved. It goes to the client in the rest chat."
    )
    expect(page.locator(".event-reply .quote")).to_have_text(
        "We are checking the payments with the branch."
    )

    page.get_by_role("button", name="Resolve").click()  # without an answer: refused
    expect(page.get_by_role("alert")).to_contain_text("Write the answer for the client")
    page.get_by_label("Answer for the client").fill("We refunded the second fee.")
    page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_role("status")).to_have_text(
        f"{ticket} resolved. The answer goes to the client in the chat."
    )
    expect(page.locator("#status")).to_have_text("Resolved")

    with Session(engine_of(app)) as session:
        made = session.scalars(
            select(models.Complaint).where(models.Complaint.ticket_no == ticket)
        ).one()
        assert made.status is Status.RESOLVED
        assert made.resolution == "We refunded the second fee."
        assert [e.kind for e in made.events] == ["received", "reply", "status"]


def test_export_csv_and_the_trends_chart(page: Page, dashboard) -> None:
    base, _app, tickets = dashboard
    log_in(page, base, "wanjiru")
    page.get_by_label("Received from").fill("2026-11-01")
    page.get_by_label("Received until").fill("2026-11-30")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export CSV").click()
    download = download_info.value
    assert download.suggested_filename == "wazi-complaints-2026-11-01-to-2026-11-30.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert sorted(r["ticket"] for r in rows) == sorted(tickets.values())

    page.get_by_role("link", name="Trends").first.click()
    expect(page.get_by_role("heading", name="Complaint trends")).to_be_visible()
    chart = page.get_by_role("img", name="Complaints per month by category")
    expect(chart).to_be_visible()
    src = chart.get_attribute("src")
    assert src is not None
    png = page.request.get(f"{base}{src}")
    assert png.status == 200, png.text()
    chart.evaluate("img => img.decode()")  # fails unless the PNG loaded and decoded
    assert chart.evaluate("img => img.naturalWidth") == 800
    fits_the_phone(page)  # the chart scales down to the screen


def test_staff_cannot_reach_admin_pages_and_admins_can(page: Page, dashboard) -> None:
    base, _app, _tickets = dashboard
    log_in(page, base, "wanjiru")
    expect(page.get_by_role("link", name="Audit log")).to_have_count(0)
    response = page.goto(f"{base}/dashboard/audit")
    assert response is not None and response.status == 403
    expect(page.get_by_role("alert")).to_contain_text("Only admins can see the audit log")

    page.get_by_role("button", name="Log out").click()
    log_in(page, base, "amina")
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    expect(page.locator(".audit-entry[data-action='staff.login']").first).to_contain_text(
        "staff amina"
    )


def test_a_form_without_its_csrf_token_is_refused(page: Page, dashboard) -> None:
    base, app, tickets = dashboard
    ticket = tickets["wrong_charge"]
    log_in(page, base, "wanjiru")
    page.goto(f"{base}/dashboard/complaints/{ticket}")
    page.get_by_label("Note for staff").fill("Called the branch manager.")
    page.locator("form[action$='/note'] input[name='csrf_token']").evaluate("e => e.remove()")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_role("alert")).to_contain_text("did not come from this dashboard")
    with Session(engine_of(app)) as session:
        made = session.scalars(
            select(models.Complaint).where(models.Complaint.ticket_no == ticket)
        ).one()
        assert [e.kind for e in made.events] == ["received"]
