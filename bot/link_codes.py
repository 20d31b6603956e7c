"""One-time linking codes: a loan officer hands one to the client at disbursement, and the
identity check asks for it where the institution wants more than the date of birth
(``WAZI_VERIFY_LINK_CODE``).

A code is 8 characters from an alphabet without look-alikes (no 0, O, 1 or I), shown grouped as
``K7QM-3XPA``; what the client types is read case-insensitively, with or without the dash or
spaces. Only the code's argon2 hash is stored, so the plain code exists once: in what
:func:`issue` returns. Issuing a new code voids the client's older unused ones; :func:`use`
accepts only the newest code, unused and unexpired, and uses it up. Issuing and using are
written to the audit log, never with the code.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db.models import AuditEntry, Client, LinkCode

logger = logging.getLogger(__name__)

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 8
GROUP = 4  # characters on each side of the dash
VALID_DAYS = 90
MAX_ISSUER = 64

_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]+")  # spaces and every kind of dash
_hasher = PasswordHasher()


class State(enum.StrEnum):
    WAITING = "waiting"  # issued, not used yet, not expired
    USED = "used"
    EXPIRED = "expired"
    VOIDED = "voided"  # a newer code replaced it


def normalise(typed: str) -> str | None:
    """The code as hashed (``K7QM3XPA``) from what was typed (``k7qm-3xpa``, ``K7QM 3XPA``);
    None when it cannot be a code."""
    cleaned = _SEPARATORS.sub("", typed).upper()
    if len(cleaned) != LENGTH or any(char not in ALPHABET for char in cleaned):
        return None
    return cleaned


def grouped(code: str) -> str:
    """A normalised code as people read it: ``K7QM-3XPA``."""
    return f"{code[:GROUP]}-{code[GROUP:]}"


def _new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def _audit(
    session: Session, actor_type: str, actor_id: str, action: str, client_id: int, **details: object
) -> None:
    session.add(
        AuditEntry(
            actor_type=actor_type,
            actor_id=actor_id[:MAX_ISSUER],
            action=action,
            subject_type="client",
            subject_id=str(client_id),
            details=details,
        )
    )


def issue(
    session: Session,
    client: Client,
    issued_by: str,
    now: dt.datetime,
    valid_days: int = VALID_DAYS,
) -> str:
    """A new code for ``client``, grouped for reading (the only time it exists in plain);
    the client's older unused codes stop working."""
    if valid_days < 1:
        raise ValueError(f"a code must be valid for at least a day, not {valid_days}")
    voided = session.execute(
        update(LinkCode)
        .where(
            LinkCode.client_id == client.id,
            LinkCode.used_at.is_(None),
            LinkCode.voided_at.is_(None),
        )
        .values(voided_at=now)
    ).rowcount
    code = _new_code()
    row = LinkCode(
        client_id=client.id,
        code_hash=_hasher.hash(code),
        issued_at=now,
        issued_by=issued_by[:MAX_ISSUER],
        expires_at=now + dt.timedelta(days=valid_days),
    )
    session.add(row)
    session.flush()
    _audit(
        session,
        "staff",
        issued_by,
        "link_code.issued",
        client.id,
        link_code_id=row.id,
        expires_at=row.expires_at.isoformat(),
        voided=voided,
    )
    logger.info("linking code %s issued for client %s", row.id, client.id)
    return grouped(code)


def newest(session: Session, client_id: int) -> LinkCode | None:
    """The client's most recently issued code, whatever its state."""
    return session.scalars(
        select(LinkCode)
        .where(LinkCode.client_id == client_id)
        .order_by(LinkCode.issued_at.desc(), LinkCode.id.desc())
        .limit(1)
    ).first()


def state(code: LinkCode, now: dt.datetime) -> State:
    """Where a code stands at ``now``."""
    if code.used_at is not None:
        return State.USED
    if code.voided_at is not None:
        return State.VOIDED
    if code.expires_at <= now:
        return State.EXPIRED
    return State.WAITING


def _matches(code_hash: str, typed: str) -> bool:
    try:
        return _hasher.verify(code_hash, typed)
    except (VerificationError, InvalidHashError):
        return False


def _waiting(session: Session, client: Client, typed: str, now: dt.datetime) -> LinkCode | None:
    """The client's newest code if ``typed`` is it and it is unused and unexpired."""
    code = normalise(typed)
    current = newest(session, client.id)
    if code is None or current is None or state(current, now) is not State.WAITING:
        return None
    return current if _matches(current.code_hash, code) else None


def valid(session: Session, client: Client, typed: str, now: dt.datetime) -> bool:
    """Whether ``typed`` is the client's newest code, unused and unexpired, without using it
    (the identity check asks for a PIN before it uses the code)."""
    return _waiting(session, client, typed, now) is not None


def use(session: Session, client: Client, typed: str, identity_id: int, now: dt.datetime) -> bool:
    """Whether ``typed`` is the client's newest code, unused and unexpired; if so it is used
    up by the chat identity ``identity_id`` (a second use, even at the same moment, fails)."""
    current = _waiting(session, client, typed, now)
    if current is None:
        return False
    taken = session.execute(
        update(LinkCode)
        .where(LinkCode.id == current.id, LinkCode.used_at.is_(None))
        .values(used_at=now, used_by=identity_id)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if taken != 1:
        return False
    _audit(
        session,
        "chat",
        str(identity_id),
        "link_code.used",
        client.id,
        link_code_id=current.id,
    )
    logger.info("linking code %s used by chat identity %s", current.id, identity_id)
    return True
