"""Complaint news pushed to Telegram and WhatsApp chats, in the adapter's process.

The web chat shows a client's news with the answers to their next message; on Telegram and
WhatsApp the client may not write again, so each adapter runs a ``NewsPusher`` task: every
``every`` seconds it finds the chats of its channel with news (``news.chats_with_news``) and
sends each piece through the adapter's own ``send``. A piece is marked delivered only once the
platform took it; a refusal is logged and the piece (and the chat's later ones, to keep the
order) is tried again later: at the next round after a first refusal, then after waits that
double with each refusal in a row (one round, three, seven, ...) up to ``MAX_WAIT``, so a chat
the platform keeps refusing (a client who blocked the bot, a number gone) costs a few tries a
day, not one a minute. The news stays waiting all along; the client also gets it with the
answer to their next message.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from bot.buttons import Button
from bot.channels.relay import DeliveryError
from bot.complaints import news
from bot.db import models
from bot.db.session import session_scope

logger = logging.getLogger(__name__)

EVERY = 60.0  # seconds between rounds
MAX_WAIT = dt.timedelta(hours=6)  # the longest a refused chat waits for its next try


@dataclass(frozen=True)
class Outgoing:
    """One piece of news, rendered, for one chat."""

    event_id: int
    user_id: str  # the chat identity's id on its channel
    language: str
    text: str
    buttons: tuple[Button, ...] = ()

    def as_message(self) -> dict[str, Any]:
        """As one of Rasa's answers, the shape the channels' senders take."""
        message: dict[str, Any] = {"text": self.text}
        if self.buttons:
            message["buttons"] = [button.as_rasa() for button in self.buttons]
        return message


Send = Callable[[Outgoing], Awaitable[object]]  # raises DeliveryError when refused


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class NewsPusher:
    """Pushes one channel's complaint news; see the module."""

    engine: Engine
    channel: str
    send: Send
    every: float = EVERY
    clock: Callable[[], dt.datetime] = _utcnow
    # chat (its id on the channel) -> refusals in a row, and when to try it again
    refusals: dict[str, tuple[int, dt.datetime]] = field(default_factory=dict)

    def wait_after(self, refusals: int) -> dt.timedelta:
        """How long a chat waits after this many refusals in a row: until the next round after
        the first, then ``every`` times 1, 3, 7, ... rounds more, at most ``MAX_WAIT``."""
        rounds = 2 ** min(refusals - 1, 30) - 1
        return min(dt.timedelta(seconds=self.every * rounds), MAX_WAIT)

    def due(self) -> list[Outgoing]:
        """Every piece of news waiting in this channel's chats, each chat's oldest first."""
        waiting: list[Outgoing] = []
        with session_scope(self.engine) as session:
            for person in news.chats_with_news(session, self.channel):
                for event in news.pending(session, person):
                    locale = news.locale_of(event)
                    text, buttons = news.message_for(event, locale)
                    waiting.append(
                        Outgoing(
                            event.id, person.channel_user_id, locale.language, text, tuple(buttons)
                        )
                    )
        return waiting

    def delivered(self, event_id: int) -> None:
        with session_scope(self.engine) as session:
            event = session.get(models.ComplaintEvent, event_id)
            if event is not None and event.delivered_at is None:
                news.mark_delivered([event], self.clock())

    async def push_once(self) -> int:
        """Send what is waiting; how many pieces reached their chats."""
        waiting = await asyncio.to_thread(self.due)
        now = self.clock()
        for chat in set(self.refusals) - {item.user_id for item in waiting}:
            del self.refusals[chat]  # its news reached it another way: the web chat, a reply
        held: set[str] = set()
        sent = 0
        for item in waiting:
            if item.user_id in held:
                continue  # an earlier piece of this chat waits: keep the order
            count, next_try = self.refusals.get(item.user_id, (0, now))
            if next_try > now:
                held.add(item.user_id)
                continue
            try:
                await self.send(item)
            except DeliveryError as exc:
                wait = self.wait_after(count + 1)
                self.refusals[item.user_id] = (count + 1, now + wait)
                logger.warning(
                    "%s: complaint news not delivered (%d in a row), next try at the first "
                    "round %d s from now: %s",
                    self.channel,
                    count + 1,
                    wait.total_seconds(),
                    exc,
                )
                held.add(item.user_id)
                continue
            self.refusals.pop(item.user_id, None)
            await asyncio.to_thread(self.delivered, item.event_id)
            sent += 1
        if sent:
            logger.info("%s: %d pieces of complaint news delivered", self.channel, sent)
        return sent

    async def run(self) -> None:
        """Push at start and then every ``every`` seconds, until cancelled."""
        while True:
            try:
                await self.push_once()
            except Exception:  # noqa: BLE001 - a database outage or a bug: log, try again later
                logger.exception("%s: complaint news round failed; trying again", self.channel)
            await asyncio.sleep(self.every)
