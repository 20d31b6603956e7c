"""The real Wazi stack for end-to-end tests: a seeded database, the action server, the NLG
endpoint and Rasa.

Both servers run on free loopback ports in their own process groups, started once per test
session and stopped (whole group) at the end. The model comes from `make train`'s cache.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bot.settings import PROJECT_ROOT
from bot.training import model_path

DEMO_TODAY = "2026-11-25"
START_TIMEOUT = 240


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join(line for line in text if "WARNING: Location" not in line)[-4000:]

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def _start(name: str, args: list[str], env: dict[str, str], logs: Path) -> Server:
    log = logs / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            args,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return Server(name, process, log)


def _wait_until_up(server: Server, url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"{server.name} exited with {server.process.returncode}:\n{server.tail()}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    pytest.fail(f"{server.name} did not answer {url} in {START_TIMEOUT} s:\n{server.tail()}")


@dataclass(frozen=True)
class Stack:
    rasa_url: str
    database_url: str

    def chat(self) -> Chat:
        return Chat(self.rasa_url, f"e2e-{uuid.uuid4().hex}")


@dataclass
class Chat:
    """One person talking to Rasa's REST channel."""

    rasa_url: str
    sender: str

    def say(self, text: str) -> list[dict]:
        response = httpx.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text},
            timeout=60,
        )
        response.raise_for_status()
        return response.json()

    def texts(self, text: str) -> str:
        """Everything the bot answered, as one string."""
        return "\n".join(m.get("text", "") for m in self.say(text))


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    model = model_path()
    if not model.exists():
        pytest.fail(f"no trained model at {model}; run `make train` first")
    work = tmp_path_factory.mktemp("stack")
    database_url = f"sqlite:///{work / 'wazi.sqlite3'}"
    actions_port, nlg_port, rasa_port = _free_port(), _free_port(), _free_port()
    env = {
        **os.environ,
        "WAZI_DATABASE_URL": database_url,
        "WAZI_TODAY": DEMO_TODAY,
        "WAZI_ACTIONS_PORT": str(actions_port),
        "WAZI_NLG_PORT": str(nlg_port),
        "RASA_TELEMETRY_ENABLED": "false",
    }
    venv_bin = Path(sys.executable).parent
    subprocess.run([str(venv_bin / "wazi"), "demo", "seed"], env=env, check=True)

    actions = _start(
        "actions",
        [
            str(venv_bin / "python"),
            "-m",
            "rasa_sdk",
            "--actions",
            "actions",
            "--port",
            str(actions_port),
        ],
        env,
        work,
    )
    nlg = _start("nlg", [str(venv_bin / "python"), "-m", "bot.nlg"], env, work)
    rasa = _start(
        "rasa",
        [
            str(PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"),
            "run",
            "--model",
            str(model),
            "--port",
            str(rasa_port),
            "--interface",
            "127.0.0.1",
            "--endpoints",
            "endpoints.yml",
            "--credentials",
            "credentials.yml",
        ],
        env,
        work,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        _wait_until_up(actions, f"http://127.0.0.1:{actions_port}/health", deadline)
        _wait_until_up(nlg, f"http://127.0.0.1:{nlg_port}/health", deadline)
        _wait_until_up(rasa, f"http://127.0.0.1:{rasa_port}/", deadline)
        yield Stack(rasa_url=f"http://127.0.0.1:{rasa_port}", database_url=database_url)
    finally:
        rasa.stop()
        nlg.stop()
        actions.stop()
