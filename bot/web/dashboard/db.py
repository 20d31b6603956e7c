"""The dashboard's database: one engine per app, one session per request."""

from __future__ import annotations

import threading

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot import settings
from bot.db.session import make_engine

_ENGINE_KEY = "wazi.engine"
_lock = threading.Lock()


def engine_of(app: Flask) -> Engine:
    """The app's engine, made from ``DATABASE_URL`` (or the settings) on first use."""
    engine = app.extensions.get(_ENGINE_KEY)
    if engine is not None:
        return engine
    with _lock:
        engine = app.extensions.get(_ENGINE_KEY)
        if engine is None:
            url = app.config.get("DATABASE_URL") or settings.load().database_url
            app.config["DATABASE_URL"] = url
            engine = make_engine(url)
            app.extensions[_ENGINE_KEY] = engine
    return engine


def dispose(app: Flask) -> None:
    """Close the app's engine and its pooled connections (tests, shutdown)."""
    engine = app.extensions.pop(_ENGINE_KEY, None)
    if engine is not None:
        engine.dispose()


def db() -> Session:
    """This request's session; views commit what they mean to keep."""
    if "wazi_db" not in g:
        g.wazi_db = Session(engine_of(current_app), expire_on_commit=False)
    return g.wazi_db


def close_session(_exc: BaseException | None = None) -> None:
    session: Session | None = g.pop("wazi_db", None)
    if session is not None:
        session.close()
