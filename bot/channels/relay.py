"""The relay between a messaging platform and Rasa: nothing lost, nothing doubled.

Both adapters (Telegram, WhatsApp) hand each client message to ``Relay.accept``, which stores
it in ``channel_messages`` once (a platform's retry with the same message id is refused by the
table's unique constraint) and wakes the relay's worker (``Relay.run``). The worker takes each
chat's oldest open message, in order, and:

1. forwards it to Rasa's REST channel with the sender's identity signed into the message
   metadata (``bot.channel_identity``), so the actions can trust who is writing;
2. keeps Rasa's answers on the row, then sends them one by one through the adapter's
   ``Sender``, counting each one sent, so a crash or a platform error resumes after the last
   answer that arrived and never sends one twice.

When Rasa or the action server cannot answer (no connection, a timeout, a 5xx), the client is
told once, in their language, that their message is kept, and the message is tried again after
a growing pause. A later message of the same chat waits behind it, so the conversation stays in
order. Answers are not sent twice: Rasa saves a conversation only once the whole turn has run,
so a failed turn leaves nothing behind and the retry runs it afresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import channel_identity
from bot.channel_identity import sender_id
from bot.channels import messages
from bot.chat_audit import audit_chat
from bot.db.models import ChannelDelivery, ChannelMessage
from bot.db.session import session_scope
from bot.i18n import gettext
from bot.identity import identity_for, language_for

logger = logging.getLogger(__name__)

PENDING = "pending"  # not yet answered by Rasa
ANSWERED = "answered"  # Rasa's answers are on the row; some may still be unsent
DONE = "done"  # every answer reached the platform
FAILED = "failed"  # given up: Rasa refused the message, or the platform refused the chat
OPEN_STATES = (PENDING, ANSWERED)


@dataclass(frozen=True)
class Inbound:
    """One message from a client, as an adapter read it from the platform."""

    channel: str  # "telegram", "whatsapp"
    external_id: str  # unique per channel: the platform's id of this message or button press
    user_id: str  # the sender's id on the platform
    chat_id: str  # where the answers go
    text: str  # what Rasa receives: the typed text, or the pressed button's payload
    phone: str | None = None  # a phone number the platform vouches for (E.164)


@dataclass(frozen=True)
class Recipient:
    """Where an answer goes, and in which language the adapter's own words are said."""

    channel: str
    user_id: str
    chat_id: str
    language: str


class DeliveryError(Exception):
    """A platform refused a message. ``retry_after`` in seconds, or None: never retry."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Sender(Protocol):
    """How an adapter puts one of Rasa's answers on its platform."""

    async def send(self, to: Recipient, message: Mapping[str, Any]) -> list[str]:
        """Send one Rasa answer (``text``, ``buttons``, ``image``, ``custom``); return the
        platform's ids of the messages sent. Raise DeliveryError when the platform refuses."""
        ...


class RasaUnavailable(RuntimeError):
    """Rasa (or the action server behind it) did not answer; try again later."""


class RasaRefused(RuntimeError):
    """Rasa answered with a 4xx: the message itself is the problem; do not retry."""


@dataclass(frozen=True)
class RetryPolicy:
    first: float = 2.0  # seconds before the first retry
    factor: float = 2.0
    longest: float = 60.0

    def delay(self, attempts: int) -> float:
        return min(self.longest, self.first * self.factor ** max(0, attempts - 1))


Clock = Callable[[], dt.datetime]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Relay:
    """Forwards a channel's stored messages to Rasa and delivers the answers; see the module."""

    engine: Engine
    sender: Sender
    channel: str
    rasa_url: str
    secret: bytes
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    clock: Clock = _utcnow
    rasa_timeout: float = 60.0
    poll_interval: float = 5.0  # look for due retries at least this often
    _wakeup: asyncio.Event | None = field(default=None, init=False, repr=False)
    _loop: asyncio.AbstractEventLoop | None = field(default=None, init=False, repr=False)

    # --- Called by the adapters (any thread) -----------------------------------------------

    def accept(self, inbound: Inbound, answers: list[dict[str, Any]] | None = None) -> bool:
        """Store a client's message for the worker; False when it was stored before.

        With ``answers`` the message is stored as already answered (the adapter's own reply to
        a sticker, say): the worker delivers them without asking Rasa, in the chat's order, and
        a platform's retry of the message is still refused.
        """
        if inbound.channel != self.channel:
            raise ValueError(f"this relay serves {self.channel}, not {inbound.channel}")
        now = self.clock()
        try:
            with session_scope(self.engine) as session:
                session.add(
                    ChannelMessage(
                        channel=inbound.channel,
                        external_id=inbound.external_id,
                        user_id=inbound.user_id,
                        chat_id=inbound.chat_id,
                        text=inbound.text,
                        phone=inbound.phone,
                        received_at=now,
                        next_attempt_at=now,
                        state=PENDING if answers is None else ANSWERED,
                        responses=answers,
                        delivered=0,
                    )
                )
        except IntegrityError:
            logger.info("%s message seen before: ignored", self.channel)
            return False
        self.wake()
        return True

    def wake(self) -> None:
        """Tell the worker there is something to do (thread-safe)."""
        if self._loop is not None and self._wakeup is not None:
            self._loop.call_soon_threadsafe(self._wakeup.set)

    def recipient(self, user_id: str, chat_id: str) -> Recipient:
        """Where to answer a user, with the language their chat identity speaks."""
        with session_scope(self.engine) as session:
            return self._recipient(session, user_id, chat_id)

    def _recipient(self, session: Session, user_id: str, chat_id: str) -> Recipient:
        language = language_for(identity_for(session, self.channel, user_id)) or "en"
        return Recipient(self.channel, user_id, chat_id, language)

    def record_refusal(self, user_id: str, reason: str) -> None:
        """Write down that an adapter refused something from a user (a forwarded contact)."""
        with session_scope(self.engine) as session:
            person = identity_for(session, self.channel, user_id)
            details = {"channel": self.channel, "reason": reason}
            audit_chat(
                session, person, "identity.refused", "chat_identity", str(person.id), details
            )

    async def say(self, to: Recipient, text: str) -> None:
        """Send the adapter's own words (already translated); logged, never raised."""
        try:
            await self.sender.send(to, {"text": text})
        except DeliveryError as exc:
            logger.warning("%s: could not send a notice: %s", self.channel, exc)

    # --- The worker ----------------------------------------------------------------------

    async def run(self) -> None:
        """Work until cancelled: handle what is due, then sleep until woken or a retry is due."""
        self._loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        while True:
            self._wakeup.clear()
            try:
                wait = await self.work_once()
            except Exception:  # noqa: BLE001 - a database outage or a bug: log, try again later
                logger.exception("%s relay: work failed; trying again", self.channel)
                wait = self.poll_interval
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancel that
            # arrives in the same loop turn as the wake-up, and the worker would never stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._wakeup.wait()

    async def drain(self, timeout: float = 60.0) -> None:
        """Work until nothing is due now (for tests and for a clean shutdown)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while await self._due_chats():
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("the relay still has due messages")
            await self.work_once()

    async def work_once(self) -> float:
        """Handle every chat whose oldest open message is due; seconds until the next is due."""
        chats = await self._due_chats()
        if chats:
            await asyncio.gather(*(self._work_chat(chat) for chat in chats))
        return await asyncio.to_thread(self._seconds_to_next)

    async def _due_chats(self) -> list[int]:
        return await asyncio.to_thread(self._oldest_due)

    def _oldest_due(self) -> list[int]:
        """The id of each chat's oldest open message, when that message is due."""
        with session_scope(self.engine) as session:
            oldest = (
                select(func.min(ChannelMessage.id))
                .where(ChannelMessage.channel == self.channel)
                .where(ChannelMessage.state.in_(OPEN_STATES))
                .group_by(ChannelMessage.chat_id)
            )
            rows = session.scalars(
                select(ChannelMessage.id)
                .where(ChannelMessage.id.in_(oldest))
                .where(ChannelMessage.next_attempt_at <= self.clock())
                .order_by(ChannelMessage.id)
            )
            return list(rows)

    def _seconds_to_next(self) -> float:
        with session_scope(self.engine) as session:
            soonest = session.scalar(
                select(func.min(ChannelMessage.next_attempt_at))
                .where(ChannelMessage.channel == self.channel)
                .where(ChannelMessage.state.in_(OPEN_STATES))
            )
        if soonest is None:
            return self.poll_interval
        return max(0.0, min(self.poll_interval, (soonest - self.clock()).total_seconds()))

    async def _work_chat(self, message_id: int) -> None:
        """Take one chat as far as it goes: its messages in order, until one must wait."""
        next_id: int | None = message_id
        while next_id is not None:
            row, to = await asyncio.to_thread(self._load, next_id)
            if not await self._work_message(row, to):
                return
            next_id = await asyncio.to_thread(self._next_open_in_chat, row.chat_id, row.id)

    def _next_open_in_chat(self, chat_id: str, after_id: int) -> int | None:
        with session_scope(self.engine) as session:
            return session.scalar(
                select(func.min(ChannelMessage.id))
                .where(ChannelMessage.channel == self.channel)
                .where(ChannelMessage.chat_id == chat_id)
                .where(ChannelMessage.state.in_(OPEN_STATES))
                .where(ChannelMessage.id > after_id)
            )

    def _load(self, message_id: int) -> tuple[ChannelMessage, Recipient]:
        """A message (detached, to read outside the session) and where its answers go."""
        with session_scope(self.engine) as session:
            row = session.get_one(ChannelMessage, message_id)
            to = self._recipient(session, row.user_id, row.chat_id)
            session.expunge(row)
        return row, to

    async def _work_message(self, row: ChannelMessage, to: Recipient) -> bool:
        """Forward and deliver one message; False when it must wait for a retry."""
        if row.state == PENDING:
            try:
                answers = await self._ask_rasa(row)
            except RasaUnavailable as exc:
                await self._postpone(row, to, str(exc))
                return False
            except RasaRefused as exc:
                await asyncio.to_thread(self._update, row.id, state=FAILED, last_error=str(exc))
                logger.error("%s message %s refused by Rasa: %s", self.channel, row.id, exc)
                return True
            await asyncio.to_thread(
                self._update, row.id, state=ANSWERED, responses=answers, last_error=None
            )
            row.responses, row.delivered = answers, 0
        return await self._deliver(row, to)

    async def _deliver(self, row: ChannelMessage, to: Recipient) -> bool:
        answers = row.responses or []
        for index in range(row.delivered, len(answers)):
            try:
                provider_ids = await self.sender.send(to, answers[index])
            except DeliveryError as exc:
                if exc.retry_after is None:
                    logger.warning("%s refused message %s: %s", self.channel, row.id, exc)
                    await asyncio.to_thread(
                        self._update, row.id, state=FAILED, last_error=str(exc)[:200]
                    )
                    return True
                when = self.clock() + dt.timedelta(seconds=exc.retry_after)
                await asyncio.to_thread(
                    self._update, row.id, next_attempt_at=when, last_error=str(exc)[:200]
                )
                return False
            await asyncio.to_thread(self._delivered, row, index + 1, provider_ids)
        await asyncio.to_thread(self._update, row.id, state=DONE)
        return True

    async def _postpone(self, row: ChannelMessage, to: Recipient, reason: str) -> None:
        attempts = row.attempts + 1
        when = self.clock() + dt.timedelta(seconds=self.retry.delay(attempts))
        logger.warning(
            "%s message %s: Rasa unavailable (%s); retry %d in %.0f s",
            self.channel,
            row.id,
            reason,
            attempts,
            (when - self.clock()).total_seconds(),
        )
        if not row.outage_notified:
            await self.say(to, gettext(to.language, messages.OUTAGE))
        await asyncio.to_thread(
            self._update,
            row.id,
            attempts=attempts,
            next_attempt_at=when,
            outage_notified=True,
            last_error=reason[:200],
        )

    async def _ask_rasa(self, row: ChannelMessage) -> list[dict[str, Any]]:
        claim = channel_identity.ChannelClaim(
            channel=self.channel,
            channel_user_id=row.user_id,
            phone=row.phone,
            message_id=row.external_id,
        )
        body = {
            "sender": sender_id(self.channel, row.user_id, self.secret),
            "message": row.text,
            "input_channel": self.channel,
            "metadata": channel_identity.sign(claim, self.secret, self.clock()),
        }
        data = json.dumps(body).encode()
        headers = {
            "Content-Type": "application/json",
            channel_identity.RELAY_HEADER: channel_identity.relay_signature(data, self.secret),
        }
        try:
            async with httpx.AsyncClient(timeout=self.rasa_timeout) as client:
                response = await client.post(
                    f"{self.rasa_url}/webhooks/relay/webhook", content=data, headers=headers
                )
        except httpx.TransportError as exc:
            raise RasaUnavailable(type(exc).__name__) from exc
        if response.status_code >= 500:
            raise RasaUnavailable(f"HTTP {response.status_code}")
        if response.status_code >= 400:
            raise RasaRefused(f"HTTP {response.status_code}: {response.text[:150]}")
        try:
            answers = response.json()
        except ValueError as exc:
            raise RasaUnavailable("an answer that is not JSON") from exc
        if not isinstance(answers, list) or not all(isinstance(a, dict) for a in answers):
            raise RasaUnavailable("an answer that is not a list of messages")
        return answers

    # --- Database writes -----------------------------------------------------------------

    def _update(self, message_id: int, **values: Any) -> None:
        with session_scope(self.engine) as session:
            row = session.get_one(ChannelMessage, message_id)
            for name, value in values.items():
                setattr(row, name, value)

    def _delivered(self, row: ChannelMessage, count: int, provider_ids: list[str]) -> None:
        now = self.clock()
        with session_scope(self.engine) as session:
            session.get_one(ChannelMessage, row.id).delivered = count
            known = set(
                session.scalars(
                    select(ChannelDelivery.provider_id)
                    .where(ChannelDelivery.channel == self.channel)
                    .where(ChannelDelivery.provider_id.in_(provider_ids))
                )
            )
            for provider_id in provider_ids:
                if provider_id in known:
                    continue  # a status webhook recorded it first
                session.add(
                    ChannelDelivery(
                        channel=self.channel,
                        provider_id=provider_id,
                        chat_id=row.chat_id,
                        created_at=now,
                        updated_at=now,
                    )
                )
        row.delivered = count
