"""Serve a WSGI app on a free loopback port in a background thread, for the fake platforms.

The fakes of the Telegram Bot API and the WhatsApp Graph API, and the scripted Rasa used by
the adapters' own tests, are small Flask apps served here by waitress over real HTTP.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from waitress import create_server


@contextmanager
def serve(app: Callable[..., Any], threads: int = 8) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 and a free port; yield its base URL (no trailing slash)."""
    server = create_server(app, host="127.0.0.1", port=0, threads=threads)
    port = server.socket.getsockname()[1]  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        # Worker threads first (one finishing a request pulls the trigger), then every socket
        # closed in the event loop's own thread: closed from here, the loop could be inside
        # select() on them ("Bad file descriptor").
        server.task_dispatcher.shutdown()

        def close_all() -> None:
            for dispatcher in list(server._map.values()):  # type: ignore[attr-defined]
                if dispatcher is not server and dispatcher is not server.trigger:
                    dispatcher.close()
            server.close()  # the listening socket and the trigger: the loop then ends

        server.trigger.pull_trigger(close_all)
        thread.join(timeout=5)


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
