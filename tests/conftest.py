"""Shared fixtures: a fresh, empty database on each backend for every test that asks.

``db_url`` runs a test twice: on a SQLite file in the test's temporary folder, and on a new
PostgreSQL database (marked ``postgres``; deselect with ``-m "not postgres"``). The PostgreSQL
databases are named ``wazi_test_<session token>_<n>``, so concurrent test sessions never
share one, and each is dropped when its test ends. ``WAZI_TEST_POSTGRES_URL`` points at
another server (default: the local one, database ``test``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.orm import Session

from bot.db.migrate import upgrade
from bot.db.session import make_engine, session_scope
from bot.demo import seed

POSTGRES_ADMIN_URL = os.environ.get(
    "WAZI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """A PostgreSQL server where tests may create and drop databases."""
    return POSTGRES_ADMIN_URL


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[Callable[[], str]]:
    """A factory of new, empty PostgreSQL databases, all dropped at the end."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    token = secrets.token_hex(4)
    counter = itertools.count(1)
    created: list[str] = []

    def create() -> str:
        name = f"wazi_test_{token}_{next(counter)}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False)

    try:
        yield create
    finally:
        with admin.connect() as conn:
            for name in created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def db_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> str:
    """The URL of an empty database (no tables) on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/wazi.sqlite3"
    return request.getfixturevalue("postgres_database")()


@pytest.fixture
def migrated_url(db_url: str) -> str:
    """``db_url`` after ``alembic upgrade head``."""
    upgrade(db_url)
    return db_url


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    engine = make_engine(migrated_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


DEMO_TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The demo clients and loans (``wazi demo seed``) in a fresh SQLite database, per module."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        seed(session, DEMO_TODAY)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_env(tmp_path: os.PathLike[str]) -> dict[str, str]:
    """The settings of a ``wazi`` command run on a SQLite file of its own (tests.cli_run)."""
    return {
        "WAZI_DATA_DIR": str(tmp_path),
        "WAZI_DATABASE_URL": f"sqlite:///{tmp_path}/cli.sqlite3",
        "WAZI_TODAY": "2026-11-25",
    }


@pytest.fixture
def spoken_voice_notes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, bytes]]:
    """Each voice note made, as (text, language, OGG bytes): espeak-ng and opusenc for real."""
    from bot.lessons import voice

    spoken: list[tuple[str, str, bytes]] = []
    real_speak = voice.speak

    def recording_speak(text: str, language: str) -> bytes:
        ogg = real_speak(text, language)
        spoken.append((text, language, ogg))
        return ogg

    monkeypatch.setattr(voice, "speak", recording_speak)
    return spoken


@pytest.fixture(autouse=True)
def no_thread_left_running() -> Iterator[None]:
    """A test must not leave a non-daemon thread running: at exit Python waits for it, and a
    thread that never ends (an adapter that did not stop) hangs the whole run, not one test."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5
    while True:
        left = [
            thread
            for thread in threading.enumerate()
            if thread not in before and thread.is_alive() and not thread.daemon
        ]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert not left, f"the test left threads running: {[thread.name for thread in left]}"
