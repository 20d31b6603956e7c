"""`bench/load.py --quick` runs end to end: the single-machine default, the production profile
and the stock `rasa init` assistant start, answer the whole mix right under load, and stop; it
prints each server's memory and CPU time.

About 3 minutes on two busy cores (most of it four Rasa servers loading their models), once the
stock assistant is cached in .cache/bench/ (its first run trains it, about 2 minutes). Needs
PostgreSQL and Redis, like the production profile's own tests. Prints figures only; no timing
is asserted.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from bot.settings import PROJECT_ROOT

pytestmark = pytest.mark.e2e

ROW = r"^{system} +4 +\d+ +0 +[\d.]+ +\d+ +\d+ +\d+$"  # senders, turns, no errors, figures
MEMORY = r"^{system} +{process} +\d+ +[\d.]+ +[\d.]+ +[\d.]+$"  # procs, start, end, peak MiB
CPU = r"^{system} +{process} +(?P<per_turn>-?[\d.]+) +-?[\d.]+$"  # ms per turn, cores


def test_quick_load_benchmark_runs_and_prints_every_system_its_memory_and_cpu() -> None:
    run = subprocess.run(
        [sys.executable, "bench/load.py", "--quick"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    for system in ("local", "production", "stock"):
        assert re.search(ROW.format(system=system), out, re.MULTILINE), out
    assert "throughput production / stock: " in out
    assert "p95 production at 4 senders: " in out
    assert "resident memory under load, MiB" in out
    processes = {
        "local": ("rasa", "actions", "nlg"),
        "production": ("rasa1", "rasa2", "actions1", "actions2", "nlg1", "nlg2", "nginx"),
        "stock": ("rasa",),
    }
    for system, names in processes.items():
        for process in names:
            assert re.search(MEMORY.format(system=system, process=process), out, re.MULTILINE), out
    assert "CPU time under load, ms per answered turn" in out
    for system, names in processes.items():
        for process in (*names, "senders", "other"):
            assert re.search(CPU.format(system=system, process=process), out, re.MULTILINE), out
        rasa = re.search(CPU.format(system=system, process=names[0]), out, re.MULTILINE)
        assert rasa and float(rasa["per_turn"]) > 0, out  # Rasa works on every turn
        whole = re.search(CPU.format(system=system, process="all"), out, re.MULTILINE)
        assert whole and float(whole["per_turn"]) >= float(rasa["per_turn"]), out
    assert "ERROR" not in out
