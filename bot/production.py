"""The production profile: Wazi run the way Rasa is run in production, here on one machine.

PostgreSQL keeps Wazi's data and Rasa's conversations (Rasa's SQL tracker store), Redis is
Rasa's lock store (so two turns of one conversation never run at once, whichever replica takes
them), and several Rasa servers, action servers and NLG endpoints run behind nginx. Any replica
can take any turn: nothing about a conversation lives in a process.

The ports: nginx listens where the local profile's single servers listen (``WAZI_RASA_URL``'s
port, ``WAZI_ACTIONS_PORT``, ``WAZI_NLG_PORT``), so the web app and the channel adapters do not
change; replica ``i`` (from 0) listens on that port + 100 + ``i`` for Rasa, + 200 + ``i`` for
the action server and + 300 + ``i`` for the NLG endpoint.

``python -m bot.production DIR`` writes ``DIR/endpoints.yml`` (Rasa's), ``DIR/nginx.conf`` and
``DIR/Procfile`` (for honcho) from the settings; ``make run-prod`` runs it. ``bot.devstack``
starts the same topology on free ports for the end-to-end tests and ``bench/load.py``.
"""

from __future__ import annotations

import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from bot.procfile import channels
from bot.settings import PROJECT_ROOT, SettingError, Settings, load

OFFSETS = {"rasa": 100, "actions": 200, "nlg": 300}  # a replica's port above its balancer's
RASA_SERVER = ".venv-rasa/bin/python -m bot.rasa_server run"


@dataclass(frozen=True)
class Topology:
    """Where each process of the production profile listens (all on ``host``)."""

    rasa_lb: int
    actions_lb: int
    nlg_lb: int
    rasa: tuple[int, ...]
    actions: tuple[int, ...]
    nlg: tuple[int, ...]
    host: str = "127.0.0.1"

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_lb}"


def topology(settings: Settings) -> Topology:
    """The ports the settings give: nginx on the usual ports, replicas above them (OFFSETS)."""
    rasa_lb = urlsplit(settings.rasa_url).port or 5005

    def replicas(kind: str, base: int, count: int) -> tuple[int, ...]:
        return tuple(base + OFFSETS[kind] + i for i in range(count))

    top = Topology(
        rasa_lb=rasa_lb,
        actions_lb=settings.actions_port,
        nlg_lb=settings.nlg_port,
        rasa=replicas("rasa", rasa_lb, settings.rasa_replicas),
        actions=replicas("actions", settings.actions_port, settings.action_replicas),
        nlg=replicas("nlg", settings.nlg_port, settings.action_replicas),
    )
    ports = [top.rasa_lb, top.actions_lb, top.nlg_lb, *top.rasa, *top.actions, *top.nlg]
    if len(set(ports)) < len(ports) or max(ports) > 65535:
        raise SettingError(
            "WAZI_RASA_URL",
            f"its port, WAZI_ACTIONS_PORT and WAZI_NLG_PORT leave no room for the replicas' "
            f"ports (each kind's replicas listen 100, 200 or 300 above): {sorted(ports)}",
        )
    return top


def tracker_store(url: str) -> dict[str, object]:
    """Rasa's SQL tracker store settings for a PostgreSQL URL (Wazi's subclass that masks the
    identity check's answers, ``bot/rasa_tracker_store.py``); Rasa creates the database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql" or not parsed.database:
        raise SettingError(
            "WAZI_TRACKER_STORE_URL",
            f"expected postgresql://user@host:port/database, got {url!r}",
        )
    store: dict[str, object] = {
        # Rasa's SQL store, answers masked, history deleted when a client asks
        "type": "bot.rasa_forgetting.ForgettingSQLTrackerStore",
        "dialect": "postgresql",
        "url": f"{parsed.host or '127.0.0.1'}:{parsed.port or 5432}",
        "db": parsed.database,
        "login_db": "postgres",  # where Rasa connects to create ``db`` when it is missing
    }
    if parsed.username:
        store["username"] = parsed.username
    if parsed.password:
        store["password"] = parsed.password
    return store


def lock_store(url: str, key_prefix: str) -> dict[str, object]:
    """Rasa's lock store settings for a ``redis://[:password@]host:port/db`` URL: Wazi's
    atomic Redis lock (``bot/rasa_lock_store.py``), since Rasa 3.6's own loses tickets when
    two Rasa servers take turns of one conversation at once."""
    parsed = urlsplit(url)
    db = parsed.path.strip("/") or "0"
    if parsed.scheme != "redis" or not parsed.hostname or not db.isdigit():
        raise SettingError("WAZI_LOCK_STORE_URL", f"expected redis://host:port/db, got {url!r}")
    if not key_prefix.isalnum():  # keys stay readable: "<prefix>:lock:<conversation>"
        raise SettingError(
            "WAZI_LOCK_STORE_PREFIX", f"use letters and digits only, got {key_prefix!r}"
        )
    store: dict[str, object] = {
        "type": "bot.rasa_lock_store.AtomicRedisLockStore",  # not Rasa's "redis": see there
        "url": parsed.hostname,
        "port": parsed.port or 6379,
        "db": int(db),
        "key_prefix": key_prefix,
    }
    if parsed.password:
        store["password"] = parsed.password
    return store


def endpoints(settings: Settings, top: Topology) -> dict[str, object]:
    """Rasa's endpoints.yml for a replica: actions and NLG through nginx, shared stores."""
    return {
        "action_endpoint": {"url": f"http://{top.host}:{top.actions_lb}/webhook"},
        "nlg": {"url": f"http://{top.host}:{top.nlg_lb}/nlg"},
        "tracker_store": tracker_store(settings.tracker_store_url),
        "lock_store": lock_store(settings.lock_store_url, settings.lock_store_prefix),
    }


def endpoints_yaml(settings: Settings, top: Topology) -> str:
    return "# Written by bot/production.py from the settings; do not edit.\n" + yaml.safe_dump(
        endpoints(settings, top), sort_keys=False
    )


def _upstream(name: str, host: str, ports: tuple[int, ...]) -> str:
    # A request goes to the replica with the fewest requests in progress (turns differ in cost,
    # so taking turns would queue some behind a slow one). A replica that refuses a connection
    # is skipped for 5 s; its request goes to the next one.
    servers = "".join(f"    server {host}:{port} max_fails=1 fail_timeout=5s;\n" for port in ports)
    return f"  upstream {name} {{\n    least_conn;\n{servers}    keepalive 16;\n  }}\n"


def _server(host: str, port: int, upstream: str, read_timeout: int) -> str:
    return (
        f"  server {{\n    listen {host}:{port};\n    location / {{\n"
        f"      proxy_pass http://{upstream};\n"
        f"      proxy_read_timeout {read_timeout}s;\n    }}\n  }}\n"
    )


def nginx_conf(top: Topology, run_dir: Path) -> str:
    """nginx as the load balancer in front of each kind of replica, in the foreground."""
    temp = run_dir / "nginx-temp"
    return (
        "# Written by bot/production.py from the settings; do not edit.\n"
        "daemon off;\nworker_processes 1;\n"
        f"pid {run_dir / 'nginx.pid'};\n"
        f"error_log {run_dir / 'nginx-error.log'} warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        "  access_log off;\n"
        # Bodies (Rasa sends an action the whole conversation) and answers stay in memory: the
        # workers need no temporary files, whoever they run as.
        "  client_max_body_size 8m;\n"
        "  client_body_buffer_size 8m;\n"
        "  proxy_max_temp_file_size 0;\n"
        f"  client_body_temp_path {temp / 'body'};\n"
        f"  proxy_temp_path {temp / 'proxy'};\n"
        f"  fastcgi_temp_path {temp / 'fastcgi'};\n"
        f"  uwsgi_temp_path {temp / 'uwsgi'};\n"
        f"  scgi_temp_path {temp / 'scgi'};\n"
        "  proxy_http_version 1.1;\n"
        '  proxy_set_header Connection "";\n'
        "  proxy_set_header Host $host;\n"
        "  proxy_connect_timeout 2s;\n"
        "  proxy_next_upstream error timeout;\n"
        + _upstream("wazi_rasa", top.host, top.rasa)
        + _upstream("wazi_actions", top.host, top.actions)
        + _upstream("wazi_nlg", top.host, top.nlg)
        # A turn waits for its conversation's lock and its actions: Rasa's own limit is longer.
        + _server(top.host, top.rasa_lb, "wazi_rasa", 120)
        + _server(top.host, top.actions_lb, "wazi_actions", 60)
        + _server(top.host, top.nlg_lb, "wazi_nlg", 30)
        + "}\n"
    )


def rasa_command(
    port: int, endpoints_file: Path, model: str, api: bool, host: str = "127.0.0.1"
) -> list[str]:
    """One Rasa replica; its HTTP API is on only with a token, which ``bot.rasa_server`` reads
    from ``WAZI_RASA_TOKEN`` in the replica's environment (never on its command line)."""
    args = [
        *shlex.split(RASA_SERVER),
        "--model",
        model,
        "--port",
        str(port),
        "--interface",
        host,
        "--endpoints",
        str(endpoints_file),
        "--credentials",
        "credentials.yml",
    ]
    if api:
        args.append("--enable-api")
    return args


def procfile(settings: Settings, top: Topology, run_dir: Path) -> str:
    """honcho's Procfile: replicas, nginx, the web app and the channel adapters."""
    endpoints_file = run_dir / "endpoints.yml"
    lines = []
    for i, port in enumerate(top.rasa, start=1):
        args = rasa_command(port, endpoints_file, '"$WAZI_MODEL"', settings.rasa_token is not None)
        lines.append(f"rasa{i}: PYTHONWARNINGS=ignore::DeprecationWarning " + " ".join(args))
    for i, port in enumerate(top.actions, start=1):
        server = ".venv/bin/python -m bot.action_server --actions actions"
        lines.append(f"actions{i}: {server} --port {port}")
    for i, port in enumerate(top.nlg, start=1):
        lines.append(f"nlg{i}: WAZI_NLG_PORT={port} .venv/bin/python -m bot.nlg")
    lines.append(f"nginx: {nginx_binary()} -p {run_dir} -c {run_dir / 'nginx.conf'}")
    lines.append("web: .venv/bin/python -m bot.web")
    lines += [f"{name}: .venv/bin/python -m bot.channels.{name}" for name in channels(settings)]
    return "\n".join(lines) + "\n"


def check(settings: Settings) -> None:
    """What the production profile needs beyond the local one's settings."""
    if make_url(settings.database_url).get_backend_name() != "postgresql":
        raise SettingError(
            "WAZI_DATABASE_URL", "the production profile keeps Wazi's data in PostgreSQL"
        )
    if settings.secret_key is None:
        raise SettingError(
            "WAZI_SECRET_KEY", "must be set: every web process signs sessions with it"
        )


def ensure_database(url: str) -> bool:
    """Create the PostgreSQL database of ``url`` when it is missing; True if it was created."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
            ).first()
            if exists is None:
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
        return exists is None
    except OperationalError as exc:
        raise SettingError(
            "WAZI_DATABASE_URL", f"cannot reach PostgreSQL: {str(exc.orig).splitlines()[0]}"
        ) from None
    finally:
        admin.dispose()


def nginx_binary() -> str:
    """Debian's nginx, also when /usr/sbin is not on the PATH."""
    return shutil.which("nginx") or "/usr/sbin/nginx"


def tracker_database_url(settings: Settings) -> str:
    """The tracker store's database as Wazi's environment reaches it (psycopg 3)."""
    url = make_url(settings.tracker_store_url).set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def write(settings: Settings, run_dir: Path, top: Topology | None = None) -> Topology:
    """Write the three files ``make run-prod`` starts from (for ``top``, or the settings'
    topology); returns the topology."""
    check(settings)
    top = top or topology(settings)
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "nginx-temp").mkdir(exist_ok=True)
    (run_dir / "endpoints.yml").write_text(endpoints_yaml(settings, top))
    (run_dir / "nginx.conf").write_text(nginx_conf(top, run_dir))
    (run_dir / "Procfile").write_text(procfile(settings, top, run_dir))
    return top


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m bot.production RUN_DIR", file=sys.stderr)  # noqa: T201
        return 2
    try:
        settings = load()
        top = write(settings, (PROJECT_ROOT / argv[0]).resolve())
        for url in (settings.database_url, tracker_database_url(settings)):
            if ensure_database(url):
                print(f"created the database {make_url(url).database}")  # noqa: T201
    except SettingError as exc:
        print(f"wazi run-prod: bad setting {exc}", file=sys.stderr)  # noqa: T201
        return 2
    print(  # noqa: T201
        f"Production profile: {len(top.rasa)} Rasa, {len(top.actions)} action servers and "
        f"{len(top.nlg)} NLG endpoints behind nginx ({top.rasa_url})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
