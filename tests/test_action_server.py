"""bot/action_server/: rasa-sdk's action server, with the startup heap frozen in each worker."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest
from rasa_sdk.executor import ActionExecutor

from bot import action_server


@pytest.fixture
def collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_each_worker_freezes_what_it_loaded_once_started(collector: None) -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    app = action_server.create_app_for_serve(executor)
    # Sanic keeps a listener as a signal handler for its event
    started = [
        s.handler.keywords["listener"]
        for s in app._future_signals
        if s.event == "server.init.after"
    ]
    assert started == [action_server.freeze_heap], app._future_signals
    assert "action_loan_question" in executor.actions  # the app serves Wazi's actions

    gc.unfreeze()
    asyncio.run(action_server.freeze_heap(app, None))
    # Wazi's actions, SQLAlchemy, Babel, Sanic: all alive now, all out of the collector's reach
    assert gc.get_freeze_count() > 50_000, gc.get_freeze_count()
    assert gc.get_threshold()[0] == action_server.YOUNG
