"""Shared pieces of the fuzz tests: the bounded hypothesis settings, JSON-ish strategies, and
the webhook apps and lesson file path the tests feed.

``FUZZ`` is applied to each fuzz test as a decorator (never registered as a global profile, so
the rest of the suite keeps hypothesis's defaults). ``WAZI_FUZZ_EXAMPLES`` sets the examples
per test: the default keeps all of ``tests/fuzz`` well under a minute on two cores; CI or a
long local run may raise it (``WAZI_FUZZ_EXAMPLES=5000 pytest tests/fuzz``). A failure prints
the smallest failing input and a ``@reproduce_failure`` line that replays it (``print_blob``);
``--hypothesis-seed=N`` fixes the run. A crash found becomes an explicit test in
``test_fuzz_regressions.py``. No health check is suppressed: none fires at these sizes.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import hmac
import os
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from hypothesis import settings
from hypothesis import strategies as st

import bot.channels.whatsapp as whatsapp_adapter
from bot.channels.telegram import webhook_app
from bot.channels.whatsapp import WebhookConfig, create_app

FUZZ_EXAMPLES = int(os.environ.get("WAZI_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, print_blob=True)

# Scalars chosen to break parsers: huge and negative numbers, unicode digits ("²", "٣"), blank
# and control text, astral characters, and the types JSON can hold.
NASTY_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\n",
        "\x00",
        "²",
        "٣",
        "१२",
        "１２",
        "-1",
        "0",
        "1e999999",
        "NaN",
        "Infinity",
        "9" * 30,
        "9" * 5000,
        "💰" * 3,
        "{money:",
        "{money:1" + "0" * 40 + "}",
        "\ud800",
        "2026-02-30",
        "+254700000001",
    ]
)
NASTY_INT = st.sampled_from([0, -1, 1, 2**31, 2**63, 10**20, -(10**20), 10**400])
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | NASTY_INT
    | st.floats()
    | st.text(max_size=12)
    | NASTY_TEXT
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)


def containers(value: Any) -> list[Any]:
    """Every dict and list inside ``value`` (itself included), outermost first."""
    found = []
    stack = [value]
    while stack:
        current = stack.pop(0)
        if isinstance(current, dict | list):
            found.append(current)
            stack.extend(current.values() if isinstance(current, dict) else current)
    return found


@st.composite
def mutated(draw: st.DrawFn, sample: Any, rounds: int = 3) -> Any:
    """A deep copy of ``sample`` with 1 to ``rounds`` structural changes, each one of: delete a
    key or item, put any JSON value in its place, swap two values, wrap it in a list, or
    duplicate an item."""
    value = copy.deepcopy(sample)
    for _ in range(draw(st.integers(1, rounds))):
        places = containers(value)
        if not places:
            break
        container = draw(st.sampled_from(places))
        keys = sorted(container) if isinstance(container, dict) else range(len(container))
        if not keys:
            continue
        key = draw(st.sampled_from(list(keys)))
        action = draw(st.sampled_from(["delete", "replace", "swap", "wrap", "duplicate"]))
        if action == "delete":
            del container[key]
        elif action == "replace":
            container[key] = draw(JSON_VALUES)
        elif action == "swap":
            other = draw(st.sampled_from(list(keys)))
            container[key], container[other] = container[other], container[key]
        elif action == "wrap":
            container[key] = [container[key]]
        elif isinstance(container, list):
            container.append(copy.deepcopy(container[key]))
        else:
            container[key + "_"] = copy.deepcopy(container[key])
    return value


# --- The webhook apps and the lesson file path ------------------------------------------------

APP_SECRET = b"FAKE_app_secret_for_fuzzing"
VERIFY_TOKEN = "FAKE_verify_token"
WHATSAPP_MAX_BODY = 64 * 1024
TELEGRAM_SECRET = "FAKE_telegram_secret"
TELEGRAM_PATH = "/telegram/webhook"


class RecordingRelay:
    """The relay as the WhatsApp webhook sees it: accepts every message, no clock."""

    def __init__(self) -> None:
        self.accepted: list[Any] = []

    def accept(self, inbound: Any, answers: Any = None) -> bool:
        self.accepted.append(inbound)
        return True

    def recipient(self, user_id: str, chat_id: str) -> Any:
        return SimpleNamespace(language="en")

    def clock(self) -> Any:
        return None


@pytest.fixture(scope="module")
def whatsapp_app() -> Iterator[Flask]:
    """The WhatsApp webhook app, statuses kept in a list instead of the database."""
    statuses: list[Any] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            whatsapp_adapter, "record_status", lambda engine, status, now: statuses.append(status)
        )
        config = WebhookConfig(APP_SECRET, VERIFY_TOKEN, max_body=WHATSAPP_MAX_BODY)
        app = create_app(config, RecordingRelay(), None)  # type: ignore[arg-type]
        app.testing = True  # an exception in a view fails the test instead of becoming a 500
        yield app


def post_signed(app: Flask, body: bytes) -> int:
    """The status the WhatsApp webhook answers ``body`` with, correctly signed."""
    signature = "sha256=" + hmac.new(APP_SECRET, body, hashlib.sha256).hexdigest()
    response = app.test_client().post(
        "/webhook", data=body, headers={"X-Hub-Signature-256": signature}
    )
    return response.status_code


@pytest.fixture(scope="module")
def telegram_app() -> Iterator[Flask]:
    """The Telegram webhook app, on a loop that never runs: an accepted update is scheduled
    onto the queue and never delivered, so no handler and no thread runs."""
    loop = asyncio.new_event_loop()
    application = SimpleNamespace(bot=None, update_queue=asyncio.Queue())

    async def build() -> Flask:
        return webhook_app(application, TELEGRAM_SECRET, TELEGRAM_PATH)  # type: ignore[arg-type]

    try:
        app = loop.run_until_complete(build())
        app.testing = True  # an exception in a view fails the test instead of becoming a 500
        yield app
    finally:
        loop.close()


def post_update(app: Flask, body: bytes, secret: str = TELEGRAM_SECRET) -> int:
    """The status the Telegram webhook answers ``body`` with."""
    response = app.test_client().post(
        TELEGRAM_PATH,
        data=body,
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
    )
    return response.status_code


@pytest.fixture(scope="module")
def lesson_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where each fuzzed lesson file is written: ``<slug>/<language>.yml`` as in
    locales/lessons (a module-wide path: hypothesis runs many examples in one test)."""
    folder = tmp_path_factory.mktemp("lessons") / "what-is-interest"
    folder.mkdir()
    return folder / "en.yml"
