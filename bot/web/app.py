"""The web app factory: settings in, a Flask app with the chat blueprint out."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from flask import Flask

from bot import settings
from bot.web import chat, dashboard

logger = logging.getLogger(__name__)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the web app.

    Settings come from the environment (``bot.settings.load()``) unless ``test_config``
    provides ``RASA_URL``; any keys in ``test_config`` override them. Keys used:

    - ``RASA_URL``: base URL of the Rasa server, without a trailing slash.
    - ``TODAY_OVERRIDE``: the ``WAZI_TODAY`` date, or ``None`` for the real date.
    - ``SECRET_KEY``: signs session cookies; a random key per process when unset.
    - ``RASA_TIMEOUT``: seconds to wait for Rasa's answer.
    - ``DATABASE_URL``: the database the trainers' dashboard reads and writes; when unset it
      is read from the settings on first use. The engine is made once per app, when the
      dashboard first needs it (``bot.web.dashboard.db``).
    - ``VERIFY_LINK_CODE``: whether the identity check asks for the linking code (the client
      page says so).
    - ``PHONE_REGIONS``: where national phone numbers typed in the client search are read.
    """
    app = Flask(__name__)
    app.config.from_mapping(
        RASA_TIMEOUT=30.0,
        TODAY_OVERRIDE=None,
        # Chat requests are a few hundred bytes; refuse anything much larger.
        MAX_CONTENT_LENGTH=64 * 1024,
        DATABASE_URL=None,
        VERIFY_LINK_CODE=False,
        PHONE_REGIONS=None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )

    if test_config is None or "RASA_URL" not in test_config:
        loaded = settings.load()
        app.config.from_mapping(
            RASA_URL=loaded.rasa_url,
            TODAY_OVERRIDE=loaded.today_override,
            SECRET_KEY=loaded.secret_key,
            DATABASE_URL=loaded.database_url,
            VERIFY_LINK_CODE=loaded.verify_link_code,
            PHONE_REGIONS=loaded.phone_regions,
        )
    if test_config is not None:
        app.config.from_mapping(test_config)

    app.config["RASA_URL"] = str(app.config["RASA_URL"]).rstrip("/")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secrets.token_hex(32)

    app.register_blueprint(chat.bp)
    app.register_blueprint(dashboard.bp)
    return app
