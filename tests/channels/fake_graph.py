"""A fake WhatsApp Cloud API (Graph API), and webhook deliveries built from Meta's samples.

``FakeGraph`` is a Flask app to serve with ``loopback.serve``; point the adapter at
``graph.api_url(base)``. It checks the bearer token (error 190 otherwise) and every message
against the documented limits (error 100 otherwise, so a test fails when the adapter breaks
one), answers like ``send_message_response.json`` with a fresh wamid, and records what was
sent. ``media`` takes PNG and JPEG images and OGG/Opus audio (the Cloud API's ``audio/ogg`` is
Opus only); an ``audio`` message must name an uploaded audio file and has no caption.
``inject_error`` makes the next sends fail with a Graph error.

The delivery builders (``text_message``, ``button_reply``, ``status``...) start from the
samples in ``tests/fixtures/whatsapp`` with the ids and numbers a test needs;
``post_signed`` posts one to the adapter with a valid ``X-Hub-Signature-256``.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import secrets
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

import httpx
from flask import Flask, Response, request

from bot.settings import PROJECT_ROOT
from tests.channels.fake_telegram import is_ogg_opus

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "whatsapp"
VERSION = "v23.0"
PHONE_NUMBER_ID = "106540352242922"
TOKEN = "fake-graph-token"
APP_SECRET = b"fake_app_secret_for_tests"
SIGNATURE_HEADER = "X-Hub-Signature-256"
RATE_LIMITS = {4, 80007, 130429, 131056}


def load(name: str) -> Any:
    """A sample from ``tests/fixtures/whatsapp``."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


# --- The fake API ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """A message the fake accepted."""

    wamid: str
    body: dict[str, Any]

    @property
    def to(self) -> str:
        return self.body["to"]

    @property
    def type(self) -> str:
        return self.body["type"]

    @property
    def text(self) -> str:
        """What the client reads: the text, the interactive body, the caption, or the
        template's parameters."""
        kind = self.body["type"]
        if kind == "text":
            return self.body["text"]["body"]
        if kind == "interactive":
            return self.body["interactive"]["body"]["text"]
        if kind == "image":
            return self.body["image"].get("caption", "")
        if kind == "audio":
            return ""  # a voice note has no caption
        if kind == "template":
            components = self.body["template"].get("components", [])
            return " ".join(p.get("text", "") for c in components for p in c["parameters"])
        return ""

    @property
    def choices(self) -> list[tuple[str, str]]:
        """(id, title) of each reply button or list row."""
        interactive = self.body.get("interactive", {})
        action = interactive.get("action", {})
        if interactive.get("type") == "button":
            return [(b["reply"]["id"], b["reply"]["title"]) for b in action["buttons"]]
        if interactive.get("type") == "list":
            return [(r["id"], r["title"]) for s in action["sections"] for r in s["rows"]]
        return []


class FakeGraph:
    """The Cloud API's ``messages`` and ``media`` endpoints for one phone number."""

    def __init__(self, token: str = TOKEN, phone_number_id: str = PHONE_NUMBER_ID) -> None:
        self.token = token
        self.phone_number_id = phone_number_id
        self.sent: list[Sent] = []  # accepted messages, in order
        self.refused: list[tuple[dict[str, Any], int]] = []  # (body, error code)
        self.uploads: list[bytes] = []  # media files accepted
        self.upload_types: dict[str, str] = {}  # media id -> the MIME type it was uploaded as
        self.requests = 0  # every request to messages or media
        self._errors: deque[tuple[int, int] | None] = deque()  # (code, HTTP status) for next sends
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.app = self._make_app()

    @staticmethod
    def api_url(base: str) -> str:
        """The adapter's WAZI_WHATSAPP_API_URL for a fake served at ``base``."""
        return f"{base}/{VERSION}"

    # --- Helpers for tests -----------------------------------------------------------------

    def inject_error(
        self, code: int, *, times: int = 1, after: int = 0, status: int | None = None
    ) -> None:
        """Let ``after`` sends through, then fail ``times`` sends with Graph error ``code``
        (HTTP ``status``: by default 401 for 190, 429 for rate limits, else 400)."""
        if status is None:
            status = 401 if code == 190 else 429 if code in RATE_LIMITS else 400
        with self._lock:
            self._errors.extend([None] * after)
            self._errors.extend([(code, status)] * times)

    def to(self, wa_id: str) -> list[Sent]:
        with self._lock:
            return [s for s in self.sent if s.to == wa_id]

    def texts_to(self, wa_id: str) -> list[str]:
        """What each message sent to ``wa_id`` says, in order."""
        return [s.text for s in self.to(wa_id)]

    # --- The app ---------------------------------------------------------------------------

    def _make_app(self) -> Flask:
        app = Flask(__name__)

        @app.post("/<version>/<phone_number_id>/messages")
        def messages(version: str, phone_number_id: str) -> Response:
            refusal = self._refusal(version, phone_number_id)
            if refusal is not None:
                return refusal
            body = request.get_json(silent=True)
            problem = message_problem(body)
            if problem is not None:
                with self._lock:
                    self.refused.append((body if isinstance(body, dict) else {}, 100))
                return graph_error(100, f"(#100) Invalid parameter: {problem}", 400)
            assert isinstance(body, dict)
            if body["type"] == "audio" and "id" in body["audio"]:
                with self._lock:
                    uploaded = self.upload_types.get(body["audio"]["id"], "")
                if not uploaded.startswith("audio/"):
                    with self._lock:
                        self.refused.append((body, 100))
                    return graph_error(100, "(#100) Invalid parameter: audio.id is no audio file")
            wamid = f"wamid.FAKE{next(self._ids):06d}{secrets.token_hex(6)}"
            with self._lock:
                self.sent.append(Sent(wamid, body))
            answer = load("send_message_response.json")
            answer["contacts"] = [{"input": body["to"], "wa_id": body["to"]}]
            answer["messages"] = [{"id": wamid}]
            return _json(answer, 200)

        @app.post("/<version>/<phone_number_id>/media")
        def media(version: str, phone_number_id: str) -> Response:
            refusal = self._refusal(version, phone_number_id, media=True)
            if refusal is not None:
                return refusal
            upload = request.files.get("file")
            kind = request.form.get("type")
            if (
                upload is None
                or request.form.get("messaging_product") != "whatsapp"
                or kind not in {"image/png", "image/jpeg", "audio/ogg"}
            ):
                return graph_error(100, "(#100) Invalid parameter: file, type, messaging_product")
            data = upload.read()
            if kind == "audio/ogg" and not is_ogg_opus(data):
                return graph_error(100, "(#100) Invalid parameter: audio/ogg must be OGG/Opus")
            with self._lock:
                self.uploads.append(data)
                media_id = str(1_000_000_000_000 + len(self.uploads))
                self.upload_types[media_id] = kind
            return _json({"id": media_id}, 200)

        return app

    def _refusal(self, version: str, phone_number_id: str, media: bool = False) -> Response | None:
        with self._lock:
            self.requests += 1
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            error = load("error_responses.json")["invalid_access_token_190_openapi"]
            return _json(error, 401)
        if version != VERSION or phone_number_id != self.phone_number_id:
            return graph_error(100, "(#100) Unknown path components", 400)
        if media:
            return None
        with self._lock:
            injected = self._errors.popleft() if self._errors else None
        if injected is None:
            return None
        code, status = injected
        return graph_error(code, f"(#{code}) injected by the test", status)


def graph_error(code: int, message: str, status: int = 400) -> Response:
    """A Graph error response like ``error_responses.json``."""
    error = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": message},
        "fbtrace_id": "AFAKEtraceID" + secrets.token_hex(5),
    }
    return _json({"error": error}, status)


def _json(data: Any, status: int) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


def message_problem(body: object) -> str | None:
    """What breaks the documented limits in a message request, or None."""
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    if body.get("messaging_product") != "whatsapp":
        return "messaging_product must be whatsapp"
    to = body.get("to")
    if not isinstance(to, str) or not to.isdigit() or not 1 <= len(to) <= 15:
        return "to must be a phone number"
    kind = body.get("type")
    payload = body.get(kind) if isinstance(kind, str) else None
    if not isinstance(payload, dict):
        return f"no {kind} object"
    if kind == "text":
        return _length(payload.get("body"), 1, 4096, "text.body")
    if kind == "image":
        if not (payload.get("id") or payload.get("link")):
            return "image needs an id or a link"
        caption = payload.get("caption")
        return None if caption is None else _length(caption, 1, 1024, "image.caption")
    if kind == "audio":
        if not (payload.get("id") or payload.get("link")):
            return "audio needs an id or a link"
        if "caption" in payload:
            return "audio messages take no caption"
        if not isinstance(payload.get("voice", False), bool):
            return "audio.voice must be true or false"
        return None
    if kind == "template":
        name, language = payload.get("name"), payload.get("language")
        if not isinstance(name, str) or not isinstance(language, dict) or not language.get("code"):
            return "template needs a name and language.code"
        return None
    if kind == "interactive":
        return _interactive_problem(payload)
    return f"type {kind!r} is not one the fake knows"


def _interactive_problem(interactive: dict[str, Any]) -> str | None:
    body = interactive.get("body")
    problem = _length(body.get("text") if isinstance(body, dict) else None, 1, 1024, "body")
    if problem:
        return problem
    action = interactive.get("action") or {}
    if interactive.get("type") == "button":
        buttons = action.get("buttons")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            return "reply buttons: 1 to 3"
        titles = [b.get("reply", {}).get("title") for b in buttons]
        ids = [b.get("reply", {}).get("id") for b in buttons]
        if len(set(titles)) != len(titles) or len(set(ids)) != len(ids):
            return "reply button titles and ids must be unique"
        for title, reply_id in zip(titles, ids, strict=True):
            problem = _length(title, 1, 20, "button title") or _length(reply_id, 1, 256, "id")
            if problem:
                return problem
        return None
    if interactive.get("type") == "list":
        problem = _length(action.get("button"), 1, 20, "list button")
        sections = action.get("sections")
        if problem or not isinstance(sections, list) or not 1 <= len(sections) <= 10:
            return problem or "list: 1 to 10 sections"
        rows = [row for section in sections for row in section.get("rows", [])]
        if not 1 <= len(rows) <= 10:
            return "list: 1 to 10 rows in all"
        if len(sections) > 1 and not all(s.get("title") for s in sections):
            return "list: several sections need titles"
        for row in rows:
            problem = _length(row.get("title"), 1, 24, "row title") or _length(
                row.get("id"), 1, 200, "row id"
            )
            if not problem and "description" in row:
                problem = _length(row["description"], 1, 72, "row description")
            if problem:
                return problem
        return None
    return f"interactive type {interactive.get('type')!r} is not one the fake knows"


def _length(value: object, low: int, high: int, what: str) -> str | None:
    if not isinstance(value, str) or not low <= len(value) <= high:
        return f"{what} must be {low} to {high} characters"
    return None


# --- Webhook deliveries ------------------------------------------------------------------------


def signature(raw: bytes, app_secret: bytes) -> str:
    """The ``X-Hub-Signature-256`` value Meta would send for ``raw``."""
    return "sha256=" + hmac.new(app_secret, raw, hashlib.sha256).hexdigest()


def post_signed(
    url: str, payload: Any, app_secret: bytes = APP_SECRET, *, header: str | None = None
) -> httpx.Response:
    """POST a webhook delivery (a JSON value, or raw bytes as they are) signed like Meta does;
    ``header`` replaces the signature."""
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    headers[SIGNATURE_HEADER] = signature(raw, app_secret) if header is None else header
    return httpx.post(url, content=raw, headers=headers, timeout=10)


_wamids = itertools.count(1)


def new_wamid() -> str:
    return f"wamid.TEST{next(_wamids):06d}{secrets.token_hex(8)}"


def _incoming(sample: str, wa_id: str, wamid: str | None) -> tuple[dict[str, Any], dict]:
    payload = copy.deepcopy(load(sample))
    value = payload["entry"][0]["changes"][0]["value"]
    for contact in value.get("contacts", []):
        contact["wa_id"] = wa_id
    message = value["messages"][0]
    message["from"] = wa_id
    message["id"] = wamid or new_wamid()
    return payload, message


def text_message(wa_id: str, body: str, wamid: str | None = None) -> dict[str, Any]:
    """A delivery of one typed text from ``wa_id``."""
    payload, message = _incoming("webhook_message_text.json", wa_id, wamid)
    message["text"]["body"] = body
    return payload


def button_reply(wa_id: str, reply_id: str, title: str, wamid: str | None = None) -> dict:
    """A tap on a reply button."""
    payload, message = _incoming("webhook_interactive_button_reply.json", wa_id, wamid)
    message["interactive"]["button_reply"] = {"id": reply_id, "title": title}
    return payload


def list_reply(wa_id: str, reply_id: str, title: str, wamid: str | None = None) -> dict:
    """A choice in a list message."""
    payload, message = _incoming("webhook_interactive_list_reply.json", wa_id, wamid)
    message["interactive"]["list_reply"] = {"id": reply_id, "title": title}
    return payload


def quick_reply(wa_id: str, reply_payload: str, wamid: str | None = None) -> dict:
    """A tap on a template's quick-reply button."""
    payload, message = _incoming("webhook_template_quick_reply_button.json", wa_id, wamid)
    message["button"]["payload"] = reply_payload
    return payload


def unsupported(wa_id: str, kind: str = "unsupported", wamid: str | None = None) -> dict:
    """A message Wazi cannot read: Meta's ``unsupported`` sample, or e.g. ``sticker``."""
    payload, message = _incoming("webhook_message_unsupported_131051.json", wa_id, wamid)
    if kind != "unsupported":
        message.pop("errors")
        message["type"] = kind
        message[kind] = {"mime_type": "image/webp", "id": "1234567890"}
    return payload


def system_message(wa_id: str, wamid: str | None = None) -> dict:
    """A ``user_changed_number`` system message."""
    payload, _ = _incoming("webhook_system_user_changed_number.json", wa_id, wamid)
    return payload


def status(
    wamid: str, state: str, wa_id: str, *, error_code: int | None = None, title: str = ""
) -> dict[str, Any]:
    """A status delivery (sent, delivered, read, failed) for a message Wazi sent."""
    sample = {
        "sent": "webhook_status_sent.json",
        "delivered": "webhook_status_delivered.json",
        "read": "webhook_status_read.json",
        "failed": "webhook_status_failed_131047.json",
    }[state]
    payload = copy.deepcopy(load(sample))
    entry = payload["entry"][0]["changes"][0]["value"]["statuses"][0]
    entry["id"] = wamid
    entry["recipient_id"] = wa_id
    if state == "failed" and error_code is not None:
        entry["errors"][0]["code"] = error_code
        entry["errors"][0]["title"] = title or f"error {error_code}"
    return payload
