"""A PostgreSQL server and a Redis server of a test's own, which it may stop and start: the
machine's shared servers must not be stopped (other tests, other sessions use them).

PostgreSQL comes from Debian's initdb and pg_ctl, Redis from Debian's redis-server, each on a
free loopback port in a temporary folder, stopped and removed at the end.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Postgres:
    """A throwaway PostgreSQL cluster that a test may stop and start."""

    def __init__(self, folder: Path) -> None:
        self.data = folder / "data"
        self.port = _free_port()
        self.bin = Path(BIN[-1])
        self.env = {**os.environ, "LC_ALL": "C.UTF-8"}
        user = ["--username=wazi"]
        self._run("initdb", "-D", str(self.data), "--auth=trust", "--no-sync", *user)
        self.url = f"postgresql+psycopg://wazi@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root: as the postgres user
            command = ["runuser", "-u", "postgres", "--", *command]
            os.chown(self.data.parent, *_postgres_ids())
            os.chmod(self.data.parent, 0o700)
        subprocess.run(command, env=self.env, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1 -F"
        log = str(self.data.parent / "server.log")  # not our pipe: it would stay open
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "-t", "60", "start"
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")


def _postgres_ids() -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam("postgres")
    return entry.pw_uid, entry.pw_gid


@contextlib.contextmanager
def private_postgres() -> Iterator[Postgres]:
    """A running PostgreSQL of the caller's own, removed at the end."""
    if not BIN:
        pytest.fail("PostgreSQL's server programs are not installed (/usr/lib/postgresql)")
    # Not under pytest's temporary folder: as root, the server runs as the postgres user,
    # which cannot enter root's private folders.
    folder = Path(tempfile.mkdtemp(prefix="wazi-pg-"))
    try:
        server = Postgres(folder)
        server.start()
        try:
            yield server
        finally:
            with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
                server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class Redis:
    """A Redis server that keeps nothing on disk, on a free port, stopped and started at will."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        with (self.folder / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
                + ["--appendonly", "no", "--dir", str(self.folder)],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn,
            ):
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    return
            time.sleep(0.2)
        raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None


@contextlib.contextmanager
def private_redis() -> Iterator[Redis]:
    """A running Redis of the caller's own, removed at the end."""
    folder = Path(tempfile.mkdtemp(prefix="wazi-redis-"))
    server = Redis(folder)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
