"""Run the ``wazi`` command as a user would: a subprocess with only the WAZI_ settings given."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.settings import PROJECT_ROOT

WAZI = Path(sys.executable).with_name("wazi")


def run_wazi(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WAZI_")}
    return subprocess.run(
        [str(WAZI), *args],
        cwd=PROJECT_ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
