"""Fixtures for driving the actions as the action server does, without Rasa: the settings the
actions read (a migrated SQLite file of the test's own) and one demo client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

import actions.context
from bot import settings
from bot.db.session import make_engine, session_scope
from tests.clients import AMINA_BORN, AMINA_PHONE, amina

CLIENT_PHONE, CLIENT_BORN = AMINA_PHONE, AMINA_BORN


@pytest.fixture
def action_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_sqlite: Callable[[Path], str]
) -> Iterator[Callable[..., None]]:
    """Set the actions' settings (``WAZI_*`` as keyword arguments) on a fresh database."""
    url = migrated_sqlite(tmp_path / "actions.sqlite3")
    for setting in settings.SETTINGS:
        monkeypatch.delenv(setting.name, raising=False)

    def choose(**chosen: str) -> None:
        for name, value in {
            "WAZI_DATABASE_URL": url,
            "WAZI_DATA_DIR": str(tmp_path),
            "WAZI_TODAY": "2026-11-25",
            **chosen,
        }.items():
            monkeypatch.setenv(name, value)
        actions.context.settings.cache_clear()
        actions.context.loan_source.cache_clear()

    choose()
    yield choose
    actions.context.settings.cache_clear()
    actions.context.loan_source.cache_clear()


@pytest.fixture
def action_engine(action_settings: Callable[..., None]) -> Iterator[Engine]:
    """The actions' database, with Amina (``CLIENT_PHONE``, born ``CLIENT_BORN``, sw_KE)."""
    engine = make_engine(actions.context.settings().database_url)
    with session_scope(engine) as session:
        session.add(amina())
    yield engine
    engine.dispose()
