"""Run a check in Rasa's own environment (.venv-rasa), for code that imports Rasa."""

from __future__ import annotations

import subprocess

from bot.settings import PROJECT_ROOT

RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"


def run_in_rasa(code: str, *args: str) -> str:
    """Run ``code`` (with ``args`` as ``sys.argv[1:]``) with Rasa's Python from the project
    root; its output, or AssertionError."""
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", code, *args],
        cwd=PROJECT_ROOT,
        env={"PYTHONWARNINGS": "ignore", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout
