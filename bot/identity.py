"""Who is writing: chat identities, and checking them against a client's phone and birth date.

A chat identity (one user on one channel) is linked to a client only after the person gives
the client's registered phone number and date of birth, and, where the institution wants it
(``WAZI_VERIFY_LINK_CODE``), the one-time linking code from their loan card
(``bot.link_codes``). A client who set a PIN (``WAZI_VERIFY_PIN``, ``bot.pins``) is also asked
for it, and a chat linked to them forgets the check when the conversation ends
(:func:`forget_check`). Answers never reveal whether a phone number is registered: a wrong phone,
a wrong date, a wrong code and a wrong PIN fail the same way. Too many failures lock
the chat identity for a while. Every attempt is written to the audit log, without the values.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import re
from dataclasses import dataclass

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import link_codes, pins
from bot.chat_audit import audit_chat
from bot.db.models import ChatIdentity
from bot.i18n import language_of
from bot.loan_source import DatabaseLoans, LoanSource

logger = logging.getLogger(__name__)


class Outcome(enum.StrEnum):
    VERIFIED = "verified"
    MISMATCH = "mismatch"
    LOCKED = "locked"
    NEED_PIN = "need_pin"  # the details match a client with a PIN: ask for it, then check again


@dataclass(frozen=True)
class Attempt:
    outcome: Outcome
    client_id: int | None = None
    language: str | None = None  # the language to speak from now on, once verified
    attempts_left: int = 0
    locked_until: dt.datetime | None = None


@dataclass(frozen=True)
class Policy:
    max_failures: int
    lock_minutes: int


def phone_candidates(text: str, regions: tuple[str, ...]) -> list[str]:
    """Every valid E.164 reading of what the person typed (``+254 712...``, ``0712...``)."""
    candidates: list[str] = []
    cleaned = text.strip()
    if not cleaned:
        return candidates
    attempts = [None] if cleaned.startswith("+") else list(regions)
    for region in attempts:
        try:
            number = phonenumbers.parse(cleaned, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if e164 not in candidates:
                candidates.append(e164)
    return candidates


_DMY = re.compile(r"^\s*(\d{1,2})[./\-\s](\d{1,2})[./\-\s](\d{4})\s*$")
_YMD = re.compile(r"^\s*(\d{4})[./\-\s](\d{1,2})[./\-\s](\d{1,2})\s*$")


def parse_birth_date(text: str, today: dt.date) -> dt.date | None:
    """A date of birth typed as 1990-04-12 or 12/04/1990 (day first); None if not a date."""
    for pattern, order in ((_YMD, (0, 1, 2)), (_DMY, (2, 1, 0))):
        match = pattern.match(text)
        if match:
            parts = [int(g) for g in match.groups()]
            year, month, day = (parts[i] for i in order)
            try:
                born = dt.date(year, month, day)
            except ValueError:
                return None
            if born >= today or year < 1900:
                return None
            return born
    return None


def identity_for(session: Session, channel: str, channel_user_id: str) -> ChatIdentity:
    """The chat identity for a channel user, created on first contact."""
    identity = session.scalar(
        select(ChatIdentity).where(
            ChatIdentity.channel == channel, ChatIdentity.channel_user_id == channel_user_id
        )
    )
    if identity is None:
        identity = ChatIdentity(channel=channel, channel_user_id=channel_user_id)
        session.add(identity)
        session.flush()
    return identity


def locked_until(identity: ChatIdentity, now: dt.datetime) -> dt.datetime | None:
    if identity.locked_until is not None and identity.locked_until > now:
        return identity.locked_until
    return None


def is_verified(identity: ChatIdentity) -> bool:
    return identity.client_id is not None and identity.verified_at is not None


def with_language(locale: str, language: str) -> str:
    """A client's locale with its language replaced: ``sw_KE`` + ``en`` -> ``en_KE``."""
    parts = locale.replace("-", "_").split("_", 1)
    return f"{language}_{parts[1]}" if len(parts) == 2 else language


def language_for(identity: ChatIdentity) -> str | None:
    """The language to speak: the verified client's, else the one chosen in this chat."""
    if is_verified(identity) and identity.client is not None:
        return language_of(identity.client.locale)
    return identity.locale


def set_language(session: Session, identity: ChatIdentity, language: str) -> None:
    """Remember a language choice on the chat identity and, once verified, on the client."""
    identity.locale = language
    if is_verified(identity) and identity.client is not None:
        identity.client.locale = with_language(identity.client.locale, language)
    _audit(session, identity, "language.set", language=language)


def _audit(session: Session, identity: ChatIdentity, action: str, **details: object) -> None:
    details = {"channel": identity.channel, **details}
    audit_chat(session, identity, action, "chat_identity", str(identity.id), details)


def verify(
    session: Session,
    identity: ChatIdentity,
    phones: list[str],
    born: dt.date | None,
    now: dt.datetime,
    policy: Policy,
    source: LoanSource | None = None,
    link_code: str | None = None,
    pin: str | None = None,
    require_pin: bool = False,
) -> Attempt:
    """Check a phone number and a birth date; link the identity to the client on a match.

    ``source`` finds the client (Wazi's database unless told). When it raises
    ``LoanSourceUnavailable`` the exception goes to the caller and no attempt is counted.
    ``link_code``, when given, is what the person typed as their linking code: it must also be
    the client's current code, which is then used up (a wrong phone or date leaves it unused).
    ``require_pin`` (``WAZI_VERIFY_PIN``): a client who set a PIN must also give it. Without
    ``pin`` the answer is ``NEED_PIN``: nothing is linked, counted or used up, and the caller
    asks for the PIN and checks everything again with it. A wrong ``pin`` fails like a wrong
    date and leaves the code unused. A client without a PIN is linked as without
    ``require_pin``.
    """
    if (until := locked_until(identity, now)) is not None:
        _audit(session, identity, "identity.refused", reason="locked")
        return Attempt(Outcome.LOCKED, locked_until=until)

    client = None
    if phones and born is not None:
        client = (source or DatabaseLoans()).find_client(session, phones, born)
    pin_asked = client is not None and require_pin and pins.has_pin(client)
    if client is not None and pin_asked and pin is None:
        if link_code is None or link_codes.valid(session, client, link_code, now):
            _audit(session, identity, "identity.pin_needed", client_id=client.id)
            return Attempt(Outcome.NEED_PIN)
        client = None  # a wrong code fails like a wrong date, before any PIN is asked
    if client is not None and pin_asked and pin is not None and not pins.matches(client, pin):
        client = None  # a wrong PIN fails like a wrong date, and leaves the code unused
    if (
        client is not None
        and link_code is not None
        and not link_codes.use(session, client, link_code, identity.id, now)
    ):
        client = None  # a wrong code fails like a wrong date

    if client is not None:
        identity.client_id = client.id
        identity.verified_at = now
        identity.failed_attempts = 0
        identity.locked_until = None
        if identity.locale:  # chosen in this chat: the client's record remembers it
            client.locale = with_language(client.locale, identity.locale)
        else:
            identity.locale = language_of(client.locale)
        _audit(session, identity, "identity.verified", client_id=client.id)
        logger.info("chat identity %s verified", identity.id)
        return Attempt(Outcome.VERIFIED, client_id=client.id, language=identity.locale)

    return _failed(session, identity, now, policy)


def _failed(session: Session, identity: ChatIdentity, now: dt.datetime, policy: Policy) -> Attempt:
    """A failed check: counted, and the chat locked after ``policy.max_failures``."""
    identity.failed_attempts += 1
    if identity.failed_attempts >= policy.max_failures:
        identity.failed_attempts = 0
        identity.locked_until = now + dt.timedelta(minutes=policy.lock_minutes)
        _audit(session, identity, "identity.locked", minutes=policy.lock_minutes)
        logger.info("chat identity %s locked after failed checks", identity.id)
        return Attempt(Outcome.LOCKED, locked_until=identity.locked_until)

    _audit(session, identity, "identity.failed", attempt=identity.failed_attempts)
    return Attempt(Outcome.MISMATCH, attempts_left=policy.max_failures - identity.failed_attempts)


def lock_with_pin(session: Session, identity: ChatIdentity) -> bool:
    """The conversation ended: a chat verified as a client who set a PIN locks, so the next
    person on a shared phone needs the PIN (``unlock``). The chat still knows whose it is.
    False (nothing changed) for a chat not verified, or verified as a client without a PIN."""
    if not is_verified(identity) or identity.client is None or not pins.has_pin(identity.client):
        return False
    _audit(session, identity, "identity.expired", client_id=identity.client_id)
    identity.verified_at = None
    return True


def locked_by_pin(identity: ChatIdentity) -> bool:
    """Whether the chat is linked to a client but locked until their PIN is given."""
    return (
        identity.client is not None
        and identity.verified_at is None
        and pins.has_pin(identity.client)
    )


def unlock(
    session: Session, identity: ChatIdentity, typed: str, now: dt.datetime, policy: Policy
) -> Attempt:
    """Open a chat its PIN locked (``lock_with_pin``) with the PIN alone; a wrong PIN is a
    failed attempt toward the same lock as a wrong birth date."""
    if (until := locked_until(identity, now)) is not None:
        _audit(session, identity, "identity.refused", reason="locked")
        return Attempt(Outcome.LOCKED, locked_until=until)
    client = identity.client
    if client is not None and pins.matches(client, typed):
        identity.verified_at = now
        identity.failed_attempts = 0
        _audit(session, identity, "identity.unlocked", client_id=client.id)
        return Attempt(Outcome.VERIFIED, client_id=client.id, language=language_for(identity))
    return _failed(session, identity, now, policy)


def unlink(session: Session, identity: ChatIdentity) -> bool:
    """Log out: this chat is no longer linked to a client. False if it was not linked."""
    if identity.client_id is None:
        return False
    _audit(session, identity, "identity.unlinked", client_id=identity.client_id)
    identity.client_id = None
    identity.verified_at = None
    return True
