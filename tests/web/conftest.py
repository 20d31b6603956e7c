"""Fixtures for the web chat tests: a fake Rasa REST channel, the app, a live server, a browser."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from bot.web import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_DATE = dt.date(2026, 11, 25)


@contextmanager
def serve(wsgi_app: Callable[..., Any]) -> Iterator[str]:
    """Serve ``wsgi_app`` on a free loopback port in a thread; yields its base URL.

    On exit the server stops and every thread it started (including request threads)
    is joined, so no test leaves a server behind.
    """
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    server.daemon_threads = False  # so server_close() joins request threads
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="test-server"
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class FakeRasa:
    """A stand-in for Rasa 3.6's REST channel that records what it was sent.

    It greets any message with a text and two buttons, and answers the ``/affirm`` and
    ``/deny`` payloads. Tests change ``status``, ``raw_body`` or ``delay`` to make it misbehave.
    """

    def __init__(self) -> None:
        self.url = ""  # set once the server runs
        self.received: list[dict[str, Any]] = []
        self.status = 200
        self.raw_body: str | None = None
        self.delay = 0.0

    def reply(self, sender: str, message: str) -> list[dict[str, Any]]:
        if message == "/affirm":
            return [{"recipient_id": sender, "text": "Great, you said yes.\nAnything else?"}]
        if message == "/deny":
            return [{"recipient_id": sender, "text": "Alright, maybe later."}]
        return [
            {
                "recipient_id": sender,
                "text": "Hello",
                "buttons": [
                    {"title": "Yes", "payload": "/affirm"},
                    {"title": "No", "payload": "/deny"},
                ],
            }
        ]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        if request.method == "GET" and request.path == "/":
            response = Response("Hello from Rasa: 3.6.21", mimetype="text/plain")
        elif request.method == "POST" and request.path == "/webhooks/rest/webhook":
            body = request.get_json()
            self.received.append(body)
            time.sleep(self.delay)
            text = self.raw_body
            if text is None:
                text = json.dumps(self.reply(body["sender"], body["message"]))
            response = Response(text, status=self.status, mimetype="application/json")
        else:
            response = Response("Not found", status=404)
        return response(environ, start_response)


@pytest.fixture
def fake_rasa() -> Iterator[FakeRasa]:
    """A running fake Rasa; its URL is in ``fake_rasa.url``."""
    fake = FakeRasa()
    with serve(fake) as url:
        fake.url = url
        yield fake


@pytest.fixture
def closed_port_url() -> str:
    """The URL of a loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def make_test_app(rasa_url: str, **config: Any) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "RASA_URL": rasa_url,
            "TODAY_OVERRIDE": DEMO_DATE,
            "SECRET_KEY": "test",
            **config,
        }
    )


@pytest.fixture
def make_app() -> Callable[..., Flask]:
    """Build the app for a given Rasa URL, with extra config keys as keyword arguments."""
    return make_test_app


@pytest.fixture
def app(fake_rasa: FakeRasa) -> Flask:
    return make_test_app(fake_rasa.url)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def live_chat() -> Iterator[Callable[[str], str]]:
    """Serve the real app, pointed at a given Rasa URL, over HTTP; returns its base URL."""
    with ExitStack() as servers:
        yield lambda rasa_url: servers.enter_context(serve(make_test_app(rasa_url)))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium, driven by Playwright."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}; the browser tests need it. "
            "Install it with `apt-get install -y chromium` (`make install` does this).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser tab (own storage) with a phone-sized viewport."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        yield context.new_page()
    finally:
        context.close()
