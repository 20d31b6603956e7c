"""Serve the NLG endpoint with waitress: ``python -m bot.nlg``."""

from __future__ import annotations

import logging
import sys

from waitress import serve

from bot.nlg.app import create_app
from bot.settings import SettingError, load


def main() -> int:
    try:
        settings = load()
    except SettingError as exc:
        print(f"wazi nlg: bad setting {exc}", file=sys.stderr)  # noqa: T201
        return 2
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    print(f"Wazi NLG: http://127.0.0.1:{settings.nlg_port}/nlg", flush=True)  # noqa: T201
    serve(create_app(), host="127.0.0.1", port=settings.nlg_port, threads=8, _quiet=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
