"""The chat page and its JSON endpoint, which relays messages to Rasa's REST channel.

Rasa's REST channel takes ``{"sender": ..., "message": ...}`` at ``/webhooks/rest/webhook``
and answers with a list of bot messages, each with ``text``, ``buttons``, ``image`` or
``custom``. This module checks what the browser sends, passes it on, and hands Rasa's
list back as ``{"messages": [...]}``.

A lesson's ``wazi_voice`` custom (``bot.channels.custom``) comes back as
``{"audio": {"src": "data:audio/ogg;base64,...", "label": ...}}``, which the page shows as an
``<audio>`` player: the voice note travels inside the answer, so there is no synthesis endpoint
for anyone to call. When no voice note can be made the custom is left out (and a warning
logged); the lesson text is in the conversation already.

After Rasa's answers come the sender's complaint news (``bot.complaints.news``: what staff
replied, the answer to a complaint, the regulator notice), each as one more message, marked
delivered in the same request. When the database fails, Rasa's answers go back alone and the
news waits for the next message.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import re
from collections.abc import Callable
from typing import Any

import httpx
from flask import Blueprint, Response, current_app, jsonify, render_template, request
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from bot.channels import custom as custom_messages
from bot.complaints import news
from bot.db.models import ChatIdentity
from bot.db.session import session_scope
from bot.i18n import N_, gettext
from bot.settings import SettingError
from bot.web.chat_page import chat_page, page_language
from bot.web.dashboard.db import engine_of

logger = logging.getLogger(__name__)

bp = Blueprint("chat", __name__)

MAX_MESSAGE_LENGTH = 2000
SENDER_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")
RASA_HEALTH_TIMEOUT = 5.0
UNREACHABLE = N_("The assistant is not reachable right now. Please try again in a minute.")
VOICE_LABEL = "Listen to this lesson part"
LABEL_WORDS = 60  # characters of the lesson text in the player's label
CHANNEL = "rest"  # the web chat's channel: Rasa's REST channel, the sender its user id


class BadChatRequest(ValueError):
    """The browser sent something the chat endpoint cannot relay; the message says what."""


class RasaUnavailable(RuntimeError):
    """Rasa could not be reached or gave an unusable answer."""


def _today() -> tuple[dt.date, bool]:
    """The date the server treats as today, and whether ``WAZI_TODAY`` set it."""
    override: dt.date | None = current_app.config["TODAY_OVERRIDE"]
    return (override, True) if override is not None else (dt.date.today(), False)


def _read_chat_request() -> tuple[str, str]:
    """The (sender, message) pair from the JSON body, or BadChatRequest."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadChatRequest('Send a JSON object like {"sender": "...", "message": "..."}.')

    sender = body.get("sender")
    message = body.get("message")
    if not isinstance(sender, str) or sender == "":
        raise BadChatRequest("The field 'sender' is missing or empty.")
    if not isinstance(message, str) or message.strip() == "":
        raise BadChatRequest("The field 'message' is missing or empty.")
    if len(message) > MAX_MESSAGE_LENGTH:
        raise BadChatRequest(
            f"The message is too long: at most {MAX_MESSAGE_LENGTH} characters, please."
        )
    if not SENDER_PATTERN.fullmatch(sender):
        raise BadChatRequest("The field 'sender' must be 8 to 64 letters, digits, '-' or '_'.")
    return sender, message


def _ask_rasa(sender: str, message: str) -> list[dict[str, Any]]:
    """Send one message to Rasa's REST channel and return the bot's messages."""
    url = f"{current_app.config['RASA_URL']}/webhooks/rest/webhook"
    try:
        response = httpx.post(
            url,
            json={"sender": sender, "message": message},
            timeout=current_app.config["RASA_TIMEOUT"],
        )
    except httpx.HTTPError as exc:
        raise RasaUnavailable(f"{type(exc).__name__}: {exc}") from exc
    if not response.is_success:
        raise RasaUnavailable(f"Rasa answered HTTP {response.status_code}")
    try:
        messages = response.json()
    except ValueError as exc:
        raise RasaUnavailable("Rasa answered with something that is not JSON") from exc

    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        raise RasaUnavailable("Rasa answered JSON that is not a list of messages")
    return messages


def _voice_label(text: str) -> str:
    """The player's accessible name: what it says, by the first words of the text."""
    words = " ".join(text.split())
    if len(words) > LABEL_WORDS:
        words = words[: LABEL_WORDS - 1].rstrip() + "…"
    return f"{VOICE_LABEL}: {words}" if words else VOICE_LABEL


def with_voice_notes(
    messages: list[dict[str, Any]], voices: Callable[[str, str], bytes | None]
) -> list[dict[str, Any]]:
    """Rasa's messages with each ``wazi_voice`` custom made into an ``audio`` the page plays;
    a message left with nothing to show is dropped."""
    shown: list[dict[str, Any]] = []
    for message in messages:
        custom = message.get("custom")
        if not isinstance(custom, dict) or custom_messages.VOICE not in custom:
            shown.append(message)
            continue
        message = dict(message)
        custom = dict(custom)
        wanted = custom_messages.voice_request(custom.pop(custom_messages.VOICE))
        if custom:
            message["custom"] = custom
        else:
            del message["custom"]
        if wanted is None:
            logger.warning("Chat: a %s without a text left out", custom_messages.VOICE)
        else:
            text, language = wanted
            ogg = voices(text, language or "en")
            if ogg is not None:
                message["audio"] = {
                    "src": "data:audio/ogg;base64," + base64.b64encode(ogg).decode("ascii"),
                    "label": _voice_label(text),
                }
        if set(message) - {"recipient_id"}:
            shown.append(message)
    return shown


def complaint_news(sender: str) -> list[dict[str, Any]]:
    """The sender's complaint news as chat messages, marked delivered; none (and a warning)
    when the database fails, so the news waits for the next message."""
    try:
        with session_scope(engine_of(current_app)) as session:
            person = session.scalar(
                select(ChatIdentity).where(
                    ChatIdentity.channel == CHANNEL, ChatIdentity.channel_user_id == sender
                )
            )
            events = news.pending(session, person) if person is not None else []
            shown = []
            for event in events:
                text, buttons = news.message_for(event, news.locale_of(event))
                message: dict[str, Any] = {"recipient_id": sender, "text": text}
                if buttons:
                    message["buttons"] = [button.as_rasa() for button in buttons]
                shown.append(message)
            news.mark_delivered(events, dt.datetime.now(dt.UTC))
    except (SQLAlchemyError, SettingError) as exc:
        # The kind of failure only: the error's text may hold the sender's id.
        logger.warning(
            "Chat: complaint news left for later, the database failed (%s)", type(exc).__name__
        )
        return []
    return shown


@bp.get("/")
def index() -> str:
    """The chat page, its own words in the browser's language (``bot.web.chat_page``)."""
    today, overridden = _today()
    page = chat_page(request.accept_languages)
    return render_template("chat/index.html", today=today, today_overridden=overridden, page=page)


@bp.post("/api/chat")
def send() -> tuple[Response, int]:
    """Relay one message to Rasa and return its replies."""
    try:
        sender, message = _read_chat_request()
    except BadChatRequest as exc:
        return jsonify(error=str(exc)), 400

    try:
        messages = _ask_rasa(sender, message)
    except RasaUnavailable as exc:
        # The reason only: never the message text or who sent it.
        logger.warning("Chat message not delivered to Rasa: %s", exc)
        language = page_language(request.accept_languages)  # as the page's own words
        return jsonify(error=gettext(language, UNREACHABLE)), 502
    shown = with_voice_notes(messages, custom_messages.voice_note) + complaint_news(sender)
    return jsonify(messages=shown), 200


@bp.get("/health")
def health() -> Response:
    """The web app itself is up."""
    return jsonify(status="ok")


@bp.get("/health/rasa")
def health_rasa() -> tuple[Response, int]:
    """Whether Rasa answers on its root URL ("Hello from Rasa: 3.6.21")."""
    try:
        response = httpx.get(f"{current_app.config['RASA_URL']}/", timeout=RASA_HEALTH_TIMEOUT)
    except httpx.HTTPError as exc:
        logger.warning("Rasa health check failed: %s: %s", type(exc).__name__, exc)
        return jsonify(rasa="down"), 503
    if not response.is_success:
        logger.warning("Rasa health check failed: HTTP %s", response.status_code)
        return jsonify(rasa="down"), 503
    return jsonify(rasa="up"), 200


@bp.app_errorhandler(HTTPException)
def json_errors_for_api(exc: HTTPException) -> HTTPException | tuple[Response, int]:
    """Answer errors under /api/ and /health in JSON, like the endpoints themselves."""
    if request.path.startswith(("/api/", "/health")):
        return jsonify(error=exc.description), exc.code or 500
    return exc
