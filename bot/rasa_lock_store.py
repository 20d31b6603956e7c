"""Rasa's lock store for several Rasa servers: one turn of a conversation at a time, for real.

Rasa 3.6's ``RedisLockStore`` issues its tickets by reading the conversation's lock from Redis,
adding a ticket and writing it back: two Rasa servers taking a message of the same conversation
at the same moment can both read, both write, and one ticket is lost, so both turns run at once
and one of them overwrites the other's events in the tracker store (RasaHQ/rasa#9213; the fix,
``ConcurrentRedisLockStore``, was reverted from Rasa Open Source). Wazi's end-to-end test of
eight simultaneous turns of one conversation lost two turns that way under load.

``AtomicRedisLockStore`` takes a plain Redis mutex per conversation instead: ``SET key token NX
PX lifetime`` until it succeeds, and a compare-and-delete script to release only its own lock.
A Rasa server that dies holding a lock frees it when the lifetime runs out (Rasa's, 60 s by
default, ``TICKET_LOCK_LIFETIME``). Turns waiting for the same conversation are served in no
particular order, as messages sent at the same moment to different servers have none.

It runs inside Rasa's environment (``bot/production.py`` names it in Rasa's endpoints as
``type: bot.rasa_lock_store.AtomicRedisLockStore``) and imports nothing else from Wazi.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis.asyncio as aioredis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

POLL = 0.02  # seconds between tries while another turn of the conversation runs
# Deletes the key only if it still holds this turn's token (a lock that expired and was taken
# by another turn is not ours to delete).
RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end"


class AtomicRedisLockStore(LockStore):
    """One turn at a time per conversation across every Rasa server sharing a Redis."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        settings: dict[str, Any] = dict(endpoint_config.kwargs)
        self.key_prefix = f"{settings.pop('key_prefix', 'wazi')}:lock:"
        self.redis = aioredis.Redis(
            host=endpoint_config.url or "localhost",
            port=int(settings.pop("port", 6379)),
            db=int(settings.pop("db", 0)),
            password=settings.pop("password", None),
            socket_timeout=float(settings.pop("socket_timeout", 10)),
        )
        super().__init__()

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = POLL,
    ) -> AsyncIterator[None]:
        key = self.key_prefix + conversation_id
        token = secrets.token_hex(16)
        deadline = time.monotonic() + lock_lifetime
        while not await self.redis.set(key, token, nx=True, px=int(lock_lifetime * 1000)):
            if time.monotonic() > deadline:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            await asyncio.sleep(min(wait_time_in_seconds, POLL))
        try:
            yield None
        finally:
            await self.redis.eval(RELEASE, 1, key, token)

    # Rasa's ticket bookkeeping, which this store does not use.
    def get_lock(self, conversation_id: str) -> TicketLock | None:
        return None

    def delete_lock(self, conversation_id: str) -> None:
        return None

    def save_lock(self, lock: TicketLock) -> None:
        return None
