"""Fixtures for the Fineract tests: the fake Fineract server on loopback and clients of it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from werkzeug.serving import make_server

from bot.fineract.client import FineractClient
from tests.conftest import DEMO_TODAY
from tests.fineract.fake_fineract import API, PASSWORD, TENANT, USERNAME, FakeFineract


@contextmanager
def serve(wsgi_app: Callable[..., Any]) -> Iterator[str]:
    """Serve ``wsgi_app`` on a free loopback port in a thread (as tests/web/conftest.py does);
    on exit the server stops and its request threads are joined."""
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    server.daemon_threads = False  # so server_close() joins request threads
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="fake-fineract",
        daemon=True,
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def fake_fineract() -> FakeFineract:
    return FakeFineract(DEMO_TODAY)


@pytest.fixture
def fineract_url(fake_fineract: FakeFineract) -> Iterator[str]:
    """The API root of the fake, served over HTTP on loopback."""
    with serve(fake_fineract.app) as base:
        try:
            yield base + API
        finally:
            fake_fineract.close()


@pytest.fixture
def make_client(fineract_url: str) -> Iterator[Callable[..., FineractClient]]:
    """Clients of the fake (the demo login unless told), fast backoff, all closed at the end."""
    made: list[FineractClient] = []
    sleeps: list[float] = []

    def make(**overrides: Any) -> FineractClient:
        options: dict[str, Any] = {
            "base_url": fineract_url,
            "tenant": TENANT,
            "username": USERNAME,
            "password": PASSWORD,
            "timeout": 2.0,
            "retries": 2,
            "backoff": 0.01,
            "sleep": sleeps.append,
        }
        options.update(overrides)
        client = FineractClient(**options)
        made.append(client)
        return client

    make.sleeps = sleeps  # type: ignore[attr-defined]
    yield make
    for client in made:
        client.close()
