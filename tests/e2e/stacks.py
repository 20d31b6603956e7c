"""Starting a real Wazi stack (``bot.devstack.wazi_stack``) for a test fixture, and turning on a
setting the actions read on a stack already running."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest

from bot.devstack import Stack, StackError, wazi_stack
from bot.training import model_path


def stack_for_tests(
    tmp_path_factory: pytest.TempPathFactory, name: str, env: Mapping[str, str] | None = None
) -> Iterator[Stack]:
    """The stack in a fresh folder ``name``, with ``env`` added to its processes; a server
    that does not start fails the test with its log's tail (for ``yield from`` in fixtures)."""
    try:
        with wazi_stack(model_path(), tmp_path_factory.mktemp(name), env=env) as running:
            yield running
    except StackError as exc:
        pytest.fail(str(exc))


def actions_with(stack: Stack, env: Mapping[str, str]) -> Iterator[Stack]:
    """``stack`` with its action server restarted with ``env`` added (settings only the
    actions read, such as ``WAZI_VERIFY_PIN``), then restarted as it was: Rasa and its loaded
    model stay up (for ``yield from`` in fixtures)."""
    try:
        stack.stop("actions")
        stack.restart("actions", env=env)
    except StackError as exc:
        pytest.fail(str(exc))
    try:
        yield stack
    finally:
        stack.stop("actions")
        stack.restart("actions")
