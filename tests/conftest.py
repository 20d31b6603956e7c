"""Shared fixtures: a fresh, empty database on each backend for every test that asks.

``db_url`` runs a test twice: on a SQLite file in the test's temporary folder, and on a new
PostgreSQL database (marked ``postgres``; deselect with ``-m "not postgres"``). The PostgreSQL
databases are named ``wazi_test_<session token>_<n>``, so concurrent test sessions never
share one, and all are dropped when the run ends. ``WAZI_TEST_POSTGRES_URL`` points at
another server (default: the local one, database ``test``).

``migrated_url`` is the same on the latest schema. Alembic runs once per backend and test run
(``alembic upgrade head`` into a template); each test then gets a copy of it: a copied SQLite file,
a PostgreSQL ``CREATE DATABASE ... TEMPLATE``. The migrations themselves are tested from empty
databases in ``tests/db/test_migrations.py``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

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
def postgres_database() -> Iterator[Callable[..., str]]:
    """A factory of new PostgreSQL databases, empty or copies of ``template``; all dropped at
    the end."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    token = secrets.token_hex(4)
    counter = itertools.count(1)
    created: list[str] = []

    def create(template: str | None = None) -> str:
        name = f"wazi_test_{token}_{next(counter)}"
        copy = f' TEMPLATE "{template}"' if template else ""
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
        created.append(name)
        return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False)

    try:
        yield create
    finally:
        with admin.connect() as conn:
            for name in reversed(created):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], str]:
    """Copy a SQLite database migrated once this run to a path; returns the copy's URL."""
    template = tmp_path_factory.mktemp("template") / "wazi.sqlite3"
    upgrade(f"sqlite:///{template}")

    def copy(path: Path) -> str:
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"

    return copy


@pytest.fixture(scope="session")
def migrated_postgres(postgres_database: Callable[..., str]) -> Callable[[], str]:
    """New PostgreSQL databases copied from one migrated once this run; returns a copy's URL."""
    template_url = postgres_database()
    upgrade(template_url)
    template = make_url(template_url).database
    return lambda: postgres_database(template)


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def backend(request: pytest.FixtureRequest) -> str:
    """Each database backend in turn: a test asking for it runs once per backend."""
    return request.param


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database (no tables) on each backend."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/wazi.sqlite3"
    return request.getfixturevalue("postgres_database")()


@pytest.fixture
def migrated_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of the test's own on the latest schema, on each backend."""
    if backend == "sqlite":
        return request.getfixturevalue("migrated_sqlite")(tmp_path / "wazi.sqlite3")
    return request.getfixturevalue("migrated_postgres")()


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
def demo_engine(
    tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Callable[[Path], str]
) -> Iterator[Engine]:
    """The demo clients and loans (``wazi demo seed``) in a fresh SQLite database, per module."""
    url = migrated_sqlite(tmp_path_factory.mktemp("demo") / "demo.sqlite3")
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
