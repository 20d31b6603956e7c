"""`bench/turns.py --quick` runs end to end: both assistants start, answer right, and stop.

About 45 s once the stock `rasa init` assistant is cached in .cache/bench/ (its first run
trains it, about 2 minutes). Prints figures only; no timing is asserted.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.settings import PROJECT_ROOT

pytestmark = pytest.mark.e2e


def test_quick_turn_benchmark_runs_and_prints_the_ratios() -> None:
    run = subprocess.run(
        [sys.executable, "bench/turns.py", "--quick"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "p95 wazi / stock,  1 sender(s): " in run.stdout
    assert "p95 wazi / stock,  4 sender(s): " in run.stdout
