"""The complaints report (SQLite and PostgreSQL): the staff list's filters, search and order,
the header counts, the CSV export, the trends and their chart."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import struct
from decimal import Decimal

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from bot.complaints import report, store
from bot.complaints.report import Filters
from bot.complaints.rules import Category, Policy, Status
from bot.db import models

TODAY = dt.date(2026, 11, 25)  # a Wednesday
STAFF = store.Actor("staff", "wanjiru")


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


def chat(session: Session, user: str, client: models.Client | None = None) -> models.ChatIdentity:
    row = models.ChatIdentity(channel="telegram", channel_user_id=user)
    if client is not None:
        row.client_id, row.verified_at = client.id, at(TODAY)
    session.add(row)
    session.flush()
    return row


def receive(
    session: Session,
    who: models.ChatIdentity,
    category: Category,
    description: str,
    day: dt.date,
    anonymous: bool = False,
) -> models.Complaint:
    return store.receive(
        session,
        who,
        category,
        description,
        anonymous=anonymous,
        loan=None,
        locale="sw",
        today=day,
        now=at(day),
        policy=Policy(),
    )


@dataclasses.dataclass
class World:
    nairobi: models.Branch
    mombasa: models.Branch
    fresh: models.Complaint  # Amina's, today: open, nothing due yet
    fraud: models.Complaint  # Baraka's, today: escalated on arrival
    late: models.Complaint  # an unverified chat's, 11-10, never acknowledged: overdue
    soon: models.Complaint  # Amina's, 11-06, acknowledged: to resolve by 11-27
    done: models.Complaint  # Baraka's, 11-02, resolved on 11-20 (deadline 11-23)
    anon: models.Complaint  # Amina's, anonymous, 11-24

    def ids(self, complaints: list[models.Complaint]) -> list[str]:
        names = {id(value): name for name, value in vars(self).items()}
        return [names[id(c)] for c in complaints]


@pytest.fixture
def world(session: Session) -> World:
    nairobi = models.Branch(code="NBO", name="Nairobi Central")
    mombasa = models.Branch(code="MSA", name="Mombasa")
    session.add_all([nairobi, mombasa])
    session.flush()
    amina, baraka = (
        models.Client(
            name=name,
            phone=phone,
            date_of_birth=dt.date(1990, 1, 1),
            locale="sw_KE",
            branch_id=branch.id,
        )
        for name, phone, branch in (
            ("Amina Wanjiku", "+254712000001", nairobi),
            ("Baraka Otieno", "+254733000002", mombasa),
        )
    )
    session.add_all([amina, baraka])
    session.flush()
    amina_chat, baraka_chat = chat(session, "amina", amina), chat(session, "baraka", baraka)
    stranger = chat(session, "stranger")
    late = receive(
        session,
        stranger,
        Category.PAYMENT_NOT_RECORDED,
        "My payment is not on the statement.",
        dt.date(2026, 11, 10),
    )
    soon = receive(
        session, amina_chat, Category.INSURANCE, "The claim is unpaid.", dt.date(2026, 11, 6)
    )
    store.change_status(soon, Status.ACKNOWLEDGED, STAFF, at(dt.date(2026, 11, 9)))
    done = receive(
        session, baraka_chat, Category.OTHER, "The branch was closed.", dt.date(2026, 11, 2)
    )
    store.change_status(done, Status.RESOLVED, STAFF, at(dt.date(2026, 11, 20)), "Sorry.")
    anon = receive(
        session,
        amina_chat,
        Category.STAFF_BEHAVIOUR,
        "The officer shouted at me.",
        dt.date(2026, 11, 24),
        anonymous=True,
    )
    fresh = receive(
        session, amina_chat, Category.WRONG_CHARGE, "They charged me TWICE for the fee.", TODAY
    )
    fraud = receive(session, baraka_chat, Category.FRAUD, "A caller asked for my PIN.", TODAY)
    session.commit()
    return World(nairobi, mombasa, fresh, fraud, late, soon, done, anon)


def found(session: Session, world: World, filters: Filters, limit: int = 200) -> list[str]:
    return world.ids(report.find(session, filters, TODAY, limit))


# --- the list -----------------------------------------------------------------------------


def test_escalated_and_overdue_come_first_then_open_by_deadline_then_closed(
    session: Session, world: World
) -> None:
    assert found(session, world, Filters()) == ["late", "fraud", "soon", "anon", "fresh", "done"]
    assert found(session, world, Filters(), limit=2) == ["late", "fraud"]
    # Four weeks on, everything open is overdue: all by their resolve deadline, closed last.
    later = world.ids(report.find(session, Filters(), dt.date(2026, 12, 23)))
    assert later == ["soon", "late", "anon", "fraud", "fresh", "done"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(status=Status.ACKNOWLEDGED), ["soon"]),
        (Filters(status=Status.RESOLVED), ["done"]),
        (Filters(category=Category.FRAUD), ["fraud"]),
        (Filters(escalated=True), ["fraud"]),
        (Filters(escalated=False), ["late", "soon", "anon", "fresh", "done"]),
        (Filters(deadline="overdue"), ["late"]),
        (Filters(deadline="due_soon"), ["soon"]),
        (Filters(deadline="on_time"), ["fraud", "anon", "fresh"]),
        (Filters(open_only=True), ["late", "fraud", "soon", "anon", "fresh"]),
        (Filters(text="charged me twice"), ["fresh"]),
        (Filters(text="SHOUTED"), ["anon"]),
        (Filters(text="amina"), ["soon", "fresh"]),  # not her anonymous complaint
        (Filters(text="0712 000 001"), ["soon", "fresh"]),
        (Filters(text="+254 733"), ["fraud", "done"]),
        (Filters(text="%"), []),  # a LIKE wildcard is searched for as itself
        (Filters(text="nobody wrote this"), []),
    ],
)
def test_each_filter(session: Session, world: World, filters: Filters, expected: list[str]) -> None:
    assert found(session, world, filters) == expected


def test_branch_filter_and_filters_combined(session: Session, world: World) -> None:
    nairobi = Filters(branch_id=world.nairobi.id)
    assert found(session, world, nairobi) == ["soon", "anon", "fresh"]
    assert found(session, world, Filters(branch_id=world.mombasa.id)) == ["fraud", "done"]
    combined = dataclasses.replace(nairobi, deadline="on_time", category=Category.WRONG_CHARGE)
    assert found(session, world, combined) == ["fresh"]


def test_due_soon_means_within_three_days(session: Session, world: World) -> None:
    def due(deadline: report.Deadline, day: dt.date) -> list[str]:
        return world.ids(report.find(session, Filters(deadline=deadline), day))

    assert world.soon.resolve_by == dt.date(2026, 11, 27)
    assert due("due_soon", dt.date(2026, 11, 24)) == ["soon"]  # three days before
    assert due("due_soon", dt.date(2026, 11, 27)) == ["soon"]  # the day itself
    assert "soon" not in due("due_soon", dt.date(2026, 11, 23))
    assert "soon" in due("on_time", dt.date(2026, 11, 23))
    assert due("overdue", dt.date(2026, 11, 28))[:2] == ["soon", "late"]


def test_search_by_ticket_number_written_any_way(session: Session, world: World) -> None:
    ticket = world.late.ticket_no or ""
    number = int(ticket.rsplit("-", 1)[1])
    assert found(session, world, Filters(text=f"wz 2026 {number}")) == ["late"]
    assert found(session, world, Filters(text=ticket.lower())) == ["late"]
    assert found(session, world, Filters(text=ticket[3:])) == ["late"]  # a part of it


def test_the_list_loads_client_and_branch_with_it(engine: Engine, world: World) -> None:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    with Session(engine) as fresh_session:
        complaints = report.find(fresh_session, Filters(), TODAY)
        event.listen(engine, "before_cursor_execute", count)
        try:
            names = [
                (c.client.name if c.client else None, c.branch.code if c.branch else None)
                for c in complaints
            ]
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert statements == []
    assert names[:2] == [(None, None), ("Baraka Otieno", "MSA")]


def test_is_overdue_follows_the_rules(session: Session, world: World) -> None:
    assert report.is_overdue(world.late, TODAY)
    assert not report.is_overdue(world.late, dt.date(2026, 11, 17))  # its acknowledge day
    assert not report.is_overdue(world.fresh, TODAY)
    assert not report.is_overdue(world.done, dt.date(2027, 1, 1))  # resolved


def test_header_counts(session: Session, world: World) -> None:
    assert report.counts(session, TODAY) == report.Counts(open=5, escalated=1, overdue=1)
    assert report.counts(session, dt.date(2026, 12, 17)).overdue == 5


# --- filters from a query string ----------------------------------------------------------


def test_filters_from_a_query_string() -> None:
    args = {
        "status": "in_progress",
        "category": "fraud",
        "branch_id": "3",
        "escalated": "yes",
        "deadline": "due_soon",
        "text": "  wz 2026 12 ",
        "open_only": "1",
        "page": "2",  # not a filter: ignored
    }
    assert Filters.from_args(args) == Filters(
        status=Status.IN_PROGRESS,
        category=Category.FRAUD,
        branch_id=3,
        escalated=True,
        deadline="due_soon",
        text="wz 2026 12",
        open_only=True,
    )
    empty = dict.fromkeys(("status", "category", "branch_id", "escalated", "deadline"), "")
    assert Filters.from_args(empty) == Filters()
    assert Filters.from_args({"escalated": "no", "open_only": "off"}) == Filters(escalated=False)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"status": "lost"}, "Unknown status 'lost'"),
        ({"category": "weather"}, "Unknown category 'weather'"),
        ({"branch_id": "nairobi"}, "branch_id"),
        ({"branch_id": "-1"}, "branch_id"),
        ({"escalated": "maybe"}, "escalated must be yes or no"),
        ({"deadline": "late"}, "Unknown deadline 'late'"),
        ({"open_only": "2"}, "open_only must be yes or no"),
    ],
)
def test_bad_filter_values_are_refused(args: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Filters.from_args(args)


def test_a_filters_deadline_must_be_known() -> None:
    with pytest.raises(ValueError, match="Unknown deadline"):
        Filters(deadline="someday")  # type: ignore[arg-type]


# --- the export ---------------------------------------------------------------------------


def parse(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_the_csv_export(session: Session, world: World) -> None:
    wanjiru = models.StaffUser(
        username="wanjiru",
        display_name="Wanjiru",
        password_hash="x",
        role=models.StaffRole.STAFF,
    )
    session.add(wanjiru)
    session.flush()
    world.fresh.assigned_to_id = wanjiru.id
    store.change_status(world.soon, Status.RESOLVED, STAFF, at(dt.date(2026, 11, 30)), "Paid.")
    stranger = session.get(models.ChatIdentity, world.late.chat_identity_id)
    assert stranger is not None
    formulas = [
        receive(session, stranger, Category.OTHER, text, dt.date(2026, 11, 20))
        for text in ('=HYPERLINK("http://x")', "+1+2", "-3", "@SUM(A1)", "Line one\nline two")
    ]
    session.commit()

    text = report.csv_export(session, dt.date(2026, 11, 6), TODAY)
    header = next(csv.reader(io.StringIO(text, newline="")))
    assert header == [
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
    ]
    rows = {row["ticket"]: row for row in parse(text)}
    ordered = [world.soon, world.late, *formulas, world.anon, world.fresh, world.fraud]
    assert list(rows) == [c.ticket_no for c in ordered]  # done (11-02) is out of range
    assert [rows[c.ticket_no or ""]["description"] for c in formulas] == [
        '\'=HYPERLINK("http://x")',
        "'+1+2",
        "'-3",
        "'@SUM(A1)",
        "Line one\nline two",
    ]
    soon = rows[world.soon.ticket_no or ""]
    assert (soon["status"], soon["resolved_within_deadline"]) == ("resolved", "no")
    assert soon["resolved_at"] == "2026-11-30T10:00:00+00:00"
    assert soon["acknowledged_at"] == "2026-11-09T10:00:00+00:00"
    anon = rows[world.anon.ticket_no or ""]
    assert (anon["anonymous"], anon["branch_code"]) == ("yes", "NBO")
    fresh = rows[world.fresh.ticket_no or ""]
    assert fresh["assigned_to"] == "wanjiru"
    assert (fresh["resolved_within_deadline"], fresh["received_on"]) == ("", "2026-11-25")
    fraud = rows[world.fraud.ticket_no or ""]
    assert (fraud["category"], fraud["escalation_reason"], fraud["anonymous"]) == (
        "fraud",
        "serious category: escalated on arrival",
        "no",
    )
    assert fraud["escalated_at"] == "2026-11-25T10:00:00+00:00"
    for private in ("Amina", "Baraka", "254712000001", "254733000002"):
        assert private not in text

    on_time = parse(report.csv_export(session, dt.date(2026, 11, 2), dt.date(2026, 11, 2)))
    assert [(r["ticket"], r["resolved_within_deadline"]) for r in on_time] == [
        (world.done.ticket_no, "yes")
    ]
    with pytest.raises(ValueError, match="before it starts"):
        report.csv_export(session, TODAY, dt.date(2026, 11, 1))


# --- trends -------------------------------------------------------------------------------


def test_trends(session: Session, world: World) -> None:
    stranger = session.get(models.ChatIdentity, world.late.chat_identity_id)
    assert stranger is not None
    october = receive(session, stranger, Category.WRONG_CHARGE, "Fee", dt.date(2026, 10, 20))
    store.change_status(october, Status.RESOLVED, STAFF, at(dt.date(2026, 11, 11)), "Refunded.")
    session.commit()  # resolve by 11-10, resolved 11-11: late; "done" was on time

    found = report.trends(session, dt.date(2026, 10, 1), dt.date(2026, 11, 30))
    assert (found.total, found.open, found.escalated) == (7, 5, 1)
    assert list(found.by_category.items()) == [
        (Category.WRONG_CHARGE, 2),
        (Category.PAYMENT_NOT_RECORDED, 1),
        (Category.STAFF_BEHAVIOUR, 1),
        (Category.FRAUD, 1),
        (Category.INSURANCE, 1),
        (Category.OTHER, 1),
    ]
    assert list(found.by_branch.items()) == [
        ("Nairobi Central", 3),
        ("Mombasa", 2),
        ("No branch", 2),
    ]
    assert found.by_month == {"2026-10": 1, "2026-11": 6}
    assert found.by_month_category["2026-10"] == {Category.WRONG_CHARGE: 1}
    assert (found.resolved, found.resolved_on_time) == (2, 1)
    assert found.resolved_within_deadline == Decimal("50.0")

    november = report.trends(session, dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert (november.total, november.resolved_within_deadline) == (6, Decimal("100.0"))
    recent = report.trends(session, dt.date(2026, 11, 24), dt.date(2027, 1, 31))
    assert recent.by_month == {"2026-11": 3, "2026-12": 0, "2027-01": 0}
    assert (recent.resolved, recent.resolved_within_deadline) == (0, None)
    with pytest.raises(ValueError, match="before it starts"):
        report.trends(session, TODAY, dt.date(2026, 11, 1))


def test_a_reopened_complaint_is_not_counted_as_resolved(session: Session, world: World) -> None:
    who = session.get(models.ChatIdentity, world.done.chat_identity_id)
    assert who is not None
    store.client_answer(world.done, False, who, at(dt.date(2026, 11, 21)))
    session.commit()
    found = report.trends(session, dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert (found.resolved, found.resolved_within_deadline) == (0, None)
    row = parse(report.csv_export(session, dt.date(2026, 11, 2), dt.date(2026, 11, 2)))[0]
    assert (row["status"], row["resolved_within_deadline"]) == ("reopened", "")


# --- the chart (no database needed) -------------------------------------------------------


def made_trends(months: dict[str, dict[Category, int]]) -> report.Trends:
    total = sum(sum(cell.values()) for cell in months.values())
    return report.Trends(
        start=dt.date.fromisoformat(f"{min(months)}-01"),
        end=dt.date.fromisoformat(f"{max(months)}-28"),
        total=total,
        open=total,
        escalated=0,
        by_category={},
        by_branch={},
        by_month={month: sum(cell.values()) for month, cell in months.items()},
        by_month_category=months,
        resolved=0,
        resolved_on_time=0,
        resolved_within_deadline=None,
    )


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", png[16:24])


def test_the_trends_chart_is_a_png_with_the_same_bytes_for_the_same_trends() -> None:
    months = {
        "2026-10": {Category.WRONG_CHARGE: 3, Category.FRAUD: 1},
        "2026-11": {Category.WRONG_CHARGE: 1, Category.PAYMENT_NOT_RECORDED: 2},
    }
    first = report.trends_chart(made_trends(months))
    assert png_size(first) == (800, 500)
    assert report.trends_chart(made_trends(months)) == first
    other = {**months, "2026-11": {Category.WRONG_CHARGE: 4}}
    assert report.trends_chart(made_trends(other)) != first


def test_a_chart_of_nothing_and_one_of_many_months() -> None:
    nothing = report.trends_chart(made_trends({"2026-11": {}}))
    assert png_size(nothing) == (800, 500)
    many = {f"{2025 + m // 12}-{m % 12 + 1:02d}": {Category.OTHER: m} for m in range(24)}
    assert png_size(report.trends_chart(made_trends(many))) == (800, 500)


def test_the_chart_from_the_database(session: Session, world: World) -> None:
    found = report.trends(session, dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert report.trends_chart(found) == report.trends_chart(found)
    assert png_size(report.trends_chart(found)) == (800, 500)
