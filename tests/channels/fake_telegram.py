"""A fake Telegram Bot API: the methods the adapter calls, over real HTTP, with Telegram's limits.

``FakeTelegram(token).app`` is the WSGI app for ``loopback.serve``; the adapter's
python-telegram-bot reaches it at ``<base>/bot<token>/<method>``. Answers use the Bot API's
envelope (``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code", "description"}``)
and the message shape of ``tests/fixtures/telegram/sendMessage_response.json``. A test:

- queues updates (``push``) that ``getUpdates`` returns, long-polling like the real API;
- makes the next call of a method fail (``fail_next``, e.g. with a body of
  ``error_responses.json``);
- reads every call made (``calls``, ``sent_texts``), parameters decoded from form or JSON.

``sendMessage``, ``sendPhoto`` and ``sendVoice`` refuse what Telegram refuses (empty or
over-long text, callback data over 64 bytes, captions over 1024, a request without its photo or
voice), so an adapter that breaks a limit fails. ``sendVoice`` also refuses an upload that is not
OGG/Opus, the format Telegram shows as a playable voice message.
Call ``close`` before the server stops, so no getUpdates is left waiting.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, jsonify, request

from bot.settings import PROJECT_ROOT

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "telegram"
BOT_USER = {
    "id": 987654321,
    "is_bot": True,
    "first_name": "Demo MFI Bot",
    "username": "demo_mfi_bot",
}
# Parameters python-telegram-bot sends as plain strings; the others are JSON-encoded.
_STRING_PARAMETERS = frozenset(
    {
        "text",
        "caption",
        "url",
        "secret_token",
        "callback_query_id",
        "photo",
        "voice",
        "language_code",
    }
)
Matcher = Callable[[dict[str, Any]], bool]
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")


def fixture(name: str) -> Any:
    """A sample of tests/fixtures/telegram, parsed."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Call:
    """One request the adapter made: the method, its decoded parameters, uploaded files."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    ok: bool = False  # whether the fake answered it with success


class ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code, self.description = code, description


class FakeTelegram:
    """The fake Bot API's state and its Flask app; see the module."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[Call] = []
        self._updates: list[dict[str, Any]] = []
        self._failures: dict[str, list[tuple[dict[str, Any], Matcher | None]]] = {}
        self._next_message_id = 1000
        self._closed = False
        self._in_flight = 0
        self._changed = threading.Condition()
        self.flask_app = self._make_app()

    # --- For tests ---------------------------------------------------------------------------

    def push(self, *updates: dict[str, Any]) -> None:
        """Queue updates for getUpdates (each needs its own update_id)."""
        with self._changed:
            self._updates.extend(copy.deepcopy(list(updates)))
            self._changed.notify_all()

    def fail_next(
        self,
        method: str,
        body: dict[str, Any],
        matching: Matcher | None = None,
    ) -> None:
        """Answer the next call of ``method`` (whose parameters match) with this error body;
        the HTTP status is its ``error_code``."""
        with self._changed:
            self._failures.setdefault(method, []).append((body, matching))

    def close(self, timeout: float = 5.0) -> None:
        """Release every waiting getUpdates, now and from now on, and wait until every request
        has been answered: waitress fails on a response written after its server closed."""
        deadline = time.monotonic() + timeout
        with self._changed:
            self._closed = True
            self._changed.notify_all()
            while self._in_flight and time.monotonic() < deadline:
                self._changed.wait(deadline - time.monotonic())
        time.sleep(0.05)  # for waitress to hand the last bytes to its event loop

    def app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        """The WSGI app: the Flask app, counting the requests not yet answered."""
        with self._changed:
            self._in_flight += 1
        try:
            yield from self.flask_app(environ, start_response)
        finally:
            with self._changed:
                self._in_flight -= 1
                self._changed.notify_all()

    def _take_failure(self, method: str, params: dict[str, Any]) -> dict[str, Any] | None:
        failures = self._failures.get(method, [])
        for index, (body, matching) in enumerate(failures):
            if matching is None or matching(params):
                del failures[index]
                return body
        return None

    def calls_of(self, method: str) -> list[Call]:
        with self._changed:
            return [call for call in self.calls if call.method == method]

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        """The texts of the messages sent successfully, in order."""
        return [
            call.params["text"]
            for call in self.calls_of("sendMessage")
            if call.ok and (chat_id is None or call.params["chat_id"] == chat_id)
        ]

    # --- The API -----------------------------------------------------------------------------

    def _make_app(self) -> Flask:
        app = Flask(__name__)

        @app.route("/bot<token>/<method>", methods=["GET", "POST"])
        def api(token: str, method: str) -> tuple[Response, int]:
            if token != self.token:
                return _error(401, "Unauthorized")
            params, files = _parameters()
            call = Call(method, params, files)
            with self._changed:
                self.calls.append(call)
                failure = self._take_failure(method, params)
            if failure is not None:
                return jsonify(failure), int(failure["error_code"])
            handler = getattr(self, f"_{method}", None)
            if handler is None:
                return _error(404, "Not Found: method not found")
            try:
                result = handler(params, files)
            except ApiError as exc:
                return _error(exc.code, exc.description)
            with self._changed:
                call.ok = True
            return jsonify(ok=True, result=result), 200

        return app

    def _getMe(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:  # noqa: N802
        return {**BOT_USER, "can_join_groups": False, "supports_inline_queries": False}

    def _getUpdates(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:  # noqa: N802
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        with self._changed:
            if offset:  # confirms every update before it
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and not self._closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
            return copy.deepcopy(self._updates[:limit])

    def _deleteWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:  # noqa: N802
        return True

    def _setWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:  # noqa: N802
        if not params.get("url"):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided")
        return True

    def _setMyCommands(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:  # noqa: N802
        commands = params.get("commands")
        if not isinstance(commands, list) or not 0 < len(commands) <= 100:
            raise ApiError(400, "Bad Request: commands must be a non-empty list")
        for command in commands:
            if not _COMMAND.fullmatch(command.get("command", "")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        return True

    def _answerCallbackQuery(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:  # noqa: N802
        if not params.get("callback_query_id"):
            raise ApiError(400, "Bad Request: QUERY_ID_INVALID")
        return True

    def _sendMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:  # noqa: N802
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_length(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        markup = params.get("reply_markup")
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode("utf-8")) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        message = self._message(params)
        message["text"] = text
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return message

    def _sendPhoto(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:  # noqa: N802
        if not files and not params.get("photo"):
            raise ApiError(400, "Bad Request: there is no photo in the request")
        caption = params.get("caption") or ""
        if utf16_length(caption) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        message = self._message(params)
        message["photo"] = [
            {"file_id": "AgAD-fake", "file_unique_id": "fake1", "width": 640, "height": 480}
        ]
        if caption:
            message["caption"] = caption
        return message

    def _sendVoice(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:  # noqa: N802
        upload = files.get("voice")
        if upload is None and not params.get("voice"):
            raise ApiError(400, "Bad Request: there is no voice in the request")
        if upload is not None and not is_ogg_opus(upload):
            raise ApiError(400, "Bad Request: wrong file type: a voice message must be OGG/Opus")
        caption = params.get("caption") or ""
        if utf16_length(caption) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        message = self._message(params)
        message["voice"] = {
            "file_id": "AwACAgQAAxkDAAFake-voice",
            "file_unique_id": "fakevoice1",
            "duration": 3,
            "mime_type": "audio/ogg",
            "file_size": len(upload or b""),
        }
        if caption:
            message["caption"] = caption
        return message

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        """A sent Message like sendMessage_response.json's, in the chat asked for."""
        if "chat_id" not in params:
            raise ApiError(400, "Bad Request: chat_id is empty")
        message = fixture("sendMessage_response.json")["result"]
        message.pop("reply_markup")
        with self._changed:
            self._next_message_id += 1
            message["message_id"] = self._next_message_id
        message["chat"]["id"] = int(params["chat_id"])
        message["date"] = int(time.time())
        return message


def is_ogg_opus(data: bytes) -> bool:
    """Whether ``data`` is an OGG file whose first stream is Opus (its first page holds the
    ``OpusHead`` packet)."""
    if len(data) < 28 or not data.startswith(b"OggS"):
        return False
    start = 27 + data[26]  # after the page header and its segment table
    return data[start : start + 8] == b"OpusHead"


def _decode(name: str, value: str) -> Any:
    if name in _STRING_PARAMETERS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _parameters() -> tuple[dict[str, Any], dict[str, bytes]]:
    """A request's parameters, from a JSON body, a form or a multipart upload."""
    files = {name: upload.read() for name, upload in request.files.items()}
    if request.is_json:
        body = request.get_json(silent=True)
        return (body if isinstance(body, dict) else {}), files
    params = {name: _decode(name, value) for name, value in request.values.items()}
    return params, files


def _error(code: int, description: str) -> tuple[Response, int]:
    return jsonify(ok=False, error_code=code, description=description), code
