"""Fixtures for the web tests: a fake Rasa REST channel, the app, a live server, a browser,
and for the trainers' dashboard: the app on a migrated database and staff users."""

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
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from bot.db.models import StaffRole, StaffUser
from bot.db.session import session_scope
from bot.web import create_app
from bot.web.dashboard.db import dispose

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
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="test-server",
        daemon=True,
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
def make_app(chat_db_url: str) -> Iterator[Callable[..., Flask]]:
    """Build the app for a given Rasa URL, with extra config keys as keyword arguments."""
    made: list[Flask] = []

    def build(rasa_url: str, **config: Any) -> Flask:
        made.append(make_test_app(rasa_url, **{"DATABASE_URL": chat_db_url, **config}))
        return made[-1]

    yield build
    for app in made:
        dispose(app)


@pytest.fixture
def chat_db_url(tmp_path: Path, migrated_sqlite: Callable[[Path], str]) -> str:
    """A migrated SQLite database of the test's own, where the web chat looks for complaint
    news (so no test touches the settings' database)."""
    return migrated_sqlite(tmp_path / "chat.sqlite3")


@pytest.fixture
def app(fake_rasa: FakeRasa, chat_db_url: str) -> Iterator[Flask]:
    app = make_test_app(fake_rasa.url, DATABASE_URL=chat_db_url)
    try:
        yield app
    finally:
        dispose(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def live_chat(chat_db_url: str) -> Iterator[Callable[[str], str]]:
    """Serve the real app, pointed at a given Rasa URL, over HTTP; returns its base URL."""
    with ExitStack() as servers:

        def start(rasa_url: str) -> str:
            app = make_test_app(rasa_url, DATABASE_URL=chat_db_url)
            servers.callback(dispose, app)
            return servers.enter_context(serve(app))

        yield start


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium, driven by Playwright; one per test module, because
    Playwright's sync API keeps an asyncio loop running in the main thread while it is open
    (a later test's ``asyncio.run`` would fail)."""
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


# --- the trainers' dashboard ----------------------------------------------------------------

# Cheap argon2 parameters: the tests log in many times (the app re-hashes with its defaults).
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
STAFF_PASSWORD = "correct horse battery"


def add_staff(
    engine: Engine,
    username: str,
    role: StaffRole = StaffRole.TRAINER,
    password: str = STAFF_PASSWORD,
    active: bool = True,
) -> None:
    """A staff user in the database, with an argon2id password hash."""
    with session_scope(engine) as session:
        session.add(
            StaffUser(
                username=username,
                display_name=username.capitalize(),
                password_hash=FAST_HASHER.hash(password),
                role=role,
                active=active,
            )
        )


@contextmanager
def dashboard_app_for(database_url: str) -> Iterator[Flask]:
    """The app on ``database_url``; its engine is closed afterwards."""
    app = make_test_app("http://127.0.0.1:1", DATABASE_URL=database_url)
    try:
        yield app
    finally:
        dispose(app)


@pytest.fixture
def dashboard_app(migrated_url: str) -> Iterator[Flask]:
    """The app on a migrated, empty database (SQLite, and PostgreSQL through ``migrated_url``)."""
    with dashboard_app_for(migrated_url) as app:
        yield app


@pytest.fixture
def sqlite_dashboard_url(tmp_path: Path, migrated_sqlite: Callable[[Path], str]) -> str:
    """A migrated SQLite database for the dashboard's browser tests."""
    return migrated_sqlite(tmp_path / "dashboard.sqlite3")


@pytest.fixture
def live_dashboard(sqlite_dashboard_url: str) -> Iterator[tuple[str, Flask]]:
    """The real app over HTTP on a migrated SQLite database: (base URL, app)."""
    with dashboard_app_for(sqlite_dashboard_url) as app, serve(app) as url:
        yield url, app
