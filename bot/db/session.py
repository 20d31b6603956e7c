"""The database engine and sessions, built from settings (never at import time)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session

from bot.settings import SettingError

logger = logging.getLogger(__name__)


def _enable_sqlite_foreign_keys(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; a SQLite file's folder is created if missing."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise SettingError("WAZI_DATABASE_URL", f"not a database URL: {url!r}") from None
    try:
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(parsed)
            event.listen(engine, "connect", _enable_sqlite_foreign_keys)
            return engine
        return create_engine(parsed, pool_pre_ping=True)
    except NoSuchModuleError:
        raise SettingError(
            "WAZI_DATABASE_URL", f"unsupported database driver {parsed.drivername!r}"
        ) from None


def check_connection(engine: Engine) -> None:
    """Raise SettingError naming WAZI_DATABASE_URL when the database cannot be reached."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "connection failed"
        where = engine.url.render_as_string(hide_password=True)
        raise SettingError("WAZI_DATABASE_URL", f"cannot reach {where}: {reason}") from None


@cache
def engine_for(url: str) -> Engine:
    """One shared engine per URL for long-running processes."""
    return make_engine(url)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error.

    A plain ``Session``, not a ``sessionmaker`` per call: each ``sessionmaker`` makes a new
    ``Session`` subclass, with entries in SQLAlchemy's event registry that only the cyclic
    garbage collector frees: work and garbage on every call of a hot path."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session
