"""A short PIN a client sets in chat, for phones shared in a family (``WAZI_VERIFY_PIN``).

Where the institution wants more than the date of birth, a verified client may set a PIN of
4 to 6 digits; from then on the identity check also asks for it (``bot.identity.verify``), and a
chat linked to that client forgets the check when the conversation ends
(``bot.identity.lock_with_pin``), so the next person on the phone needs the PIN to open it
(``bot.identity.unlock``).

What the client types is read without spaces or dashes, in any script's digits (Devanagari
``१२३४`` is ``1234``). A PIN anyone would guess (``0000``, ``1234``, ``1212``) is refused. Only
the PIN's argon2id hash is stored on the client; setting one is written to the audit log,
never with the PIN.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from bot.chat_audit import audit_chat
from bot.db.models import AuditEntry, ChatIdentity, Client

logger = logging.getLogger(__name__)

MIN_DIGITS, MAX_DIGITS = 4, 6

_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]+")  # spaces and every kind of dash
_hasher = PasswordHasher()  # argon2id


def normalise(typed: str) -> str | None:
    """The PIN as hashed (ASCII digits) from what was typed (``12 34``, ``१२३४``); None when
    it is not 4 to 6 digits."""
    cleaned = _SEPARATORS.sub("", typed)
    if not MIN_DIGITS <= len(cleaned) <= MAX_DIGITS or not cleaned.isdecimal():
        return None
    return "".join(str(unicodedata.decimal(char)) for char in cleaned)


def weak(pin: str) -> bool:
    """Whether a normalised PIN is one anyone would guess: one digit repeated (``0000``), a
    straight run up or down (``1234``, ``987654``) or two digits alternating (``1212``)."""
    steps = {int(after) - int(before) for before, after in zip(pin, pin[1:], strict=False)}
    alternating = all(digit == pin[index % 2] for index, digit in enumerate(pin))
    return steps in ({0}, {1}, {-1}) or alternating


def has_pin(client: Client) -> bool:
    return client.pin_hash is not None


def set_pin(
    session: Session, client: Client, pin: str, identity: ChatIdentity, now: dt.datetime
) -> None:
    """Store a normalised, strong PIN for ``client``, set in the chat ``identity``; it replaces
    any earlier one. ValueError (which never holds the PIN) for one not normalised or weak."""
    if normalise(pin) != pin:
        raise ValueError(f"a PIN must be {MIN_DIGITS} to {MAX_DIGITS} ASCII digits")
    if weak(pin):
        raise ValueError("a PIN anyone would guess is refused")
    client.pin_hash = _hasher.hash(pin)
    client.pin_set_at = now
    audit_chat(
        session, identity, "pin.set", "client", str(client.id), {"channel": identity.channel}
    )
    logger.info("PIN set for client %s by chat identity %s", client.id, identity.id)


def matches(client: Client, typed: str) -> bool:
    """Whether ``typed`` is the client's PIN (False when the client has none)."""
    pin = normalise(typed)
    if client.pin_hash is None or pin is None:
        return False
    try:
        return _hasher.verify(client.pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def pending(pin: str) -> str:
    """What the conversation keeps of a new PIN until it is typed again: its argon2id hash,
    no easier to read than the hash stored on the client."""
    return _hasher.hash(pin)


def confirms(pending_hash: str, typed: str) -> bool:
    """Whether ``typed`` is the new PIN ``pending`` kept."""
    pin = normalise(typed)
    if pin is None:
        return False
    try:
        return _hasher.verify(pending_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def remove_pin(session: Session, client: Client, staff: str, now: dt.datetime) -> bool:
    """Staff remove a client's PIN (forgotten, or the phone no longer shared); the chats it
    locked open again with the usual check. False when the client had none."""
    if client.pin_hash is None:
        return False
    client.pin_hash = None
    client.pin_set_at = None
    session.add(
        AuditEntry(
            actor_type="staff",
            actor_id=staff,
            action="pin.removed",
            subject_type="client",
            subject_id=str(client.id),
            details={},
            at=now,
        )
    )
    for chat in client.chat_identities:  # locked by the PIN: the usual check from now on
        if chat.verified_at is None:
            chat.client_id = None
    logger.info("PIN of client %s removed by staff", client.id)
    return True
