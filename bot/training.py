"""The trained Rasa model, cached by a hash of everything that goes into it.

``python -m bot.training path`` prints where the model for the current inputs lives;
``python -m bot.training train`` trains it only if that file does not exist yet.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
from pathlib import Path

from bot.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

MODELS_DIR = PROJECT_ROOT / "models"
RASA = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
INPUT_FILES = ("config.yml", "domain.yml", "requirements/rasa.lock", "bot/rasa_intents.py")
INPUT_DIRS = ("nlu_data",)


def training_inputs(root: Path = PROJECT_ROOT) -> list[Path]:
    files = [root / name for name in INPUT_FILES]
    for folder in INPUT_DIRS:
        files.extend(sorted(p for p in (root / folder).rglob("*") if p.is_file()))
    return files


def inputs_hash(root: Path = PROJECT_ROOT) -> str:
    """A digest of the names and contents of every file that shapes the model."""
    digest = hashlib.sha256()
    for path in training_inputs(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_path(root: Path = PROJECT_ROOT) -> Path:
    return root / "models" / f"wazi-{inputs_hash(root)}.tar.gz"


def train(root: Path = PROJECT_ROOT) -> Path:
    """Train the model unless one for exactly these inputs exists; returns its path."""
    target = model_path(root)
    if target.exists():
        return target
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
    }
    subprocess.run(
        [
            str(RASA),
            "train",
            "--data",
            "nlu_data",
            "--config",
            "config.yml",
            "--domain",
            "domain.yml",
            "--out",
            str(target.parent),
            "--fixed-model-name",
            target.name.removesuffix(".tar.gz"),
        ],
        cwd=root,
        env=env,
        check=True,
    )
    return target


def main(argv: list[str]) -> int:
    if argv == ["path"]:
        print(model_path())  # noqa: T201 - command output
        return 0
    if argv == ["train"]:
        path = model_path()
        if path.exists():
            print(f"model up to date: {path.relative_to(PROJECT_ROOT)}")  # noqa: T201
            return 0
        try:
            train()
        except subprocess.CalledProcessError as exc:
            print(f"training failed (exit {exc.returncode})", file=sys.stderr)  # noqa: T201
            return 1
        print(f"model trained: {path.relative_to(PROJECT_ROOT)}")  # noqa: T201
        return 0
    print("usage: python -m bot.training path|train", file=sys.stderr)  # noqa: T201
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
