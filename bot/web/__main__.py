"""Serve the web chat with waitress: ``python -m bot.web``."""

from __future__ import annotations

import datetime as dt
import logging
import sys

from waitress import create_server

from bot import retention
from bot.complaints.sweeper import Sweeper
from bot.db.session import make_engine
from bot.settings import SettingError, load
from bot.web.app import create_app

logger = logging.getLogger(__name__)


def main() -> int:
    """Read settings, print the chat's URL and serve until interrupted."""
    try:
        settings = load()
        app = create_app()
    except SettingError as exc:
        print(f"wazi web: bad setting {exc}", file=sys.stderr)  # noqa: T201
        return 2

    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        server = create_server(app, host=settings.web_host, port=settings.web_port)
    except OSError as exc:
        print(  # noqa: T201
            f"wazi web: cannot listen on {settings.web_host}:{settings.web_port}: {exc.strerror}"
            " (set WAZI_WEB_HOST / WAZI_WEB_PORT)",
            file=sys.stderr,
        )
        return 2

    host = f"[{settings.web_host}]" if ":" in settings.web_host else settings.web_host
    print(f"Wazi chat: http://{host}:{settings.web_port}/", flush=True)  # noqa: T201
    engine = make_engine(settings.database_url)
    sweeper = Sweeper(
        engine,
        settings.complaint_policy(),
        settings.data_dir,
        settings.today,
        regulator=settings.regulator,
        also=[lambda: retention.sweep_as_set(engine, settings, dt.datetime.now(dt.UTC))],
    )
    sweeper.start()  # the complaint and retention sweeps, every hour, in this process
    try:
        server.run()  # returns after Ctrl-C, once waitress has stopped its threads
    finally:
        sweeper.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
