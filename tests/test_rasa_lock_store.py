"""Wazi's lock store for Rasa (bot/rasa_lock_store.py) against the local Redis, in Rasa's own
environment: two stores (two Rasa servers) never let two turns of one conversation run at once,
a turn releases only its own lock, and a lock held too long is an error, not a wait forever."""

from __future__ import annotations

import secrets
import textwrap

from tests.rasa_env import run_in_rasa

CHECKS = textwrap.dedent(
    """
    import asyncio
    from rasa.core.lock_store import LockError
    from rasa.utils.endpoints import EndpointConfig
    from bot.rasa_lock_store import AtomicRedisLockStore

    PREFIX = "PREFIX_VALUE"

    def store():
        return AtomicRedisLockStore(
            EndpointConfig(url="127.0.0.1", port=6379, db=15, key_prefix=PREFIX)
        )

    async def main():
        a, b = store(), store()
        inside, most, done = 0, 0, []

        async def turn(lock_store, n):
            nonlocal inside, most
            async with lock_store.lock("conversation-1"):
                inside += 1
                most = max(most, inside)
                await asyncio.sleep(0.005)
                done.append(n)
                inside -= 1

        await asyncio.gather(*(turn(a if n % 2 else b, n) for n in range(40)))
        assert most == 1 and sorted(done) == list(range(40)), (most, done)

        # Other conversations do not wait for this one.
        async with a.lock("conversation-1"):
            async with b.lock("conversation-2"):
                pass

        # A lock held past its lifetime expires; its late release leaves the next one alone.
        key = PREFIX + ":lock:conversation-3"
        late = a.lock("conversation-3", lock_lifetime=0.2)
        await late.__aenter__()
        await asyncio.sleep(0.3)
        taken = b.lock("conversation-3", lock_lifetime=5)
        await taken.__aenter__()
        token = await b.redis.get(key)
        assert token is not None
        await late.__aexit__(None, None, None)
        assert await b.redis.get(key) == token
        await taken.__aexit__(None, None, None)
        assert await b.redis.get(key) is None

        # Waiting longer than the lifetime for a held lock is Rasa's LockError.
        async with b.lock("conversation-4", lock_lifetime=5):
            token = await b.redis.get(PREFIX + ":lock:conversation-4")
            try:
                async with a.lock("conversation-4", lock_lifetime=0.3):
                    raise AssertionError("two turns at once")
            except LockError:
                pass
            assert await b.redis.get(PREFIX + ":lock:conversation-4") == token
        await a.redis.aclose() if hasattr(a.redis, "aclose") else await a.redis.close()
        await b.redis.aclose() if hasattr(b.redis, "aclose") else await b.redis.close()
        print("ok")

    asyncio.run(main())
    """
)


def test_one_turn_of_a_conversation_at_a_time_across_two_stores() -> None:
    prefix = "wazitest" + secrets.token_hex(4)
    assert run_in_rasa(CHECKS.replace("PREFIX_VALUE", prefix)).strip().endswith("ok")
