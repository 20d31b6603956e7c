"""Clients for staff and admins: find a client by loan account or phone number, see their loans
and their linking code, issue a new code and print the loan card.

A linking code (``bot.link_codes``) is shown once: on the page that answers "Issue a new
linking code", which is also the printable loan card. Only its hash is stored, so the card
printed later (``/clients/<id>/card``) has a box for the code instead. Every view, search and
code issued is an audit row; a code never is.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from babel import Locale
from flask import Response, current_app, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import link_codes, pins
from bot import settings as wazi_settings
from bot.db import models
from bot.i18n import money
from bot.identity import phone_candidates
from bot.web.dashboard.auth import COMPLAINT_ROLES, audit, current_user, requires
from bot.web.dashboard.blueprint import bp, error_page
from bot.web.dashboard.db import db
from bot.web.dashboard.loan_card import card_for

logger = logging.getLogger(__name__)

clients_access = requires(COMPLAINT_ROLES, "clients and issue linking codes")
MAX_QUERY = 64
MAX_RESULTS = 50
STATE_LABELS = {
    link_codes.State.WAITING: "Not used yet",
    link_codes.State.USED: "Used",
    link_codes.State.EXPIRED: "Expired, not used",
    link_codes.State.VOIDED: "Replaced by a newer code",
}


@dataclasses.dataclass(frozen=True)
class LoanLine:
    account_no: str
    principal: str
    disbursed: dt.date
    status: str


@dataclasses.dataclass(frozen=True)
class CodeLine:
    """The client's newest linking code, as staff see it (never the code itself)."""

    issued_at: dt.datetime
    issued_by: str
    expires_at: dt.datetime
    state: str
    used_at: dt.datetime | None


def _username() -> str:
    user = current_user()
    assert user is not None  # clients_access let the request in
    return user.username


def _regions() -> tuple[str, ...]:
    regions = current_app.config.get("PHONE_REGIONS")
    return tuple(regions) if regions else wazi_settings.load().phone_regions


def _link_code_asked() -> bool:
    """Whether the identity check asks for the code (``WAZI_VERIFY_LINK_CODE``)."""
    return bool(current_app.config.get("VERIFY_LINK_CODE"))


def find(session: Session, query: str, regions: tuple[str, ...]) -> list[models.Client]:
    """Clients with this loan account number (any case) or phone number."""
    matches = select(models.Loan.client_id).where(
        func.upper(models.Loan.account_no) == query.strip().upper()
    )
    condition = models.Client.id.in_(matches)
    phones = phone_candidates(query, regions)
    if phones:
        condition = condition | models.Client.phone.in_(phones)
    return list(
        session.scalars(
            select(models.Client).where(condition).order_by(models.Client.name).limit(MAX_RESULTS)
        )
    )


def _loans(client: models.Client) -> list[LoanLine]:
    english = Locale("en")
    return [
        LoanLine(
            loan.account_no,
            money(loan.principal, loan.currency, english),
            loan.disbursement_date,
            loan.status.value.replace("_", " "),
        )
        for loan in client.loans
    ]


def _code_line(session: Session, client: models.Client, now: dt.datetime) -> CodeLine | None:
    code = link_codes.newest(session, client.id)
    if code is None:
        return None
    return CodeLine(
        code.issued_at,
        code.issued_by,
        code.expires_at,
        STATE_LABELS[link_codes.state(code, now)],
        code.used_at,
    )


def _not_found(client_id: int) -> tuple[str, int]:
    return error_page(404, "No such client", f"There is no client {client_id}.")


@bp.get("/clients")
@clients_access
def client_search() -> str:
    session = db()
    query = request.args.get("q", "").strip()[:MAX_QUERY]
    found = find(session, query, _regions()) if query else []
    if query:  # the query is a phone number or an account: not kept in the audit log
        audit(session, _username(), "client.searched", "client", None, count=len(found))
        session.commit()
    return render_template("dashboard/clients.html", query=query, found=found)


@bp.get("/clients/<int:client_id>")
@clients_access
def client_detail(client_id: int) -> str | tuple[str, int]:
    session = db()
    client = session.get(models.Client, client_id)
    if client is None:
        return _not_found(client_id)
    audit(session, _username(), "client.viewed", "client", str(client_id))
    session.commit()
    return render_template(
        "dashboard/client.html",
        client=client,
        loans=_loans(client),
        code=_code_line(session, client, models.utcnow()),
        asked=_link_code_asked(),
        valid_days=link_codes.VALID_DAYS,
    )


@bp.post("/clients/<int:client_id>/link-code")
@clients_access
def client_issue_code(client_id: int) -> tuple[str, int, dict[str, str]] | tuple[str, int]:
    session = db()
    client = session.get(models.Client, client_id)
    if client is None:
        return _not_found(client_id)
    code = link_codes.issue(session, client, _username(), models.utcnow())
    issued = link_codes.newest(session, client.id)
    assert issued is not None  # just issued
    session.commit()
    page = render_template(
        "dashboard/loan_card.html",
        client=client,
        card=card_for(client, issued.expires_at.date()),
        code=code,
    )
    # The only copy of the code: no browser or proxy may keep it.
    return page, 200, {"Cache-Control": "no-store"}


@bp.post("/clients/<int:client_id>/pin/remove")
@clients_access
def client_remove_pin(client_id: int) -> Response | tuple[str, int]:
    """The client forgot their PIN (or the phone is no longer shared): remove it."""
    session = db()
    client = session.get(models.Client, client_id)
    if client is None:
        return _not_found(client_id)
    pins.remove_pin(session, client, _username(), models.utcnow())
    session.commit()
    return redirect(url_for("dashboard.client_detail", client_id=client_id))


@bp.get("/clients/<int:client_id>/card")
@clients_access
def client_card(client_id: int) -> str | tuple[str, int]:
    session = db()
    client = session.get(models.Client, client_id)
    if client is None:
        return _not_found(client_id)
    audit(session, _username(), "client.card_viewed", "client", str(client_id))
    session.commit()
    return render_template(
        "dashboard/loan_card.html", client=client, card=card_for(client), code=None
    )
