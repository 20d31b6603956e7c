"""The dashboard's database: one engine per app, one session per request; and the app's loan
source (``bot.loan_source``), made once."""

from __future__ import annotations

import threading

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot import settings
from bot.db.session import make_engine
from bot.loan_source import LoanSource, loan_source

_ENGINE_KEY = "wazi.engine"
_LOANS_KEY = "wazi.loan_source"
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


def loans() -> LoanSource:
    """The app's loan source: ``LOAN_SOURCE`` from the test config, else the settings'."""
    app = current_app
    source = app.extensions.get(_LOANS_KEY)
    if source is not None:
        return source
    with _lock:
        source = app.extensions.get(_LOANS_KEY)
        if source is None:
            source = app.config.get("LOAN_SOURCE") or loan_source(settings.load())
            app.extensions[_LOANS_KEY] = source
    return source


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
