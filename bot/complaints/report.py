"""Complaints for the staff dashboard: the filtered list, header counts, the CSV export and the
trends (with their chart). Pure queries and rendering, no web framework.

"Today" is a parameter, as in ``bot.complaints.rules``: a complaint is overdue when, on
``today``, it is open and has missed its acknowledge or resolve deadline (``rules.overdue``).
The queries below say the same thing in SQL, portable between SQLite and PostgreSQL; dates
are compared as dates, and anything dialect-specific (months, date parts of timestamps) is
computed in Python over one query.

A complaint made anonymously is never found by its client's name or phone, and the export
holds no client name or phone at all.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import logging
import math
import re
from collections import Counter
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal, cast, get_args

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from sqlalchemy import ColumnElement, Select, and_, case, func, not_, or_, select
from sqlalchemy.orm import Session, selectinload

from bot.complaints import rules, store
from bot.complaints.rules import CATEGORY_LABELS, Category, Status
from bot.db import models

logger = logging.getLogger(__name__)

Deadline = Literal["overdue", "due_soon", "on_time"]
DEADLINES: tuple[str, ...] = get_args(Deadline)
DUE_SOON_DAYS = 3  # "due soon": the resolve deadline is at most this many days away
NO_BRANCH = "No branch"

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
_PHONE_LIKE = re.compile(r"\+?\d{3,}")
_PHONE_PUNCTUATION = re.compile(r"[\s\-().]")
# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

C = models.Complaint


# --- filters ------------------------------------------------------------------------------


def _choice(name: str, value: str, enum: type[Status] | type[Category]) -> Any:
    try:
        return enum(value)
    except ValueError:
        choices = ", ".join(member.value for member in enum)
        raise ValueError(f"Unknown {name} {value!r}: use one of {choices}.") from None


def _flag(name: str, value: str) -> bool:
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"{name} must be yes or no, not {value!r}.")


@dataclasses.dataclass(frozen=True)
class Filters:
    """What the staff list shows; every field left at its default shows everything.

    ``deadline`` looks at open complaints only and splits them in three: "overdue" (a deadline
    missed, as ``rules.overdue`` says), "due_soon" (not overdue, resolve deadline within
    ``DUE_SOON_DAYS`` days of today) and "on_time" (the others). ``text`` finds a ticket number
    (as a client writes it, or any part of it), words of the description, or a client's name
    or phone (not for anonymous complaints), ignoring case.
    """

    status: Status | None = None
    category: Category | None = None
    branch_id: int | None = None
    escalated: bool | None = None
    deadline: Deadline | None = None
    text: str = ""
    open_only: bool = False

    def __post_init__(self) -> None:
        if self.deadline is not None and self.deadline not in DEADLINES:
            raise ValueError(
                f"Unknown deadline {self.deadline!r}: use one of {', '.join(DEADLINES)}."
            )

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        """The filters from a query string (keys named as the fields; an empty value or a
        missing key means "any"; other keys are ignored). ValueError says what is wrong."""

        def given(key: str) -> str | None:
            value = args.get(key)
            return value.strip() if value is not None and value.strip() else None

        status = given("status")
        category = given("category")
        branch = given("branch_id")
        escalated = given("escalated")
        deadline = given("deadline")
        open_only = given("open_only")
        branch_id = None
        if branch is not None:
            if not branch.isdigit() or int(branch) < 1:
                raise ValueError(f"branch_id must be a branch's number, not {branch!r}.")
            branch_id = int(branch)
        if deadline is not None and deadline not in DEADLINES:
            raise ValueError(f"Unknown deadline {deadline!r}: use one of {', '.join(DEADLINES)}.")
        return cls(
            status=_choice("status", status, Status) if status is not None else None,
            category=_choice("category", category, Category) if category is not None else None,
            branch_id=branch_id,
            escalated=_flag("escalated", escalated) if escalated is not None else None,
            deadline=cast(Deadline | None, deadline),  # checked against DEADLINES above
            text=given("text") or "",
            open_only=_flag("open_only", open_only) if open_only is not None else False,
        )


# --- the deadline rules in SQL ------------------------------------------------------------


def _open() -> ColumnElement[bool]:
    return C.status.in_(sorted(rules.OPEN_STATUSES))


def _missed(today: dt.date) -> ColumnElement[bool]:
    """A deadline missed on ``today`` (``rules.overdue`` without the open check)."""
    return or_(and_(C.acknowledged_at.is_(None), C.acknowledge_by < today), C.resolve_by < today)


def _overdue(today: dt.date) -> ColumnElement[bool]:
    return and_(_open(), _missed(today))


def _deadline(deadline: Deadline, today: dt.date) -> ColumnElement[bool]:
    if deadline == "overdue":
        return _overdue(today)
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    if deadline == "due_soon":
        return and_(_open(), not_(_missed(today)), C.resolve_by <= soon)
    return and_(_open(), not_(_missed(today)), C.resolve_by > soon)


def _search(text: str) -> ColumnElement[bool]:
    matches = [
        C.ticket_no.icontains(text, autoescape=True),
        C.description.icontains(text, autoescape=True),
    ]
    ticket = rules.parse_ticket(text)
    if ticket is not None:
        matches.append(C.ticket_no == ticket)
    who = [models.Client.name.icontains(text, autoescape=True)]
    digits = _PHONE_PUNCTUATION.sub("", text)
    if _PHONE_LIKE.fullmatch(digits):
        digits = digits.removeprefix("+")
        who.append(models.Client.phone.contains(digits, autoescape=True))
        if digits.startswith("0"):  # written the local way: 0712 000 001
            who.append(models.Client.phone.contains(digits[1:], autoescape=True))
    matches.append(and_(C.anonymous.is_(False), or_(*who)))
    return or_(*matches)


def _query(filters: Filters, today: dt.date) -> Select[tuple[models.Complaint]]:
    query = select(C).outerjoin(models.Client, models.Client.id == C.client_id)
    if filters.status is not None:
        query = query.where(C.status == filters.status)
    if filters.category is not None:
        query = query.where(C.category == filters.category)
    if filters.branch_id is not None:
        query = query.where(C.branch_id == filters.branch_id)
    if filters.escalated is not None:
        query = query.where(
            C.escalated_at.is_not(None) if filters.escalated else C.escalated_at.is_(None)
        )
    if filters.deadline is not None:
        query = query.where(_deadline(filters.deadline, today))
    if filters.open_only:
        query = query.where(_open())
    if filters.text:
        query = query.where(_search(filters.text))
    return query


# --- the list -----------------------------------------------------------------------------


def find(
    session: Session, filters: Filters, today: dt.date, limit: int = 200
) -> list[models.Complaint]:
    """The complaints ``filters`` lets through, most urgent first: open ones escalated or
    overdue (soonest resolve deadline first), then the other open ones (likewise), then the
    resolved and closed ones, newest first. Client and branch come loaded."""
    is_open = _open()
    group = case(
        (and_(is_open, or_(C.escalated_at.is_not(None), _missed(today))), 0), (is_open, 1), else_=2
    )
    query = (
        _query(filters, today)
        .options(selectinload(C.client), selectinload(C.branch))
        .order_by(
            group,
            case((is_open, C.resolve_by), else_=None),
            C.received_on.desc(),
            C.id.desc(),
        )
        .limit(limit)
    )
    return list(session.scalars(query))


def is_overdue(complaint: models.Complaint, today: dt.date) -> bool:
    """Whether an open complaint has missed a deadline on ``today``."""
    return bool(rules.overdue(store.facts_of(complaint), today))


@dataclasses.dataclass(frozen=True)
class Counts:
    """The list header: open complaints, those escalated, those overdue."""

    open: int
    escalated: int
    overdue: int


def counts(session: Session, today: dt.date) -> Counts:
    def count(condition: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    is_open = _open()
    row = session.execute(
        select(
            count(is_open),
            count(and_(is_open, C.escalated_at.is_not(None))),
            count(_overdue(today)),
        )
    ).one()
    return Counts(open=int(row[0]), escalated=int(row[1]), overdue=int(row[2]))


# --- the export ---------------------------------------------------------------------------

CSV_HEADER = (
    "ticket",
    "received_on",
    "category",
    "status",
    "channel",
    "locale",
    "branch_code",
    "anonymous",
    "escalated_at",
    "escalation_reason",
    "acknowledge_by",
    "acknowledged_at",
    "resolve_by",
    "resolved_at",
    "resolved_within_deadline",
    "assigned_to",
    "description",
)


def _check_range(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise ValueError(f"The range ends ({end}) before it starts ({start}).")


def _in_range(start: dt.date, end: dt.date) -> ColumnElement[bool]:
    return C.received_on.between(start, end)


def _resolved_in_time(complaint: models.Complaint) -> bool | None:
    """Whether a resolved or closed complaint was resolved by its deadline (the UTC date of
    its last resolution); None while it is open (a reopened one included)."""
    if complaint.status in rules.OPEN_STATUSES or complaint.resolved_at is None:
        return None
    return complaint.resolved_at.date() <= complaint.resolve_by


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_export(session: Session, start: dt.date, end: dt.date) -> str:
    """The complaints received from ``start`` to ``end`` (both included), one CSV row each
    (``CSV_HEADER``), oldest first; times in UTC. No client name or phone."""
    _check_range(start, end)
    rows = session.execute(
        select(C, models.Branch.code, models.StaffUser.username)
        .outerjoin(models.Branch, models.Branch.id == C.branch_id)
        .outerjoin(models.StaffUser, models.StaffUser.id == C.assigned_to_id)
        .where(_in_range(start, end))
        .order_by(C.received_on, C.id)
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for complaint, branch_code, username in rows:
        writer.writerow(
            _cell(value)
            for value in (
                complaint.ticket_no,
                complaint.received_on,
                complaint.category.value,
                complaint.status.value,
                complaint.channel,
                complaint.locale,
                branch_code,
                complaint.anonymous,
                complaint.escalated_at,
                complaint.escalation_reason,
                complaint.acknowledge_by,
                complaint.acknowledged_at,
                complaint.resolve_by,
                complaint.resolved_at,
                _resolved_in_time(complaint),
                username,
                complaint.description,
            )
        )
    return buffer.getvalue()


# --- trends -------------------------------------------------------------------------------


def _months(start: dt.date, end: dt.date) -> list[str]:
    year, month = start.year, start.month
    months = []
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


@dataclasses.dataclass(frozen=True)
class Trends:
    """Complaints received from ``start`` to ``end`` (both included), counted.

    ``by_category`` and ``by_branch`` (branch name, or ``NO_BRANCH``) hold the non-zero counts,
    largest first; ``by_month`` and ``by_month_category`` hold every month of the range
    ("2026-11"), zeros included. ``resolved_within_deadline`` is the percentage (to 0.1) of the
    resolved or closed ones (``resolved``) resolved by their deadline (``resolved_on_time``),
    None when none is resolved.
    """

    start: dt.date
    end: dt.date
    total: int
    open: int
    escalated: int
    by_category: dict[Category, int]
    by_branch: dict[str, int]
    by_month: dict[str, int]
    by_month_category: dict[str, dict[Category, int]]
    resolved: int
    resolved_on_time: int
    resolved_within_deadline: Decimal | None


def _largest_first(counter: Counter[Any], order: list[Any]) -> dict[Any, int]:
    return dict(sorted(counter.items(), key=lambda item: (-item[1], order.index(item[0]))))


def trends(session: Session, start: dt.date, end: dt.date) -> Trends:
    """The trends of the complaints received from ``start`` to ``end``, from one query."""
    _check_range(start, end)
    rows = session.execute(
        select(
            C.received_on,
            C.category,
            C.status,
            models.Branch.name,
            C.escalated_at,
            C.resolve_by,
            C.resolved_at,
        )
        .outerjoin(models.Branch, models.Branch.id == C.branch_id)
        .where(_in_range(start, end))
    ).all()
    months = _months(start, end)
    by_month_category: dict[str, dict[Category, int]] = {month: {} for month in months}
    by_category: Counter[Category] = Counter()
    by_branch: Counter[str] = Counter()
    open_ = escalated = resolved = on_time = 0
    for received_on, category, status, branch, escalated_at, resolve_by, resolved_at in rows:
        cell = by_month_category[f"{received_on.year:04d}-{received_on.month:02d}"]
        cell[category] = cell.get(category, 0) + 1
        by_category[category] += 1
        by_branch[branch or NO_BRANCH] += 1
        open_ += status in rules.OPEN_STATUSES
        escalated += escalated_at is not None
        if status not in rules.OPEN_STATUSES and resolved_at is not None:
            resolved += 1
            on_time += resolved_at.date() <= resolve_by
    share = None
    if resolved:
        share = (Decimal(on_time * 100) / Decimal(resolved)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )
    categories = list(Category)
    return Trends(
        start=start,
        end=end,
        total=len(rows),
        open=open_,
        escalated=escalated,
        by_category=_largest_first(by_category, categories),
        by_branch=_largest_first(by_branch, sorted(by_branch)),
        by_month={month: sum(cell.values()) for month, cell in by_month_category.items()},
        by_month_category={
            month: {c: cell[c] for c in categories if c in cell}
            for month, cell in by_month_category.items()
        },
        resolved=resolved,
        resolved_on_time=on_time,
        resolved_within_deadline=share,
    )


# --- the trends chart ---------------------------------------------------------------------

WIDTH_PX, HEIGHT_PX, DPI = 800, 500, 100
COLOURS: dict[Category, str] = {
    Category.WRONG_CHARGE: "#1f6f8b",
    Category.PAYMENT_NOT_RECORDED: "#e0a526",
    Category.STAFF_BEHAVIOUR: "#c8553d",
    Category.HARASSMENT: "#7b2d5b",
    Category.FRAUD: "#2b2d42",
    Category.PRIVACY: "#5b8c5a",
    Category.INSURANCE: "#8d6a9f",
    Category.OTHER: "#9a9a9a",
}


def trends_chart(trends: Trends, title: str | None = None) -> bytes:
    """A PNG (800 x 500) of the complaints received per month, stacked by category, with the
    English category names in the legend. The same trends always give the same bytes."""
    with rc_context({"font.family": ["DejaVu Sans"]}):
        figure = trends_figure(trends, title)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def trends_figure(trends: Trends, title: str | None = None) -> Figure:
    """The chart as a matplotlib ``Figure`` on an Agg canvas (``trends_chart`` saves it)."""
    months = list(trends.by_month_category)
    places = list(range(len(months)))
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    bars = figure.add_subplot()
    bottom = [0] * len(months)
    for category in Category:
        heights = [trends.by_month_category[month].get(category, 0) for month in months]
        if not any(heights):
            continue  # only the categories complained about in the legend
        bars.bar(
            places,
            heights,
            bottom=bottom,
            width=0.7,
            color=COLOURS[category],
            label=CATEGORY_LABELS[category],
        )
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]

    bars.set_title(
        title or f"Complaints received per month, {trends.start} to {trends.end}", fontsize=13
    )
    bars.set_ylabel("Complaints")
    step = max(1, math.ceil(len(months) / 12))  # at most 12 month labels
    bars.set_xticks(places[::step], months[::step])
    bars.set_xlim(-0.6, len(months) - 0.4)
    bars.set_ylim(0, max(max(bottom, default=0), 1) * 1.15)
    bars.yaxis.set_major_locator(MaxNLocator(integer=True))
    bars.tick_params(labelsize=8)
    bars.spines["top"].set_visible(False)
    bars.spines["right"].set_visible(False)
    bars.grid(axis="y", alpha=0.3)
    bars.set_axisbelow(True)
    if trends.total == 0:
        bars.text(0.5, 0.5, "No complaints in this period", ha="center", transform=bars.transAxes)
    else:
        figure.legend(loc="outside lower center", ncols=4, frameon=False)
    return figure
