"""The NLG endpoint Rasa calls for every response (``nlg:`` in endpoints.yml).

Rasa posts ``{"response": name, "arguments": {...}, "tracker": {...}, "channel": {...}}``;
the answer is the response's text and buttons translated through the gettext catalogs into
the language in the tracker's ``language`` slot, with ``{slot}`` placeholders filled.
"""

from __future__ import annotations

import logging
import string
from typing import Any

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from bot.i18n import language_of, translations_for
from bot.nlg.responses import Response, load_responses

logger = logging.getLogger(__name__)


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def _fill(template: str, values: dict[str, Any]) -> str:
    """Fill ``{name}`` placeholders; unknown ones become empty, stray braces stay as text."""
    try:
        return string.Formatter().vformat(template, (), _Blank(values))
    except (ValueError, IndexError):
        return template


def render(response: Response, language: str, values: dict[str, Any]) -> dict[str, Any]:
    _ = translations_for(language).gettext
    return {
        "text": _fill(_(response.text), values),
        "buttons": [{"title": _(b.title), "payload": b.payload} for b in response.buttons],
        "image": None,
        "elements": [],
        "attachments": [],
        "custom": {},
    }


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(MAX_CONTENT_LENGTH=2 * 1024 * 1024)
    if test_config:
        app.config.from_mapping(test_config)
    responses = app.config.get("RESPONSES") or load_responses()

    @app.post("/nlg")
    def nlg():  # type: ignore[no-untyped-def]
        """Render one response for Rasa."""
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("response"), str):
            return jsonify(error="expected JSON with a 'response' name"), 400
        response = responses.get(body["response"])
        if response is None:
            return jsonify(error=f"unknown response {body['response']!r}"), 404
        tracker = body.get("tracker") if isinstance(body.get("tracker"), dict) else {}
        slots = tracker.get("slots") if isinstance(tracker.get("slots"), dict) else {}
        arguments = body.get("arguments") if isinstance(body.get("arguments"), dict) else {}
        values = {**{k: v for k, v in slots.items() if v is not None}, **arguments}
        language = language_of(arguments.get("language") or slots.get("language"))
        return jsonify(render(response, language, values))

    @app.get("/health")
    def health():  # type: ignore[no-untyped-def]
        return jsonify(status="ok", responses=len(responses))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        return jsonify(error=exc.description), exc.code

    return app
