"""Fixtures for the Fineract tests: the fake Fineract server on loopback and clients of it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import actions.context
from bot.fineract.client import FineractClient
from bot.loan_source import FineractLoans
from tests.conftest import DEMO_TODAY
from tests.fineract.fake_fineract import API, PASSWORD, TENANT, USERNAME, FakeFineract
from tests.web.conftest import serve


@pytest.fixture
def fake_fineract() -> FakeFineract:
    return FakeFineract(DEMO_TODAY)


@pytest.fixture
def fineract_url(fake_fineract: FakeFineract) -> Iterator[str]:
    """The API root of the fake, served over HTTP on loopback."""
    with serve(fake_fineract.app) as base:
        try:
            yield base + API
        finally:
            fake_fineract.close()


@pytest.fixture
def make_client(fineract_url: str) -> Iterator[Callable[..., FineractClient]]:
    """Clients of the fake (the demo login unless told), fast backoff, all closed at the end."""
    made: list[FineractClient] = []
    sleeps: list[float] = []

    def make(**overrides: Any) -> FineractClient:
        options: dict[str, Any] = {
            "base_url": fineract_url,
            "tenant": TENANT,
            "username": USERNAME,
            "password": PASSWORD,
            "timeout": 2.0,
            "retries": 2,
            "backoff": 0.01,
            "sleep": sleeps.append,
        }
        options.update(overrides)
        client = FineractClient(**options)
        made.append(client)
        return client

    make.sleeps = sleeps  # type: ignore[attr-defined]
    yield make
    for client in made:
        client.close()


@pytest.fixture
def make_source(
    make_client: Callable[..., FineractClient], fake_fineract: FakeFineract
) -> Callable[..., FineractLoans]:
    """Loan sources reading the fake (with the policy of its demo charges), one per call."""

    def make(**overrides: Any) -> FineractLoans:
        options: dict[str, Any] = {"policy": fake_fineract.data.policy, "default_region": "KE"}
        client_options = overrides.pop("client", {})
        options.update(overrides)
        return FineractLoans(make_client(**client_options), **options)

    return make


def _ids(ids: frozenset[int]) -> str:
    return ",".join(str(i) for i in sorted(ids))


@pytest.fixture
def fineract_env(
    fineract_url: str,
    fake_fineract: FakeFineract,
    migrated_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[dict[str, str]]:
    """The settings of an action server with WAZI_LOAN_SOURCE=fineract reading the fake, on a
    migrated database of its own (SQLite, and PostgreSQL through ``migrated_url``); the actions'
    cached settings and loan source are made afresh, and closed afterwards."""
    env = {
        "WAZI_LOAN_SOURCE": "fineract",
        "WAZI_FINERACT_URL": fineract_url,
        "WAZI_FINERACT_TENANT": TENANT,
        "WAZI_FINERACT_USERNAME": USERNAME,
        "WAZI_FINERACT_PASSWORD": PASSWORD,
        "WAZI_FINERACT_TIMEOUT": "0.5",
        "WAZI_FINERACT_INSURANCE_CHARGES": _ids(fake_fineract.data.policy.insurance_charge_ids),
        "WAZI_FINERACT_DEDUCTED_CHARGES": _ids(fake_fineract.data.policy.deducted_charge_ids),
        "WAZI_DATABASE_URL": migrated_url,
        "WAZI_DATA_DIR": str(tmp_path / "data"),
        "WAZI_TODAY": DEMO_TODAY.isoformat(),
    }
    for name in [n for n in os.environ if n.startswith("WAZI_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    actions.context.settings.cache_clear()
    actions.context.loan_source.cache_clear()
    try:
        yield env
    finally:
        source = actions.context.loan_source()
        if isinstance(source, FineractLoans):
            source.fineract.close()
        actions.context.loan_source.cache_clear()
        actions.context.settings.cache_clear()
