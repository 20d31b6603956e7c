"""Start the real Wazi stack (or any Rasa assistant) on free loopback ports, for the end-to-end
tests and the benchmarks.

``wazi_stack`` seeds a fresh SQLite database, then starts the action server, the NLG endpoint
and Rasa, each in its own process group with its output in a log file, and stops every group
it started when the ``with`` block ends, however it ends. ``start`` and ``wait_until_up`` are
the pieces, for a caller that serves another assistant the same way (``bench/turns.py``).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bot.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

DEMO_TODAY = "2026-11-25"
START_TIMEOUT = 240
RASA = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
# The Rasa server as the Procfile starts it: Rasa's command line through bot/rasa_server.py.
RASA_SERVER = [str(PROJECT_ROOT / ".venv-rasa" / "bin" / "python"), "-m", "bot.rasa_server"]
# What the Makefile gives every Rasa command: Rasa 3.6's 2023-era libraries print pages of
# deprecation warnings that are not ours to fix. PYTHONPATH lets ``-m bot.rasa_server`` start
# from any folder.
RASA_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "PYTHONWARNINGS": "ignore::DeprecationWarning",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "PYTHONPATH": str(PROJECT_ROOT),
}


class StackError(RuntimeError):
    """A server exited or did not answer in time; the message ends with its log's tail."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self) -> str:
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join(line for line in text if "WARNING: Location" not in line)[-4000:]

    def stop(self) -> None:
        """Stop the server's whole process group: SIGTERM, then SIGKILL after 20 s."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:  # the group ended between poll() and killpg()
            self.process.wait(timeout=10)


def start(name: str, args: list[str], env: dict[str, str], logs: Path, cwd: Path) -> Server:
    """Start ``args`` in a new process group, output added to ``logs/<name>.log`` (a restarted
    server's log keeps what it wrote before)."""
    log = logs / f"{name}.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            args,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return Server(name, process, log)


def wait_until_up(server: Server, url: str, deadline: float) -> None:
    """Wait until ``url`` answers 200; raise StackError if the server exits or time runs out."""
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise StackError(
                f"{server.name} exited with {server.process.returncode}:\n{server.tail()}"
            )
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise StackError(f"{server.name} did not answer {url} in time:\n{server.tail()}")


def seed(env: Mapping[str, str], work: Path) -> None:
    """``wazi demo seed`` with ``env``'s settings, its output in ``work/seed.log``."""
    seed_log = work / "seed.log"
    with seed_log.open("wb") as out:
        seeded = subprocess.run(
            [str(Path(sys.executable).parent / "wazi"), "demo", "seed"],
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    if seeded.returncode != 0:
        tail = seed_log.read_text(errors="replace")[-4000:]
        raise StackError(f"`wazi demo seed` exited with {seeded.returncode}:\n{tail}")


def rasa_run_args(model: Path, port: int, endpoints: Path) -> list[str]:
    """``rasa run`` as Wazi serves it: REST channel from Wazi's credentials.yml, loopback only."""
    return [
        *RASA_SERVER,
        "run",
        "--model",
        str(model),
        "--port",
        str(port),
        "--interface",
        "127.0.0.1",
        "--endpoints",
        str(endpoints),
        "--credentials",
        str(PROJECT_ROOT / "credentials.yml"),
    ]


@dataclass
class Stack:
    rasa_url: str
    database_url: str
    channel_secret: bytes = b""  # WAZI_CHANNEL_SECRET of the action server, for adapters
    env: dict[str, str] = field(default_factory=dict)  # what the servers were started with
    work: Path = PROJECT_ROOT
    replica_urls: list[str] = field(default_factory=list)  # production: each Rasa replica
    rasa_token: str | None = None  # production: the token of Rasa's HTTP API
    servers: dict[str, Server] = field(default_factory=dict)
    _launch: dict[str, tuple[list[str], dict[str, str], str]] = field(default_factory=dict)

    def stop(self, name: str) -> None:
        """Stop one server ("actions", "nlg" or "rasa"), as an outage would."""
        self.servers[name].stop()

    def restart(
        self, name: str, timeout: float = START_TIMEOUT, env: Mapping[str, str] | None = None
    ) -> None:
        """Start a stopped server again on the same port, with ``env`` added to what it was
        started with (e.g. a setting its code reads), and wait until it answers."""
        args, launch_env, health = self._launch[name]
        self.servers[name] = start(
            name, args, {**launch_env, **(env or {})}, self.work, PROJECT_ROOT
        )
        wait_until_up(self.servers[name], health, time.monotonic() + timeout)

    def launch_all(self, timeout: float) -> None:
        """Start every server of ``_launch`` in order, then wait until each answers."""
        for name, (args, server_env, _health) in self._launch.items():
            self.servers[name] = start(name, args, server_env, self.work, PROJECT_ROOT)
        deadline = time.monotonic() + timeout
        for name, (_args, _env, health) in self._launch.items():
            wait_until_up(self.servers[name], health, deadline)

    def stop_all(self) -> None:
        # Rasa first (it calls the others), then the rest, the last started first.
        names = sorted(self.servers, key=lambda name: not name.startswith("rasa"))
        rasa = [name for name in names if name.startswith("rasa")]
        for name in rasa + [name for name in reversed(self.servers) if name not in rasa]:
            self.servers[name].stop()

    def chat(self, prefix: str = "e2e") -> Chat:
        return Chat(self.rasa_url, f"{prefix}-{uuid.uuid4().hex}")


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


@contextmanager
def wazi_stack(
    model: Path,
    work: Path,
    today: str = DEMO_TODAY,
    timeout: float = START_TIMEOUT,
    env: Mapping[str, str] | None = None,
) -> Iterator[Stack]:
    """Seed ``work/wazi.sqlite3`` and run actions, NLG and Rasa on free ports until exit.

    ``env`` adds variables to every process (the seeding too), e.g. ``WAZI_LOAN_SOURCE``;
    the database, date, ports and channel secret of the stack itself cannot be overridden."""
    if not model.exists():
        raise StackError(f"no trained model at {model}; run `make train` first")
    database_url = f"sqlite:///{work / 'wazi.sqlite3'}"
    actions_port, nlg_port, rasa_port = free_port(), free_port(), free_port()
    channel_secret = secrets.token_hex(32)
    env = {
        **os.environ,
        **(env or {}),
        "WAZI_DATABASE_URL": database_url,
        "WAZI_TODAY": today,
        "WAZI_ACTIONS_PORT": str(actions_port),
        "WAZI_NLG_PORT": str(nlg_port),
        "WAZI_CHANNEL_SECRET": channel_secret,
    }
    seed(env, work)
    python = str(Path(sys.executable).parent / "python")
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    stack = Stack(rasa_url, database_url, channel_secret.encode(), env, work)
    stack._launch = {
        "actions": (
            [python, "-m", "bot.action_server", "--actions", "actions"]
            + ["--port", str(actions_port)],
            env,
            f"http://127.0.0.1:{actions_port}/health",
        ),
        "nlg": ([python, "-m", "bot.nlg"], env, f"http://127.0.0.1:{nlg_port}/health"),
        "rasa": (
            rasa_run_args(model, rasa_port, PROJECT_ROOT / "endpoints.yml"),
            {**env, **RASA_ENV},
            f"{rasa_url}/",
        ),
    }
    with ExitStack() as running:
        running.callback(stack.stop_all)
        stack.launch_all(timeout)
        yield stack


@contextmanager
def production_stack(
    model: Path,
    work: Path,
    postgres_url: str,
    replicas: int = 2,
    redis_url: str = "redis://127.0.0.1:6379/1",
    today: str = DEMO_TODAY,
    timeout: float = START_TIMEOUT,
) -> Iterator[Stack]:
    """The production profile (``bot.production``) on free ports: ``replicas`` Rasa servers,
    action servers and NLG endpoints behind nginx, Wazi's data and Rasa's tracker store in two
    new PostgreSQL databases (made from ``postgres_url``'s server, dropped at the end), Rasa's
    lock store in ``redis_url``'s Redis under a prefix of its own. ``Stack.rasa_url`` is nginx."""
    from sqlalchemy import create_engine, make_url, text
    from sqlalchemy.exc import OperationalError

    from bot import production
    from bot.settings import load

    if not model.exists():
        raise StackError(f"no trained model at {model}; run `make train` first")
    token = secrets.token_hex(4)
    server = make_url(postgres_url)
    database_url = server.set(database=f"wazi_prod_{token}").render_as_string(False)
    tracker_url = (
        server.set(drivername="postgresql", database=f"wazi_tracker_{token}")
    ).render_as_string(False)
    lbs = {name: free_port() for name in ("rasa", "actions", "nlg")}
    env = {
        **os.environ,
        "WAZI_PROFILE": "production",
        "WAZI_DATABASE_URL": database_url,
        "WAZI_TODAY": today,
        "WAZI_RASA_URL": f"http://127.0.0.1:{lbs['rasa']}",
        "WAZI_ACTIONS_PORT": str(lbs["actions"]),
        "WAZI_NLG_PORT": str(lbs["nlg"]),
        "WAZI_CHANNEL_SECRET": secrets.token_hex(32),
        "WAZI_SECRET_KEY": secrets.token_hex(32),
        "WAZI_RASA_REPLICAS": str(replicas),
        "WAZI_ACTION_REPLICAS": str(replicas),
        "WAZI_TRACKER_STORE_URL": tracker_url,
        "WAZI_LOCK_STORE_URL": redis_url,
        "WAZI_LOCK_STORE_PREFIX": f"wazitest{token}",
        "WAZI_RASA_TOKEN": secrets.token_hex(32),
    }
    settings = dataclasses.replace(
        load(),
        database_url=database_url,
        tracker_store_url=tracker_url,
        lock_store_url=redis_url,
        lock_store_prefix=env["WAZI_LOCK_STORE_PREFIX"],
        rasa_token=env["WAZI_RASA_TOKEN"],
        secret_key=env["WAZI_SECRET_KEY"],
    )
    # Replicas on free ports rather than 100 above the balancer's.
    top = production.Topology(
        rasa_lb=lbs["rasa"],
        actions_lb=lbs["actions"],
        nlg_lb=lbs["nlg"],
        rasa=tuple(free_port() for _ in range(replicas)),
        actions=tuple(free_port() for _ in range(replicas)),
        nlg=tuple(free_port() for _ in range(replicas)),
    )
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with ExitStack() as running:

        def drop_databases() -> None:
            try:
                with admin.connect() as conn:
                    for name in (f"wazi_prod_{token}", f"wazi_tracker_{token}"):
                        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            except OperationalError as exc:  # a test stopped that server: nothing to drop
                logger.warning("databases of the production stack not dropped: %s", exc)
            finally:
                admin.dispose()

        running.callback(drop_databases)
        production.ensure_database(database_url)
        production.ensure_database(production.tracker_database_url(settings))  # not by 2 replicas
        run_dir = work / "prod"
        production.write(settings, run_dir, top)
        seed(env, work)
        python = str(Path(sys.executable).parent / "python")
        stack = Stack(
            top.rasa_url,
            database_url,
            env["WAZI_CHANNEL_SECRET"].encode(),
            env,
            work,
            replica_urls=[f"http://127.0.0.1:{port}" for port in top.rasa],
            rasa_token=env["WAZI_RASA_TOKEN"],
        )
        for i, port in enumerate(top.actions, start=1):
            stack._launch[f"actions{i}"] = (
                [python, "-m", "bot.action_server", "--actions", "actions", "--port", str(port)],
                env,
                f"http://127.0.0.1:{port}/health",
            )
        for i, port in enumerate(top.nlg, start=1):
            stack._launch[f"nlg{i}"] = (
                [python, "-m", "bot.nlg"],
                {**env, "WAZI_NLG_PORT": str(port)},
                f"http://127.0.0.1:{port}/health",
            )
        stack._launch["nginx"] = (
            [production.nginx_binary(), "-p", str(run_dir), "-c", str(run_dir / "nginx.conf")],
            env,
            f"http://127.0.0.1:{top.nlg_lb}/health",
        )
        rasa = production.rasa_command  # each replica as the Procfile starts it
        for i, (port, url) in enumerate(zip(top.rasa, stack.replica_urls, strict=True), start=1):
            args = rasa(port, run_dir / "endpoints.yml", str(model), api=True)  # token: env
            stack._launch[f"rasa{i}"] = (
                [*RASA_SERVER, *args[len(RASA_SERVER) :]],
                {**env, **RASA_ENV},
                f"{url}/",
            )
        running.callback(stack.stop_all)
        stack.launch_all(timeout)
        yield stack
