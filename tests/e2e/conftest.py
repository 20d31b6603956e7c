"""The real Wazi stack for end-to-end tests: a seeded database, the action server, the NLG
endpoint and Rasa (``bot.devstack``).

The servers run on free loopback ports in their own process groups, started once per test
session and stopped (whole group) at the end. The model comes from `make train`'s cache. At the
very end every log the run wrote is scanned for the demo clients' personal data
(tests/e2e/log_privacy.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.devstack import Stack, StackError, wazi_stack
from bot.training import model_path
from tests.e2e.log_privacy import leaks


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    work = tmp_path_factory.mktemp("stack")
    try:
        with wazi_stack(model_path(), work) as running:
            yield running
    except StackError as exc:
        pytest.fail(str(exc))
    # The run is over: no log of any server or adapter it started may hold personal data.
    found = leaks(tmp_path_factory.getbasetemp())
    if found:
        pytest.fail("personal data in the logs:\n" + "\n".join(found[:40]))
