"""The complaints pages for staff and admins: the list (escalated and overdue first, filters,
search, the open handoff requests), a complaint with its conversation, loan, history, notes,
assignment, status changes and the reply box, the CSV export and the trends page.

Every page that shows a complaint and every change is an audit row (``complaint.*``); what a
change does to the complaint lives in ``bot.complaints.store``, the queries in
``bot.complaints.report``. A complaint whose client asked to stay anonymous to the branch shows
who they are to admins (head office) only.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import logging
from collections.abc import Callable, Mapping
from typing import Any

from babel import Locale
from flask import Response as FlaskResponse
from flask import current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from bot.complaints import report, rules, store
from bot.complaints.rules import CATEGORY_LABELS, Status
from bot.db import models
from bot.i18n import money
from bot.loan_source import LoanSource, LoanSourceUnavailable
from bot.web.dashboard.auth import audit, complaints_access, current_user
from bot.web.dashboard.blueprint import LANGUAGE_NAMES, bp, error_page
from bot.web.dashboard.db import db, loans

logger = logging.getLogger(__name__)

MAX_TEXT = 4000  # characters of a reply, note or answer
TRENDS_MONTHS = 12
STATUS_LABELS = {
    Status.RECEIVED: "Received",
    Status.ACKNOWLEDGED: "Acknowledged",
    Status.IN_PROGRESS: "In progress",
    Status.RESOLVED: "Resolved",
    Status.CLOSED: "Closed",
    Status.REOPENED: "Reopened",
}
# The button that moves a complaint to a status (resolving has its own form, with the answer).
STATUS_ACTIONS = {
    Status.ACKNOWLEDGED: "Acknowledge",
    Status.IN_PROGRESS: "Start work",
    Status.CLOSED: "Close",
    Status.REOPENED: "Reopen",
}
DEADLINE_FILTERS = {
    "": "Any deadline",
    "overdue": "Overdue",
    "due_soon": "Due within 3 days",
    "on_time": "On time",
}
EVENT_LABELS = {
    "received": "Received",
    "status": "Status",
    "escalated": "Escalated",
    "reply": "Reply to the client",
    "note": "Staff note",
    "assigned": "Assigned",
    "regulator_notice": "Told of the right to go to the regulator",
}


def today() -> dt.date:
    """The dashboard's today: ``WAZI_TODAY`` when set, so demos and tests move deadlines."""
    override: dt.date | None = current_app.config.get("TODAY_OVERRIDE")
    return override or dt.date.today()


def _user() -> models.StaffUser:
    user = current_user()
    assert user is not None  # complaints_access let the request in
    return user


def _actor() -> store.Actor:
    return store.Actor("staff", _user().username)


def _sees_who(complaint: models.Complaint) -> bool:
    """Whether this user may see who made the complaint (anonymous ones: admins only)."""
    return not complaint.anonymous or _user().role is models.StaffRole.ADMIN


def _by_ticket(session: Session, ticket: str) -> models.Complaint | None:
    return session.scalars(
        select(models.Complaint).where(models.Complaint.ticket_no == ticket)
    ).one_or_none()


def _not_found(ticket: str) -> tuple[str, int]:
    return error_page(404, "No such complaint", f"There is no complaint {ticket}.")


def _staff_choices(session: Session) -> list[models.StaffUser]:
    return list(
        session.scalars(
            select(models.StaffUser)
            .where(
                models.StaffUser.active.is_(True),
                models.StaffUser.role.in_([models.StaffRole.STAFF, models.StaffRole.ADMIN]),
            )
            .order_by(models.StaffUser.display_name)
        )
    )


def _branches(session: Session) -> list[models.Branch]:
    return list(session.scalars(select(models.Branch).order_by(models.Branch.name)))


def _filters_used(filters: report.Filters) -> dict[str, Any]:
    """The filters as an audit row keeps them (only those set)."""
    used = {k: v for k, v in dataclasses.asdict(filters).items() if v not in (None, "", False)}
    return {k: str(v) for k, v in used.items()}


# --- the list -----------------------------------------------------------------------------


@bp.get("/complaints")
@complaints_access
def complaint_list() -> str | tuple[str, int]:
    session = db()
    now_day = today()
    args = request.args.to_dict()
    try:
        filters = report.Filters.from_args(args)
    except ValueError as exc:
        return error_page(400, "Filter not understood", str(exc))
    found = report.find(session, filters, now_day)
    rows = [
        {
            "complaint": c,
            "overdue": report.is_overdue(c, now_day),
            "who": _who_line(c),
        }
        for c in found
    ]
    handoffs = list(
        session.scalars(
            select(models.HandoffRequest)
            .where(models.HandoffRequest.status == "open")
            .order_by(models.HandoffRequest.created_at)
        )
    )
    audit(
        session,
        _user().username,
        "complaint.listed",
        "complaint",
        None,
        filters=_filters_used(filters),
        tickets=[c.ticket_no for c in found][:50],
        count=len(found),
    )
    session.commit()
    return render_template(
        "dashboard/complaints.html",
        rows=rows,
        args=args,
        handoffs=handoffs,
        statuses=STATUS_LABELS,
        categories=CATEGORY_LABELS,
        deadlines=DEADLINE_FILTERS,
        branches=_branches(session),
        today=now_day,
        export_start=(now_day.replace(day=1) - dt.timedelta(days=1)).replace(day=1),
    )


def _who_line(complaint: models.Complaint) -> str:
    if not _sees_who(complaint):
        return "Anonymous to the branch"
    client = complaint.client
    if client is None:
        return f"Unverified {complaint.channel} chat"
    return client.name


# --- one complaint ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class LoanSummary:
    account_no: str
    terms: str
    principal: str
    disbursed: dt.date
    installments: int
    paid: str
    outstanding_principal: str
    next_due: str
    overdue_installments: int
    payoff_today: str


LOAN_UNAVAILABLE = "Loan figures are not available right now (Fineract unreachable)"


def loan_summary(
    session: Session, client_id: int, account_no: str, on: dt.date, source: LoanSource
) -> LoanSummary | None:
    """What staff need to see of the loan a complaint is about, as the loan source has it
    ``on``; None when it is not among the client's active loans. Raises
    ``LoanSourceUnavailable`` when the loan source cannot answer."""
    view = source.client_loans(session, client_id, on).find(account_no)
    if view is None:
        return None
    terms = view.schedule.terms
    english = Locale("en")

    def fmt(amount: Any) -> str:
        return money(amount, view.currency, english)

    standing = view.standing
    next_due = standing.next_due
    return LoanSummary(
        view.account_no,
        f"{terms.interest_method.value.replace('_', ' ')}, {terms.rate}% a "
        f"{terms.rate_period.value}, {terms.frequency.value} installments",
        fmt(terms.principal),
        terms.disbursement_date,
        terms.installments,
        fmt(standing.paid_total),
        fmt(standing.outstanding_principal),
        (
            f"{fmt(next_due.remaining)} on {next_due.due_date.isoformat()}"
            if next_due is not None
            else "nothing more"
        ),
        len(standing.overdue),
        fmt(standing.payoff.amount),
    )


def _conversation(complaint: models.Complaint) -> list[dict[str, Any]]:
    """The chat before the complaint, as the action kept it with the received event."""
    for event in complaint.events:
        if event.kind == "received":
            turns = (event.details or {}).get("transcript") or []
            return [t for t in turns if isinstance(t, dict)]
    return []


def _detail_page(complaint: models.Complaint, status: int = 200, **extra: Any) -> tuple[str, int]:
    session = db()
    now_day = today()
    sees_who = _sees_who(complaint)
    loan = None
    loan_note = None
    if sees_who and complaint.loan_account and complaint.client_id is not None:
        try:
            loan = loan_summary(
                session, complaint.client_id, complaint.loan_account, now_day, loans()
            )
        except LoanSourceUnavailable as exc:
            logger.warning("complaint %s: loan figures unavailable: %s", complaint.ticket_no, exc)
            loan_note = LOAN_UNAVAILABLE
        else:
            if loan is None:
                loan_note = f"Loan {complaint.loan_account} is no longer active."
    staff = _staff_choices(session)
    page = render_template(
        "dashboard/complaint.html",
        c=complaint,
        sees_who=sees_who,
        loan=loan,
        loan_note=loan_note,
        overdue=report.is_overdue(complaint, now_day),
        conversation=_conversation(complaint) if sees_who else [],
        statuses=STATUS_LABELS,
        category=CATEGORY_LABELS[complaint.category],
        next_statuses=[
            (s, STATUS_ACTIONS[s])
            for s in STATUS_ACTIONS
            if s in rules.TRANSITIONS[complaint.status]
        ],
        can_resolve=Status.RESOLVED in rules.TRANSITIONS[complaint.status],
        staff=staff,
        staff_names={u.username: u.display_name for u in staff},
        event_labels=EVENT_LABELS,
        language=LANGUAGE_NAMES.get(complaint.locale.split("_")[0], complaint.locale),
        max_text=MAX_TEXT,
        **extra,
    )
    return page, status


@bp.get("/complaints/<ticket>")
@complaints_access
def complaint_detail(ticket: str) -> tuple[str, int]:
    session = db()
    complaint = _by_ticket(session, ticket)
    if complaint is None:
        return _not_found(ticket)
    audit(
        session,
        _user().username,
        "complaint.viewed",
        "complaint",
        ticket,
        identity_shown=_sees_who(complaint),
    )
    session.commit()
    return _detail_page(complaint)


def _text(field: str) -> str:
    return request.form.get(field, "").strip()


def _refuse(complaint: models.Complaint, message: str, **kept: str) -> tuple[str, int]:
    """The complaint's page again with what went wrong and what was typed, nothing saved."""
    db().rollback()
    return _detail_page(complaint, 400, error=message, kept=kept)


def _too_long(text: str) -> bool:
    return len(text) > MAX_TEXT


@bp.post("/complaints/<ticket>/status")
@complaints_access
def complaint_status(ticket: str) -> tuple[str, int] | Response:
    session = db()
    complaint = _by_ticket(session, ticket)
    if complaint is None:
        return _not_found(ticket)
    wanted_raw = request.form.get("status", "")
    answer = _text("answer")
    try:
        wanted = Status(wanted_raw)
    except ValueError:
        return _refuse(complaint, f"“{wanted_raw}” is not a complaint status.")
    if wanted is Status.RESOLVED and not answer:
        return _refuse(
            complaint,
            "Write the answer for the client before resolving: it is sent to them.",
            answer=answer,
        )
    if _too_long(answer):
        return _refuse(
            complaint, f"The answer is too long: at most {MAX_TEXT} characters.", answer=answer
        )
    before = complaint.status
    now = models.utcnow()
    try:
        store.change_status(complaint, wanted, _actor(), now, answer or None)
    except rules.TransitionError as exc:
        return _refuse(complaint, f"Not changed: {exc}.", answer=answer)
    if wanted is Status.REOPENED:
        complaint.escalated_at = None  # a reopened complaint is escalated anew
        store.escalate(complaint, rules.REOPENED_BY_STAFF, _actor(), now)
    audit(
        session,
        _user().username,
        "complaint.status",
        "complaint",
        ticket,
        before=before.value,
        after=wanted.value,
    )
    session.commit()
    if wanted is Status.RESOLVED:
        flash(f"{ticket} resolved. The answer goes to the client in the chat.")
    else:
        flash(f"{ticket} is now {STATUS_LABELS[wanted].lower()}.")
    return redirect(url_for("dashboard.complaint_detail", ticket=ticket))


def _save_text(
    ticket: str,
    field: str,
    empty: str,
    write: Callable[[models.Complaint, store.Actor, str, dt.datetime], object],
    done: Callable[[models.Complaint], str],
) -> tuple[str, int] | Response:
    """A reply or a note: checked, written with its audit row, or refused with the text kept."""
    session = db()
    complaint = _by_ticket(session, ticket)
    if complaint is None:
        return _not_found(ticket)
    text = _text(field)
    if not text:
        return _refuse(complaint, empty)
    if _too_long(text):
        message = f"The {field} is too long: at most {MAX_TEXT} characters."
        return _refuse(complaint, message, **{field: text})
    write(complaint, _actor(), text, models.utcnow())
    audit(session, _user().username, f"complaint.{field}", "complaint", ticket, length=len(text))
    session.commit()
    flash(done(complaint))
    return redirect(url_for("dashboard.complaint_detail", ticket=ticket))


@bp.post("/complaints/<ticket>/reply")
@complaints_access
def complaint_reply(ticket: str) -> tuple[str, int] | Response:
    return _save_text(
        ticket,
        "reply",
        "The reply is empty: write what the client should read.",
        store.reply,
        lambda c: f"Reply saved. It goes to the client in the {c.channel} chat.",
    )


@bp.post("/complaints/<ticket>/note")
@complaints_access
def complaint_note(ticket: str) -> tuple[str, int] | Response:
    return _save_text(
        ticket,
        "note",
        "The note is empty.",
        store.note,
        lambda _c: "Note added. Only staff see it.",
    )


@bp.post("/complaints/<ticket>/assign")
@complaints_access
def complaint_assign(ticket: str) -> tuple[str, int] | Response:
    session = db()
    complaint = _by_ticket(session, ticket)
    if complaint is None:
        return _not_found(ticket)
    username = request.form.get("assignee", "")
    assignee = None
    if username:
        assignee = next((u for u in _staff_choices(session) if u.username == username), None)
        if assignee is None:
            return _refuse(complaint, f"“{username}” is not an active staff user or admin.")
    store.assign(complaint, assignee, _actor(), models.utcnow())
    audit(
        session,
        _user().username,
        "complaint.assigned",
        "complaint",
        ticket,
        to=assignee.username if assignee else None,
    )
    session.commit()
    flash(f"Assigned to {assignee.display_name}." if assignee else "No one is assigned now.")
    return redirect(url_for("dashboard.complaint_detail", ticket=ticket))


# --- export and trends --------------------------------------------------------------------


def _date_range(args: Mapping[str, str], default_start: dt.date) -> tuple[dt.date, dt.date]:
    """``start`` and ``end`` (ISO dates, both included); ValueError with a message."""
    try:
        start = dt.date.fromisoformat(args["start"]) if args.get("start") else default_start
        end = dt.date.fromisoformat(args["end"]) if args.get("end") else today()
    except ValueError as exc:
        raise ValueError("Dates must be written as YYYY-MM-DD, for example 2026-11-01.") from exc
    if end < start:
        raise ValueError(f"The range ends ({end}) before it starts ({start}).")
    return start, end


@bp.get("/complaints/export.csv")
@complaints_access
def complaint_export() -> FlaskResponse | tuple[str, int]:
    try:
        start, end = _date_range(request.args, today().replace(day=1))
    except ValueError as exc:
        return error_page(400, "Export not made", str(exc))
    session = db()
    text = report.csv_export(session, start, end)
    rows = max(0, sum(1 for _ in csv.reader(io.StringIO(text))) - 1)  # a cell may hold lines
    audit(
        session,
        _user().username,
        "complaint.exported",
        "complaint",
        None,
        start=start.isoformat(),
        end=end.isoformat(),
        rows=rows,
    )
    session.commit()
    name = f"wazi-complaints-{start.isoformat()}-to-{end.isoformat()}.csv"
    return FlaskResponse(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _trends_start() -> dt.date:
    first = today().replace(day=1)
    year, month = first.year, first.month - (TRENDS_MONTHS - 1)
    while month < 1:
        year, month = year - 1, month + 12
    return dt.date(year, month, 1)


@bp.get("/complaints/trends")
@complaints_access
def complaint_trends() -> str | tuple[str, int]:
    try:
        start, end = _date_range(request.args, _trends_start())
    except ValueError as exc:
        return error_page(400, "Trends not shown", str(exc))
    session = db()
    found = report.trends(session, start, end)
    audit(
        session,
        _user().username,
        "complaint.trends",
        "complaint",
        None,
        start=start.isoformat(),
        end=end.isoformat(),
    )
    session.commit()
    return render_template(
        "dashboard/trends.html",
        trends=found,
        start=start,
        end=end,
        categories=CATEGORY_LABELS,
    )


@bp.get("/complaints/trends.png")
@complaints_access
def complaint_trends_chart() -> FlaskResponse | tuple[str, int]:
    try:
        start, end = _date_range(request.args, _trends_start())
    except ValueError as exc:
        return error_page(400, "Chart not drawn", str(exc))
    png = report.trends_chart(report.trends(db(), start, end))
    return FlaskResponse(png, mimetype="image/png", headers={"Cache-Control": "no-store"})
