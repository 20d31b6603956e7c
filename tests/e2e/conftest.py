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

from bot.devstack import Stack
from tests.e2e.log_privacy import leaks
from tests.e2e.stacks import stack_for_tests


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from stack_for_tests(tmp_path_factory, "stack")
    # The run is over: no log of any server or adapter it started may hold personal data.
    found = leaks(tmp_path_factory.getbasetemp())
    if found:
        pytest.fail("personal data in the logs:\n" + "\n".join(found[:40]))
