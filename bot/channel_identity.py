"""Signed channel identity: who is writing, as vouched for by a channel adapter.

The Telegram and WhatsApp adapters know who sent a message (the platform tells them, and they
check the platform's own signature). They pass that on to the action server through Rasa's
message metadata. Anyone can call Rasa's REST endpoint with any metadata, so the claim is
signed with a secret shared by the adapters and the action server only: ``sign`` in the
adapter, ``verify`` in the action server, which trusts nothing that does not verify.

What is signed: the channel, the user's id on it, their phone number (E.164, or None when the
channel has not told us), the channel's message id and the time of signing (whole seconds
since the Unix epoch). The HMAC-SHA256 covers a canonical JSON of all five (sorted keys, no
spaces, UTF-8), prefixed by a context string so that a signature made for something else
with the same secret never passes here. ``verify`` rejects a claim older than ``max_age`` or
dated more than ``CLOCK_SKEW`` into the future.

Replays: within ``max_age`` a captured metadata block verifies again. The signature binds the
message id, so whoever consumes a claim can refuse a second use by remembering the
``replay_key`` of each claim it accepted for ``max_age`` (Telegram message ids are unique only
within a chat, hence the key is channel, user and message id together). This module keeps no
such memory: it is pure.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from bot.identity import phone_candidates

logger = logging.getLogger(__name__)

METADATA_KEY = "wazi_identity"  # the one key of Rasa message metadata that holds the claim
CLOCK_SKEW = dt.timedelta(seconds=30)  # how far in the future a claim may be dated
_CONTEXT = b"wazi-channel-identity-v1\n"
_CLAIM_FIELDS = ("channel", "channel_user_id", "phone", "message_id")
_SIGNED_FIELDS = frozenset((*_CLAIM_FIELDS, "issued_at"))
_ALL_FIELDS = _SIGNED_FIELDS | {"signature"}
_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")


def sender_id(channel: str, channel_user_id: str, secret: bytes) -> str:
    """The Rasa conversation id the adapters use for a platform user: the channel and a keyed
    hash of the user's id there, e.g. ``whatsapp:3f0c...``.

    A WhatsApp user's id is their phone number, and Rasa writes conversation ids into its logs
    and its tracker store: the hash keeps the number out of both, and without the channel
    secret it cannot be recomputed from a number. A claim counts only in the conversation of
    the user it names, so a signed block copied into another conversation proves nothing there.
    """
    digest = hmac.new(
        secret, f"wazi-conversation:{channel}:{channel_user_id}".encode(), hashlib.sha256
    )
    return f"{channel}:{digest.hexdigest()[:32]}"


RELAY_HEADER = "X-Wazi-Relay-Signature"


def relay_signature(body: bytes, secret: bytes) -> str:
    """What the relay sends in ``RELAY_HEADER`` with each body it posts to Rasa's relay channel,
    which refuses a body without it (``bot/rasa_channels.py`` computes the same, in Rasa's
    environment): only a holder of the channel secret can speak to that endpoint at all."""
    return "sha256=" + hmac.new(secret, b"wazi-relay:" + body, hashlib.sha256).hexdigest()


class InvalidClaim(ValueError):
    """A claim that cannot be signed: an empty field or a phone number that is not valid."""


@dataclass(frozen=True)
class ChannelClaim:
    """Who wrote a message: a user on a channel, their phone if known, and the message."""

    channel: str  # "telegram", "whatsapp"
    channel_user_id: str
    phone: str | None  # E.164, e.g. "+254712000001"
    message_id: str

    @property
    def replay_key(self) -> tuple[str, str, str]:
        """What identifies this message on its channel: refuse a second claim with it."""
        return (self.channel, self.channel_user_id, self.message_id)


def normalise_phone(raw: str) -> str | None:
    """A channel's phone number in E.164, or None if it is not a valid number.

    Channels give numbers in international form, with or without the plus: Telegram's
    ``contact.phone_number`` and WhatsApp's ``wa_id`` both send ``254712000001``.
    """
    text = raw.strip()
    if not text:
        return None
    if not text.startswith("+"):
        text = "+" + text
    candidates = phone_candidates(text, ())
    return candidates[0] if candidates else None


def _timestamp(now: dt.datetime) -> int:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return int(now.timestamp())


def _mac(fields: Mapping[str, object], secret: bytes) -> str:
    canonical = json.dumps(
        {name: fields[name] for name in sorted(_SIGNED_FIELDS)},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode("utf-8")
    return hmac.new(secret, _CONTEXT + canonical, hashlib.sha256).hexdigest()


def sign(claim: ChannelClaim, secret: bytes, now: dt.datetime) -> dict[str, object]:
    """Metadata to attach to the message sent to Rasa: ``{METADATA_KEY: {fields, signature}}``.

    The phone is stored in E.164 whatever form the channel gave it in; raises
    ``InvalidClaim`` for an empty channel, user id or message id, or an invalid phone.
    """
    if not secret:
        raise ValueError("the signing secret must not be empty")
    for name in ("channel", "channel_user_id", "message_id"):
        value = getattr(claim, name)
        if not isinstance(value, str) or not value:
            raise InvalidClaim(f"{name} must be a non-empty string")
    phone = None
    if claim.phone is not None:
        phone = normalise_phone(claim.phone)
        if phone is None:
            raise InvalidClaim("phone is not a valid phone number")
    fields: dict[str, object] = {
        "channel": claim.channel,
        "channel_user_id": claim.channel_user_id,
        "phone": phone,
        "message_id": claim.message_id,
        "issued_at": _timestamp(now),
    }
    fields["signature"] = _mac(fields, secret)
    return {METADATA_KEY: fields}


def _well_formed(block: object) -> TypeGuard[Mapping[str, Any]]:
    if not isinstance(block, Mapping) or set(block) != _ALL_FIELDS:
        return False
    for name in ("channel", "channel_user_id", "message_id"):
        if not isinstance(block[name], str) or not block[name]:
            return False
    phone = block["phone"]
    if phone is not None and (not isinstance(phone, str) or normalise_phone(phone) != phone):
        return False
    issued_at = block["issued_at"]
    if not isinstance(issued_at, int) or isinstance(issued_at, bool):
        return False
    signature = block["signature"]
    return isinstance(signature, str) and _HEX_SHA256.fullmatch(signature) is not None


def verify(
    metadata: Mapping[str, object] | None,
    secret: bytes,
    now: dt.datetime,
    max_age: dt.timedelta,
) -> ChannelClaim | None:
    """The claim in a message's metadata if its signature holds and it is fresh, else None.

    None for missing or garbled fields, an unknown extra field, a signature that does not
    match (wrong secret, any field changed), a claim older than ``max_age`` or dated more
    than ``CLOCK_SKEW`` ahead of ``now``. The reason is logged at debug level, never the
    values.
    """
    if max_age < dt.timedelta(0):
        raise ValueError("max_age must not be negative")
    now_ts = _timestamp(now)
    if not secret or not isinstance(metadata, Mapping):
        logger.debug("channel identity rejected: no secret or no metadata")
        return None
    block = metadata.get(METADATA_KEY)
    if not _well_formed(block):
        logger.debug("channel identity rejected: missing or garbled fields")
        return None
    expected = _mac(block, secret)
    if not hmac.compare_digest(expected.encode("ascii"), block["signature"].encode("ascii")):
        logger.debug("channel identity rejected: signature does not match")
        return None
    age = now_ts - block["issued_at"]
    if age > max_age.total_seconds():
        logger.debug("channel identity rejected: %s s old", age)
        return None
    if -age > CLOCK_SKEW.total_seconds():
        logger.debug("channel identity rejected: dated %s s in the future", -age)
        return None
    return ChannelClaim(
        channel=block["channel"],
        channel_user_id=block["channel_user_id"],
        phone=block["phone"],
        message_id=block["message_id"],
    )
