"""One-time linking codes (bot/link_codes.py) on SQLite and PostgreSQL: the code's shape, how
typed codes are read, one use only, expiry, a new code voiding the older ones, and audit rows
that never hold the code."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import Engine, select

from bot import link_codes
from bot.db.models import AuditEntry, ChatIdentity, Client, LinkCode
from bot.db.session import session_scope
from bot.link_codes import State
from tests.clients import add_amina

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=1)


@pytest.fixture
def client_id(engine: Engine) -> int:
    return add_amina(engine)


@pytest.fixture
def identity_id(engine: Engine) -> int:
    with session_scope(engine) as session:
        person = ChatIdentity(channel="web", channel_user_id="chat-1")
        session.add(person)
        session.flush()
        return person.id


def issue(engine: Engine, client_id: int, now: dt.datetime = NOW, valid_days: int = 90) -> str:
    with session_scope(engine) as session:
        client = session.get(Client, client_id)
        assert client is not None
        return link_codes.issue(session, client, "wanjiru", now, valid_days=valid_days)


def use(engine: Engine, client_id: int, typed: str, identity_id: int, now: dt.datetime) -> bool:
    with session_scope(engine) as session:
        client = session.get(Client, client_id)
        assert client is not None
        return link_codes.use(session, client, typed, identity_id, now)


def codes(engine: Engine, client_id: int) -> list[LinkCode]:
    with session_scope(engine) as session:
        return list(
            session.scalars(
                select(LinkCode).where(LinkCode.client_id == client_id).order_by(LinkCode.id)
            )
        )


# --- the code's shape and reading what was typed ------------------------------------------


def test_a_code_is_eight_unambiguous_characters_shown_in_two_groups(
    engine: Engine, client_id: int
) -> None:
    shown = issue(engine, client_id)
    assert len(shown) == 9 and shown[4] == "-"
    plain = shown.replace("-", "")
    assert all(char in "23456789ABCDEFGHJKLMNPQRSTUVWXYZ" for char in plain)
    assert not set(plain) & set("01OI")  # no look-alikes


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("K7QM-3XPA", "K7QM3XPA"),
        ("k7qm-3xpa", "K7QM3XPA"),
        ("K7QM3XPA", "K7QM3XPA"),
        (" k7qm 3xpa ", "K7QM3XPA"),
        ("K7 QM - 3X PA", "K7QM3XPA"),
        ("K7QM\u20133XPA", "K7QM3XPA"),  # an en dash, as phones autocorrect
        ("K7QM-3XP", None),  # too short
        ("K7QM-3XPAB", None),  # too long
        ("K7QM-3XP0", None),  # 0 is not in the alphabet
        ("K7QM-3XPI", None),  # nor I
        ("K7QM_3XPA", None),
        ("", None),
        ("1988-04-12", None),
    ],
)
def test_typed_codes_are_read_without_case_dashes_or_spaces(
    typed: str, expected: str | None
) -> None:
    assert link_codes.normalise(typed) == expected


def test_grouped_shows_the_dash() -> None:
    assert link_codes.grouped("K7QM3XPA") == "K7QM-3XPA"


# --- issuing and using ---------------------------------------------------------------------


def test_the_code_is_stored_hashed_with_who_issued_it_and_when_it_expires(
    engine: Engine, client_id: int
) -> None:
    shown = issue(engine, client_id, valid_days=30)
    (row,) = codes(engine, client_id)
    assert shown.replace("-", "") not in row.code_hash
    assert row.code_hash.startswith("$argon2id$")
    assert (row.issued_by, row.issued_at, row.expires_at) == (
        "wanjiru",
        NOW,
        NOW + dt.timedelta(days=30),
    )
    assert (row.used_at, row.used_by, row.voided_at) == (None, None, None)


def test_the_right_code_is_accepted_once(engine: Engine, client_id: int, identity_id: int) -> None:
    shown = issue(engine, client_id)
    assert use(engine, client_id, shown.lower().replace("-", " "), identity_id, LATER) is True
    (row,) = codes(engine, client_id)
    assert (row.used_at, row.used_by) == (LATER, identity_id)
    assert use(engine, client_id, shown, identity_id, LATER) is False  # one time only
    with session_scope(engine) as session:
        assert link_codes.state(link_codes.newest(session, client_id), LATER) is State.USED


def test_a_wrong_code_is_refused_and_leaves_the_right_one_usable(
    engine: Engine, client_id: int, identity_id: int
) -> None:
    shown = issue(engine, client_id)
    wrong = "22222222" if shown.replace("-", "") != "22222222" else "33333333"
    assert use(engine, client_id, wrong, identity_id, LATER) is False
    assert use(engine, client_id, "not a code", identity_id, LATER) is False
    assert codes(engine, client_id)[0].used_at is None
    assert use(engine, client_id, shown, identity_id, LATER) is True


def valid(engine: Engine, client_id: int, typed: str, now: dt.datetime) -> bool:
    with session_scope(engine) as session:
        client = session.get(Client, client_id)
        assert client is not None
        return link_codes.valid(session, client, typed, now)


def test_checking_a_code_does_not_use_it(engine: Engine, client_id: int, identity_id: int) -> None:
    shown = issue(engine, client_id, valid_days=7)
    wrong = "22222222" if shown.replace("-", "") != "22222222" else "33333333"
    assert valid(engine, client_id, shown.lower(), LATER) is True
    assert valid(engine, client_id, shown, LATER) is True  # still there: nothing was used
    assert valid(engine, client_id, wrong, LATER) is False
    assert valid(engine, client_id, shown, NOW + dt.timedelta(days=7)) is False  # expired
    assert codes(engine, client_id)[0].used_at is None
    assert use(engine, client_id, shown, identity_id, LATER) is True
    assert valid(engine, client_id, shown, LATER) is False  # used up


def test_an_expired_code_is_refused(engine: Engine, client_id: int, identity_id: int) -> None:
    shown = issue(engine, client_id, valid_days=7)
    expiry = NOW + dt.timedelta(days=7)
    assert use(engine, client_id, shown, identity_id, expiry) is False
    assert codes(engine, client_id)[0].used_at is None
    with session_scope(engine) as session:
        assert link_codes.state(link_codes.newest(session, client_id), expiry) is State.EXPIRED
    assert use(engine, client_id, shown, identity_id, expiry - dt.timedelta(seconds=1)) is True


def test_a_new_code_voids_the_older_unused_ones(
    engine: Engine, client_id: int, identity_id: int
) -> None:
    first = issue(engine, client_id)
    second = issue(engine, client_id, now=NOW + dt.timedelta(minutes=5))
    third = issue(engine, client_id, now=NOW + dt.timedelta(minutes=10))
    rows = codes(engine, client_id)
    assert [row.voided_at for row in rows] == [
        NOW + dt.timedelta(minutes=5),
        NOW + dt.timedelta(minutes=10),
        None,
    ]
    for old in (first, second):
        assert use(engine, client_id, old, identity_id, LATER) is False
    assert use(engine, client_id, third, identity_id, LATER) is True
    # A used code is history, not voided by the next one.
    issue(engine, client_id, now=LATER + dt.timedelta(hours=1))
    assert codes(engine, client_id)[2].voided_at is None
    states = [link_codes.state(row, LATER) for row in codes(engine, client_id)]
    assert states == [State.VOIDED, State.VOIDED, State.USED, State.WAITING]


def test_another_clients_code_does_not_work(
    engine: Engine, client_id: int, identity_id: int
) -> None:
    with session_scope(engine) as session:
        other = Client(
            name="Juan Pérez",
            phone="+5215512345678",
            date_of_birth=dt.date(1979, 1, 5),
            locale="es_MX",
        )
        session.add(other)
        session.flush()
        other_id = other.id
    theirs = issue(engine, other_id)
    assert use(engine, client_id, theirs, identity_id, LATER) is False
    assert codes(engine, client_id) == []


def test_a_client_without_a_code_cannot_use_one(
    engine: Engine, client_id: int, identity_id: int
) -> None:
    assert use(engine, client_id, "K7QM-3XPA", identity_id, LATER) is False


def test_a_code_must_be_valid_for_a_day_at_least(engine: Engine, client_id: int) -> None:
    with pytest.raises(ValueError, match="at least a day, not 0"):
        issue(engine, client_id, valid_days=0)


def test_issuing_and_using_are_audited_without_the_code(
    engine: Engine, client_id: int, identity_id: int
) -> None:
    issue(engine, client_id)
    shown = issue(engine, client_id, now=NOW + dt.timedelta(minutes=1))
    use(engine, client_id, shown, identity_id, LATER)
    with session_scope(engine) as session:
        rows = list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        ids = [row.id for row in codes(engine, client_id)]
        seen = [
            (r.actor_type, r.actor_id, r.action, r.subject_type, r.subject_id, r.details)
            for r in rows
        ]
    assert seen == [
        (
            "staff",
            "wanjiru",
            "link_code.issued",
            "client",
            str(client_id),
            {"link_code_id": ids[0], "expires_at": "2027-02-23T09:00:00+00:00", "voided": 0},
        ),
        (
            "staff",
            "wanjiru",
            "link_code.issued",
            "client",
            str(client_id),
            {"link_code_id": ids[1], "expires_at": "2027-02-23T09:01:00+00:00", "voided": 1},
        ),
        (
            "chat",
            str(identity_id),
            "link_code.used",
            "client",
            str(client_id),
            {"link_code_id": ids[1]},
        ),
    ]
    stored = json.dumps([str(item) for item in seen])
    assert shown not in stored and shown.replace("-", "") not in stored
