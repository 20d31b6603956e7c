"""``python -m bot.action_server``: rasa-sdk's command line, its app factory replaced by the
package's (``bot/action_server/__init__.py``)."""

from __future__ import annotations

from rasa_sdk import endpoint
from rasa_sdk.__main__ import main as sdk_main

from bot.action_server import create_app_for_serve


def main() -> None:
    endpoint.create_app_for_serve = create_app_for_serve
    sdk_main()


if __name__ == "__main__":
    main()
