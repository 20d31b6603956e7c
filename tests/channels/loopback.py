"""Serve a WSGI app on a free loopback port in a background thread, for the fake platforms.

The fakes of the Telegram Bot API and the WhatsApp Graph API, and the scripted Rasa used by
the adapters' own tests, are small Flask apps served here by waitress over real HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from bot.channels.waitress_thread import ThreadedServer


@contextmanager
def serve(app: Callable[..., Any], threads: int = 8) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 and a free port; yield its base URL (no trailing slash)."""
    server = ThreadedServer(app, "127.0.0.1", 0, threads=threads, name="loopback")
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()


def wait_for(condition: Callable[[], Any], timeout: float = 30.0, what: str = "") -> Any:
    """Poll ``condition`` until it returns something truthy; that value, or AssertionError."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")


def is_up(url: str) -> bool:
    try:
        httpx.get(url, timeout=1)
    except httpx.TransportError:
        return False
    return True
