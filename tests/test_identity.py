"""Reading phone numbers and birth dates, and checking them against a client on each backend."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import Engine, select

from bot import link_codes, pins
from bot.db.models import AuditEntry, ChatIdentity, Client, LinkCode
from bot.db.session import session_scope
from bot.identity import (
    Attempt,
    Outcome,
    Policy,
    identity_for,
    is_verified,
    lock_with_pin,
    locked_by_pin,
    parse_birth_date,
    phone_candidates,
    unlock,
    verify,
)

REGIONS = ("KE", "UG", "TZ")
PHONE, BORN = "+254712000001", dt.date(1988, 4, 12)
POLICY = Policy(max_failures=3, lock_minutes=15)
NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
TODAY = NOW.date()

# --- phone numbers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "regions", "expected"),
    [
        ("+254712000001", REGIONS, ["+254712000001"]),
        ("  +254 712 000 001 ", REGIONS, ["+254712000001"]),
        ("+254-712-000-001", (), ["+254712000001"]),  # a leading + needs no region
        ("0712000001", ("KE",), ["+254712000001"]),
        # a national number is read in every configured region where it is valid
        ("0712000001", REGIONS, ["+254712000001", "+256712000001", "+255712000001"]),
        ("0712 000 001", ("KE",), ["+254712000001"]),
        ("0712000001", (), []),  # no region to read a national number in
        ("hello there", REGIONS, []),
        ("", REGIONS, []),
        ("   ", REGIONS, []),
        ("+254", REGIONS, []),
        ("0712", REGIONS, []),
        ("+2547120000019999", REGIONS, []),
    ],
)
def test_phone_candidates(text: str, regions: tuple[str, ...], expected: list[str]) -> None:
    assert phone_candidates(text, regions) == expected


# --- birth dates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1988-04-12", dt.date(1988, 4, 12)),
        (" 1988-4-2 ", dt.date(1988, 4, 2)),
        ("1988/04/12", dt.date(1988, 4, 12)),
        ("12/04/1988", dt.date(1988, 4, 12)),  # day first
        ("12.04.1988", dt.date(1988, 4, 12)),
        ("12-04-1988", dt.date(1988, 4, 12)),
        ("2/4/1988", dt.date(1988, 4, 2)),
        ("29/02/1988", dt.date(1988, 2, 29)),  # a leap year
    ],
)
def test_parse_birth_date(text: str, expected: dt.date) -> None:
    assert parse_birth_date(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "31/02/1990",  # no such day
        "29/02/1990",  # not a leap year
        "1990-13-01",
        "00/01/1990",
        "12/04/2027",  # in the future
        "2026-11-25",  # today
        "1899-12-31",  # too long ago
        "12/04/88",  # two-digit year
        "last year",
        "",
        "1988-04-12T00:00",
    ],
)
def test_parse_birth_date_rejects(text: str) -> None:
    assert parse_birth_date(text, TODAY) is None


# --- verify() against a database ----------------------------------------------------------


def add_client(engine: Engine) -> int:
    with session_scope(engine) as session:
        client = Client(name="Amina Njeri", phone=PHONE, date_of_birth=BORN, locale="sw_KE")
        session.add(client)
        session.flush()
        return client.id


def attempt(
    engine: Engine,
    user: str,
    phone_text: str,
    born_text: str,
    now: dt.datetime = NOW,
    link_code: str | None = None,
    pin: str | None = None,
    require_pin: bool = False,
) -> Attempt:
    """One check, in its own transaction, as the identity form runs it."""
    with session_scope(engine) as session:
        identity = identity_for(session, "web", user)
        return verify(
            session,
            identity,
            phone_candidates(phone_text, REGIONS),
            parse_birth_date(born_text, now.date()),
            now,
            POLICY,
            link_code=link_code,
            pin=pin,
            require_pin=require_pin,
        )


def stored_identity(engine: Engine, user: str) -> ChatIdentity:
    with session_scope(engine) as session:
        return identity_for(session, "web", user)


def audit_rows(engine: Engine, user: str) -> list[AuditEntry]:
    identity_id = str(stored_identity(engine, user).id)
    with session_scope(engine) as session:
        return list(
            session.scalars(
                select(AuditEntry)
                .where(
                    AuditEntry.subject_type == "chat_identity",
                    AuditEntry.subject_id == identity_id,
                )
                .order_by(AuditEntry.id)
            )
        )


def assert_no_personal_data(rows: list[AuditEntry]) -> None:
    for row in rows:
        stored = json.dumps(
            [row.actor_type, row.actor_id, row.action, row.subject_type, row.subject_id]
            + [row.details]
        )
        for secret in ("712000001", "712999999", "1988", "1999", "04-12", "12/04"):
            assert secret not in stored, (row.action, stored)


def test_matching_details_link_the_identity(engine: Engine) -> None:
    client_id = add_client(engine)
    # a national number, read in every region; the Kenyan reading is the registered one
    result = attempt(engine, "chat-1", "0712 000 001", "12/04/1988")
    # Amina's record says sw_KE: from now on Wazi speaks Swahili with this chat.
    assert result == Attempt(Outcome.VERIFIED, client_id=client_id, language="sw")

    identity = stored_identity(engine, "chat-1")
    assert identity.client_id == client_id
    assert identity.verified_at == NOW
    assert is_verified(identity)

    rows = audit_rows(engine, "chat-1")
    assert [row.action for row in rows] == ["identity.verified"]
    assert rows[0].details == {"channel": "web", "client_id": client_id}
    assert (rows[0].actor_type, rows[0].subject_type) == ("chat", "chat_identity")
    assert_no_personal_data(rows)


def test_wrong_phone_and_wrong_date_fail_alike(engine: Engine) -> None:
    add_client(engine)
    unknown_phone = attempt(engine, "chat-1", "+254712999999", "1988-04-12")
    wrong_date = attempt(engine, "chat-2", PHONE, "1988-04-13")
    expected = Attempt(Outcome.MISMATCH, attempts_left=2)
    assert unknown_phone == wrong_date == expected

    for user in ("chat-1", "chat-2"):
        identity = stored_identity(engine, user)
        assert (identity.client_id, identity.failed_attempts) == (None, 1)
    # the audit log tells the two apart no more than the answer does
    first, second = audit_rows(engine, "chat-1"), audit_rows(engine, "chat-2")
    assert [(r.action, r.details) for r in first] == [(r.action, r.details) for r in second]
    assert [r.action for r in first] == ["identity.failed"]
    assert_no_personal_data(first + second)


def test_missing_details_count_as_a_failure(engine: Engine) -> None:
    add_client(engine)
    assert attempt(engine, "chat-1", "not a phone", "1988-04-12").outcome is Outcome.MISMATCH
    assert attempt(engine, "chat-1", PHONE, "not a date").outcome is Outcome.MISMATCH
    assert stored_identity(engine, "chat-1").failed_attempts == 2


def test_three_failures_lock_for_fifteen_minutes(engine: Engine) -> None:
    client_id = add_client(engine)
    minute = dt.timedelta(minutes=1)
    first = attempt(engine, "chat-1", PHONE, "1999-01-01", NOW)
    second = attempt(engine, "chat-1", "+254712999999", "1988-04-12", NOW + minute)
    third = attempt(engine, "chat-1", PHONE, "1999-01-01", NOW + 2 * minute)
    assert (first.outcome, first.attempts_left) == (Outcome.MISMATCH, 2)
    assert (second.outcome, second.attempts_left) == (Outcome.MISMATCH, 1)
    until = NOW + 2 * minute + dt.timedelta(minutes=15)
    assert third == Attempt(Outcome.LOCKED, locked_until=until)
    assert stored_identity(engine, "chat-1").locked_until == until

    # Even the right details are refused until the lock ends...
    for when in (NOW + 3 * minute, until - dt.timedelta(seconds=1)):
        assert attempt(engine, "chat-1", PHONE, "1988-04-12", when) == Attempt(
            Outcome.LOCKED, locked_until=until
        )
    assert stored_identity(engine, "chat-1").client_id is None
    # ...and accepted once it has.
    assert attempt(engine, "chat-1", PHONE, "1988-04-12", until) == Attempt(
        Outcome.VERIFIED, client_id=client_id, language="sw"
    )
    identity = stored_identity(engine, "chat-1")
    assert (identity.client_id, identity.failed_attempts, identity.locked_until) == (
        client_id,
        0,
        None,
    )

    rows = audit_rows(engine, "chat-1")
    assert [row.action for row in rows] == [
        "identity.failed",
        "identity.failed",
        "identity.locked",
        "identity.refused",
        "identity.refused",
        "identity.verified",
    ]
    assert rows[2].details == {"channel": "web", "minutes": 15}
    assert_no_personal_data(rows)


def test_a_lock_that_ended_gives_three_fresh_attempts(engine: Engine) -> None:
    add_client(engine)
    for k in range(3):
        attempt(engine, "chat-1", PHONE, "1999-01-01", NOW + dt.timedelta(seconds=k))
    later = NOW + dt.timedelta(minutes=30)
    assert attempt(engine, "chat-1", PHONE, "1999-01-01", later) == Attempt(
        Outcome.MISMATCH, attempts_left=2
    )


# --- verify() with the linking code (WAZI_VERIFY_LINK_CODE) --------------------------------


def issue_code(engine: Engine, client_id: int) -> str:
    with session_scope(engine) as session:
        client = session.get(Client, client_id)
        assert client is not None
        return link_codes.issue(session, client, "wanjiru", NOW - dt.timedelta(days=1))


def stored_code(engine: Engine, client_id: int) -> LinkCode:
    with session_scope(engine) as session:
        return session.scalars(select(LinkCode).where(LinkCode.client_id == client_id)).one()


def other_code(code: str) -> str:
    """A well-formed code that is not ``code``."""
    return "23456789" if code.replace("-", "") != "23456789" else "98765432"


def test_the_right_code_with_the_right_details_links_and_uses_the_code(engine: Engine) -> None:
    client_id = add_client(engine)
    code = issue_code(engine, client_id)
    result = attempt(engine, "chat-1", PHONE, "1988-04-12", link_code=code.lower())
    assert result == Attempt(Outcome.VERIFIED, client_id=client_id, language="sw")
    identity = stored_identity(engine, "chat-1")
    assert identity.client_id == client_id
    row = stored_code(engine, client_id)
    assert (row.used_at, row.used_by) == (NOW, identity.id)
    rows = audit_rows(engine, "chat-1")
    assert [row.action for row in rows] == ["identity.verified"]
    assert_no_personal_data(rows)

    # The code is spent: another chat with the same details and code is refused.
    again = attempt(engine, "chat-2", PHONE, "1988-04-12", link_code=code)
    assert again == Attempt(Outcome.MISMATCH, attempts_left=2)
    assert stored_identity(engine, "chat-2").client_id is None


def test_a_wrong_code_fails_like_a_wrong_date_and_counts_toward_the_lock(engine: Engine) -> None:
    client_id = add_client(engine)
    code = issue_code(engine, client_id)
    wrong_code = attempt(engine, "chat-1", PHONE, "1988-04-12", link_code=other_code(code))
    wrong_date = attempt(engine, "chat-2", PHONE, "1988-04-13", link_code=code)
    assert wrong_code == wrong_date == Attempt(Outcome.MISMATCH, attempts_left=2)
    first, second = audit_rows(engine, "chat-1"), audit_rows(engine, "chat-2")
    assert [(r.action, r.details) for r in first] == [(r.action, r.details) for r in second]
    assert [r.action for r in first] == ["identity.failed"]

    minute = dt.timedelta(minutes=1)
    assert attempt(engine, "chat-1", PHONE, "1988-04-12", NOW + minute, "22222222").outcome is (
        Outcome.MISMATCH
    )
    until = NOW + 2 * minute + dt.timedelta(minutes=15)
    third = attempt(engine, "chat-1", PHONE, "1988-04-12", NOW + 2 * minute, other_code(code))
    assert third == Attempt(Outcome.LOCKED, locked_until=until)
    # Locked: even the right code is refused, and stays unused.
    refused = attempt(engine, "chat-1", PHONE, "1988-04-12", NOW + 3 * minute, code)
    assert refused.outcome is Outcome.LOCKED
    assert stored_code(engine, client_id).used_at is None
    assert_no_personal_data(audit_rows(engine, "chat-1"))


def test_a_wrong_date_or_phone_leaves_the_code_unused(engine: Engine) -> None:
    client_id = add_client(engine)
    code = issue_code(engine, client_id)
    assert attempt(engine, "chat-1", PHONE, "1988-04-13", link_code=code).outcome is (
        Outcome.MISMATCH
    )
    assert attempt(engine, "chat-1", "+254712999999", "1988-04-12", link_code=code).outcome is (
        Outcome.MISMATCH
    )
    assert stored_code(engine, client_id).used_at is None
    assert attempt(engine, "chat-1", PHONE, "1988-04-12", link_code=code) == Attempt(
        Outcome.VERIFIED, client_id=client_id, language="sw"
    )
    assert stored_code(engine, client_id).used_at == NOW


def test_without_a_code_asked_the_date_alone_still_links(engine: Engine) -> None:
    client_id = add_client(engine)
    issue_code(engine, client_id)
    assert attempt(engine, "chat-1", PHONE, "1988-04-12").outcome is Outcome.VERIFIED
    assert stored_code(engine, client_id).used_at is None


# --- verify() with the client's PIN (WAZI_VERIFY_PIN) --------------------------------------

PIN = "5826"


def set_pin(engine: Engine, client_id: int, pin: str = PIN) -> None:
    with session_scope(engine) as session:
        client = session.get(Client, client_id)
        assert client is not None
        pins.set_pin(session, client, pin, identity_for(session, "web", "officer-chat"), NOW)


def test_a_client_with_a_pin_is_asked_for_it_before_anything_is_linked(engine: Engine) -> None:
    client_id = add_client(engine)
    set_pin(engine, client_id)
    result = attempt(engine, "chat-1", PHONE, "1988-04-12", require_pin=True)
    assert result == Attempt(Outcome.NEED_PIN)
    identity = stored_identity(engine, "chat-1")
    assert (identity.client_id, identity.verified_at, identity.failed_attempts) == (None, None, 0)
    assert not is_verified(identity)
    rows = audit_rows(engine, "chat-1")
    assert [(row.action, row.details) for row in rows] == [
        ("identity.pin_needed", {"channel": "web", "client_id": client_id})
    ]
    assert_no_personal_data(rows)

    # Asking again and again counts nothing toward the lock.
    for _ in range(POLICY.max_failures):
        again = attempt(engine, "chat-1", PHONE, "1988-04-12", require_pin=True)
        assert again.outcome is Outcome.NEED_PIN
    assert stored_identity(engine, "chat-1").failed_attempts == 0


def test_the_right_pin_links_the_identity(engine: Engine) -> None:
    client_id = add_client(engine)
    set_pin(engine, client_id)
    result = attempt(engine, "chat-1", PHONE, "1988-04-12", pin="58 26", require_pin=True)
    assert result == Attempt(Outcome.VERIFIED, client_id=client_id, language="sw")
    identity = stored_identity(engine, "chat-1")
    assert (identity.client_id, identity.verified_at) == (client_id, NOW)
    rows = audit_rows(engine, "chat-1")
    assert [row.action for row in rows] == ["identity.verified"]
    assert PIN not in json.dumps([row.details for row in rows])


def test_a_wrong_pin_fails_like_a_wrong_date_and_counts_toward_the_lock(engine: Engine) -> None:
    client_id = add_client(engine)
    set_pin(engine, client_id)
    wrong_pin = attempt(engine, "chat-1", PHONE, "1988-04-12", pin="5827", require_pin=True)
    wrong_date = attempt(engine, "chat-2", PHONE, "1988-04-13", pin=PIN, require_pin=True)
    assert wrong_pin == wrong_date == Attempt(Outcome.MISMATCH, attempts_left=2)
    first, second = audit_rows(engine, "chat-1"), audit_rows(engine, "chat-2")
    assert [(r.action, r.details) for r in first] == [(r.action, r.details) for r in second]
    assert [r.action for r in first] == ["identity.failed"]

    minute = dt.timedelta(minutes=1)
    # Three wrong PINs lock the chat like three wrong dates.
    for k, pin in enumerate(("0000", "58260")):
        result = attempt(
            engine, "chat-3", PHONE, "1988-04-12", NOW + k * minute, pin=pin, require_pin=True
        )
        assert (result.outcome, result.attempts_left) == (Outcome.MISMATCH, 2 - k)
    until = NOW + 2 * minute + dt.timedelta(minutes=POLICY.lock_minutes)
    third = attempt(
        engine, "chat-3", PHONE, "1988-04-12", NOW + 2 * minute, pin="1111", require_pin=True
    )
    assert third == Attempt(Outcome.LOCKED, locked_until=until)
    # Locked: even the right PIN is refused until the lock ends.
    refused = attempt(
        engine, "chat-3", PHONE, "1988-04-12", NOW + 3 * minute, pin=PIN, require_pin=True
    )
    assert refused == Attempt(Outcome.LOCKED, locked_until=until)
    assert stored_identity(engine, "chat-3").client_id is None
    rows = audit_rows(engine, "chat-3")
    assert [row.action for row in rows] == [
        "identity.failed",
        "identity.failed",
        "identity.locked",
        "identity.refused",
    ]
    assert_no_personal_data(rows)
    assert all(PIN not in json.dumps(row.details) for row in rows)


def test_a_client_without_a_pin_is_linked_directly(engine: Engine) -> None:
    client_id = add_client(engine)
    result = attempt(engine, "chat-1", PHONE, "1988-04-12", require_pin=True)
    assert result == Attempt(Outcome.VERIFIED, client_id=client_id, language="sw")
    # A PIN typed for a client without one is not checked.
    other = attempt(engine, "chat-2", PHONE, "1988-04-12", pin="9999", require_pin=True)
    assert other.outcome is Outcome.VERIFIED


def test_without_require_pin_a_client_with_a_pin_is_linked_on_the_date(engine: Engine) -> None:
    client_id = add_client(engine)
    set_pin(engine, client_id)
    result = attempt(engine, "chat-1", PHONE, "1988-04-12")
    assert result == Attempt(Outcome.VERIFIED, client_id=client_id, language="sw")


def test_with_a_code_the_pin_is_asked_before_the_code_is_used(engine: Engine) -> None:
    client_id = add_client(engine)
    code = issue_code(engine, client_id)
    set_pin(engine, client_id)
    # The right details and code, no PIN yet: asked for it, the code stays unused.
    asked = attempt(engine, "chat-1", PHONE, "1988-04-12", link_code=code, require_pin=True)
    assert asked == Attempt(Outcome.NEED_PIN)
    assert stored_code(engine, client_id).used_at is None
    # A wrong PIN fails and leaves the code unused.
    wrong = attempt(
        engine, "chat-1", PHONE, "1988-04-12", link_code=code, pin="5827", require_pin=True
    )
    assert wrong == Attempt(Outcome.MISMATCH, attempts_left=2)
    assert stored_code(engine, client_id).used_at is None
    assert stored_identity(engine, "chat-1").client_id is None
    # The right PIN links and uses the code up.
    right = attempt(
        engine, "chat-1", PHONE, "1988-04-12", link_code=code, pin=PIN, require_pin=True
    )
    assert right == Attempt(Outcome.VERIFIED, client_id=client_id, language="sw")
    assert stored_code(engine, client_id).used_at == NOW
    assert_no_personal_data(audit_rows(engine, "chat-1"))


def test_with_a_wrong_code_no_pin_is_asked(engine: Engine) -> None:
    client_id = add_client(engine)
    code = issue_code(engine, client_id)
    set_pin(engine, client_id)
    result = attempt(
        engine, "chat-1", PHONE, "1988-04-12", link_code=other_code(code), require_pin=True
    )
    assert result == Attempt(Outcome.MISMATCH, attempts_left=2)
    assert [row.action for row in audit_rows(engine, "chat-1")] == ["identity.failed"]
    assert stored_code(engine, client_id).used_at is None


def forget(engine: Engine, user: str) -> bool:
    with session_scope(engine) as session:
        return lock_with_pin(session, identity_for(session, "web", user))


def test_lock_with_pin_locks_a_chat_verified_as_a_client_with_a_pin(engine: Engine) -> None:
    client_id = add_client(engine)
    set_pin(engine, client_id)
    attempt(engine, "chat-1", PHONE, "1988-04-12", pin=PIN, require_pin=True)
    assert forget(engine, "chat-1") is True
    identity = stored_identity(engine, "chat-1")
    assert (identity.client_id, identity.verified_at) == (client_id, None)  # whose it is stays
    assert not is_verified(identity)
    assert identity.locale == "sw"  # the language chosen stays with the chat
    rows = audit_rows(engine, "chat-1")
    assert [(row.action, row.details) for row in rows] == [
        ("identity.verified", {"channel": "web", "client_id": client_id}),
        ("identity.expired", {"channel": "web", "client_id": client_id}),
    ]
    # Already forgotten: nothing more to do.
    assert forget(engine, "chat-1") is False
    assert len(audit_rows(engine, "chat-1")) == 2
    # The next person on the phone is asked for the PIN again.
    again = attempt(engine, "chat-1", PHONE, "1988-04-12", NOW, require_pin=True)
    assert again == Attempt(Outcome.NEED_PIN)


def test_unlock_opens_a_locked_chat_with_the_pin_alone(engine: Engine) -> None:
    client_id = add_client(engine)
    set_pin(engine, client_id)
    attempt(engine, "chat-1", PHONE, "1988-04-12", pin=PIN, require_pin=True)
    forget(engine, "chat-1")
    policy = Policy(max_failures=2, lock_minutes=30)
    with session_scope(engine) as session:
        chat = identity_for(session, "web", "chat-1")
        assert locked_by_pin(chat)
        wrong = unlock(session, chat, "9090", NOW, policy)
        assert wrong == Attempt(Outcome.MISMATCH, attempts_left=1)
        right = unlock(session, chat, PIN, NOW, policy)
        assert right.outcome is Outcome.VERIFIED and right.client_id == client_id
        assert is_verified(chat) and not locked_by_pin(chat) and chat.failed_attempts == 0
    forget(engine, "chat-1")
    with session_scope(engine) as session:
        chat = identity_for(session, "web", "chat-1")
        assert unlock(session, chat, "9090", NOW, policy).outcome is Outcome.MISMATCH
        assert unlock(session, chat, "9191", NOW, policy).outcome is Outcome.LOCKED
        assert unlock(session, chat, PIN, NOW, policy).outcome is Outcome.LOCKED  # even the PIN
        assert not is_verified(chat)
    actions = [row.action for row in audit_rows(engine, "chat-1")]
    assert actions.count("identity.unlocked") == 1 and actions[-1] == "identity.refused"


def test_lock_with_pin_keeps_a_chat_verified_as_a_client_without_a_pin(engine: Engine) -> None:
    client_id = add_client(engine)
    attempt(engine, "chat-1", PHONE, "1988-04-12", require_pin=True)
    assert forget(engine, "chat-1") is False
    identity = stored_identity(engine, "chat-1")
    assert (identity.client_id, identity.verified_at) == (client_id, NOW)
    assert [row.action for row in audit_rows(engine, "chat-1")] == ["identity.verified"]


def test_lock_with_pin_does_nothing_for_a_chat_not_verified(engine: Engine) -> None:
    add_client(engine)
    assert forget(engine, "chat-1") is False
    assert audit_rows(engine, "chat-1") == []
