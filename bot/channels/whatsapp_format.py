"""WhatsApp Cloud API: check and read webhooks, and build the request bodies Wazi sends.

Pure functions, no network. Limits come from Meta's OpenAPI spec (``facebook/openapi``,
business-messaging-api v23.0) and Meta's interactive-message pages; see
``tests/fixtures/SOURCES.md`` (a copy of the shared fixtures). Lengths are counted in
characters (code points).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

logger = logging.getLogger(__name__)

TEXT_BODY_MAX = 4096  # text.body
INTERACTIVE_BODY_MAX = 1024  # interactive.body.text
REPLY_BUTTONS_MAX = 3  # action.buttons
REPLY_TITLE_MAX = 20  # buttons[].reply.title
REPLY_ID_MAX = 256  # buttons[].reply.id
LIST_BUTTON_MAX = 20  # action.button (the label that opens the list)
LIST_ROWS_MAX = 10  # rows across all sections of one list message
ROW_ID_MAX = 200  # sections[].rows[].id
ROW_TITLE_MAX = 24  # sections[].rows[].title
ROW_DESCRIPTION_MAX = 72  # sections[].rows[].description
ELLIPSIS = "…"

SIGNATURE_PREFIX = "sha256="
BUSINESS_ACCOUNT = "whatsapp_business_account"
READABLE_TYPES = {"text", "interactive", "button", "contacts", "system"}
UNSUPPORTED = "unsupported"


class WebhookError(ValueError):
    """A webhook payload that does not have the shape the Cloud API documents."""


# --- Verifying requests ------------------------------------------------------------------------


def verify_signature(app_secret: bytes, raw_body: bytes, header: str | None) -> bool:
    """Whether ``X-Hub-Signature-256`` is the HMAC-SHA256 of the raw body under the app secret."""
    if not app_secret or not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    received = header[len(SIGNATURE_PREFIX) :].strip().lower()
    if len(received) != 64 or any(c not in "0123456789abcdef" for c in received):
        return False
    expected = hmac.new(app_secret, raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received)


def verification_response(query: Mapping[str, str], verify_token: str) -> tuple[int, str]:
    """The answer to Meta's GET handshake: (200, hub.challenge) or (403, why)."""
    if query.get("hub.mode") != "subscribe":
        return 403, "hub.mode must be subscribe"
    received = query.get("hub.verify_token") or ""
    if not verify_token or not hmac.compare_digest(received.encode(), verify_token.encode()):
        return 403, "verify token does not match"
    challenge = query.get("hub.challenge")
    if not challenge:
        return 403, "hub.challenge is missing"
    return 200, challenge


# --- Reading webhooks --------------------------------------------------------------------------


@dataclass(frozen=True)
class SharedContact:
    """A contact card the user sent: a name and the first phone on it."""

    name: str | None
    phone: str | None
    wa_id: str | None


@dataclass(frozen=True)
class IncomingMessage:
    """One message from a user.

    ``type`` is ``text``, ``button_reply`` or ``list_reply`` (interactive taps), ``button``
    (a template quick reply), ``contacts``, ``system``, or ``unsupported`` for anything Wazi
    cannot read (images, voice notes, Meta's own ``unsupported``...); ``original_type`` keeps
    what WhatsApp called it.
    """

    message_id: str
    sender: str  # E.164 with "+"
    timestamp: dt.datetime
    type: str
    original_type: str
    text: str | None = None
    reply_id: str | None = None  # the payload of the tapped button or row
    reply_title: str | None = None
    context_id: str | None = None  # the wamid of the business message the user replied to
    profile_name: str | None = None
    contacts: tuple[SharedContact, ...] = ()
    system_type: str | None = None
    new_number: str | None = None  # for system user_changed_number, E.164 with "+"
    error_codes: tuple[int, ...] = ()

    @property
    def rasa_text(self) -> str | None:
        """What to hand Rasa: the reply payload of a tap, else the typed text."""
        return self.reply_id if self.reply_id is not None else self.text


@dataclass(frozen=True)
class StatusUpdate:
    """What happened to a message Wazi sent: sent, delivered, read or failed."""

    message_id: str
    status: str
    recipient: str  # E.164 with "+"
    timestamp: dt.datetime
    error_code: int | None = None
    error_title: str | None = None
    error_details: str | None = None


@dataclass(frozen=True)
class Delivery:
    """Everything one webhook POST carried."""

    messages: list[IncomingMessage] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)


def parse_webhook(payload: object) -> Delivery:
    """The messages and statuses in a ``whatsapp_business_account`` webhook payload."""
    body = _object(payload, "payload")
    kind = _string(body, "object", "payload")
    if kind != BUSINESS_ACCOUNT:
        raise WebhookError(f"payload.object is {kind!r}, expected {BUSINESS_ACCOUNT!r}")
    delivery = Delivery()
    for e, entry in enumerate(_list(body, "entry", "payload", required=True)):
        where = f"entry[{e}]"
        for c, change in enumerate(_list(_object(entry, where), "changes", where, required=True)):
            here = f"{where}.changes[{c}]"
            change = _object(change, here)
            if _string(change, "field", here) != "messages":
                logger.debug("Skipped a webhook change for field %s", change["field"])
                continue
            value = _object(change.get("value"), f"{here}.value")
            _read_value(value, f"{here}.value", delivery)
    return delivery


def _read_value(value: dict[str, Any], where: str, delivery: Delivery) -> None:
    names: dict[str, str] = {}
    for i, contact in enumerate(_list(value, "contacts", where)):
        contact = _object(contact, f"{where}.contacts[{i}]")
        profile = contact.get("profile")
        if isinstance(contact.get("wa_id"), str) and isinstance(profile, dict):
            name = profile.get("name")
            if isinstance(name, str):
                names[contact["wa_id"]] = name
    for i, message in enumerate(_list(value, "messages", where)):
        here = f"{where}.messages[{i}]"
        delivery.messages.append(_message(_object(message, here), here, names))
    for i, status in enumerate(_list(value, "statuses", where)):
        here = f"{where}.statuses[{i}]"
        delivery.statuses.append(_status(_object(status, here), here))


def _message(raw: dict[str, Any], where: str, names: Mapping[str, str]) -> IncomingMessage:
    sender = _string(raw, "from", where)
    original = _string(raw, "type", where)
    context = raw.get("context")
    fields: dict[str, Any] = {
        "message_id": _string(raw, "id", where),
        "sender": _e164(sender, f"{where}.from"),
        "timestamp": _timestamp(raw, where),
        "original_type": original,
        "context_id": context.get("id") if isinstance(context, dict) else None,
        "profile_name": names.get(sender),
        "error_codes": tuple(_error_codes(raw, where)),
    }
    kind = original if original in READABLE_TYPES else UNSUPPORTED
    if kind == "text":
        fields["text"] = _string(_object(raw.get("text"), f"{where}.text"), "body", where)
    elif kind == "interactive":
        interactive = _object(raw.get("interactive"), f"{where}.interactive")
        kind = _string(interactive, "type", f"{where}.interactive")
        if kind in ("button_reply", "list_reply"):
            reply = _object(interactive.get(kind), f"{where}.interactive.{kind}")
            fields["reply_id"] = _string(reply, "id", f"{where}.interactive.{kind}")
            fields["reply_title"] = reply.get("title")
        else:
            kind = UNSUPPORTED  # e.g. a Flow's nfm_reply: not something Wazi sends
    elif kind == "button":
        button = _object(raw.get("button"), f"{where}.button")
        fields["reply_id"] = _string(button, "payload", f"{where}.button")
        fields["reply_title"] = button.get("text")
    elif kind == "contacts":
        cards = _list(raw, "contacts", where, required=True)
        fields["contacts"] = tuple(
            _shared_contact(_object(card, f"{where}.contacts[{i}]")) for i, card in enumerate(cards)
        )
    elif kind == "system":
        system = _object(raw.get("system"), f"{where}.system")
        fields["system_type"] = system.get("type")
        wa_id = system.get("wa_id")
        if isinstance(wa_id, str):
            fields["new_number"] = _e164(wa_id, f"{where}.system.wa_id")
        fields["text"] = system.get("body")
    return IncomingMessage(type=kind, **fields)


def _shared_contact(card: dict[str, Any]) -> SharedContact:
    name = card.get("name")
    formatted = name.get("formatted_name") if isinstance(name, dict) else None
    phones = card.get("phones")
    first = phones[0] if isinstance(phones, list) and phones else {}
    first = first if isinstance(first, dict) else {}
    return SharedContact(
        name=formatted if isinstance(formatted, str) else None,
        phone=first.get("phone") if isinstance(first.get("phone"), str) else None,
        wa_id=first.get("wa_id") if isinstance(first.get("wa_id"), str) else None,
    )


def _status(raw: dict[str, Any], where: str) -> StatusUpdate:
    errors = _list(raw, "errors", where)
    first = _object(errors[0], f"{where}.errors[0]") if errors else {}
    details = first.get("error_data")
    return StatusUpdate(
        message_id=_string(raw, "id", where),
        status=_string(raw, "status", where),
        recipient=_e164(_string(raw, "recipient_id", where), f"{where}.recipient_id"),
        timestamp=_timestamp(raw, where),
        error_code=_code(first, f"{where}.errors[0]") if errors else None,
        error_title=first.get("title") if isinstance(first.get("title"), str) else None,
        error_details=details.get("details") if isinstance(details, dict) else None,
    )


def _error_codes(raw: dict[str, Any], where: str) -> list[int]:
    errors = _list(raw, "errors", where)
    return [_code(_object(e, f"{where}.errors[{i}]"), where) for i, e in enumerate(errors)]


def _code(error: dict[str, Any], where: str) -> int:
    code = error.get("code")
    if isinstance(code, bool) or not isinstance(code, int):
        raise WebhookError(f"{where}.code must be an integer")
    return code


def _object(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise WebhookError(f"{where} must be a JSON object, not {type(value).__name__}")
    return value


def _list(obj: dict[str, Any], key: str, where: str, *, required: bool = False) -> list[Any]:
    if key not in obj:
        if required:
            raise WebhookError(f"{where} has no {key!r}")
        return []
    value = obj[key]
    if not isinstance(value, list):
        raise WebhookError(f"{where}.{key} must be a list, not {type(value).__name__}")
    return value


def _string(obj: dict[str, Any], key: str, where: str) -> str:
    if key not in obj:
        raise WebhookError(f"{where} has no {key!r}")
    value = obj[key]
    if not isinstance(value, str):
        raise WebhookError(f"{where}.{key} must be a string, not {type(value).__name__}")
    return value


def _timestamp(obj: dict[str, Any], where: str) -> dt.datetime:
    raw = _string(obj, "timestamp", where)
    # At most 11 digits (before the year 5138): datetime cannot hold much more.
    if not raw.isascii() or not raw.isdigit() or len(raw) > 11:
        raise WebhookError(f"{where}.timestamp must be Unix seconds")
    return dt.datetime.fromtimestamp(int(raw), tz=dt.UTC)


def _e164(number: str, where: str) -> str:
    digits = number.removeprefix("+")
    if not (digits.isascii() and digits.isdigit()) or not 1 <= len(digits) <= 15:
        raise WebhookError(f"{where} is not a phone number")
    return "+" + digits


# --- Sending -----------------------------------------------------------------------------------


def outgoing_messages(
    to: str, text: str, buttons: Sequence[Mapping[str, str]], *, list_button: str = "Options"
) -> list[dict[str, Any]]:
    """Cloud API request bodies for one bot reply, in sending order.

    ``buttons`` are Rasa buttons (``title``, ``payload``, optional ``description``); the payload
    becomes the reply id. No buttons: text messages. 1-3: one reply-buttons message. More: list
    messages of at most 10 rows each, opened by ``list_button`` (pass it translated).
    """
    recipient = _recipient(to)
    if not buttons:
        return [_text_message(recipient, chunk) for chunk in split_text(text, TEXT_BODY_MAX)]
    if not text.strip():
        raise ValueError("a message with buttons needs body text")
    if len(buttons) <= REPLY_BUTTONS_MAX:
        lead, body = _lead_and_body(text, INTERACTIVE_BODY_MAX)
        return [
            *(_text_message(recipient, c) for c in lead),
            _reply_buttons(recipient, body, buttons),
        ]
    groups = _balanced(list(buttons), math.ceil(len(buttons) / LIST_ROWS_MAX))
    marker = f"\n({len(groups)}/{len(groups)})" if len(groups) > 1 else ""
    lead, body = _lead_and_body(text, INTERACTIVE_BODY_MAX - len(marker))
    label = fit(list_button.strip() or "…", LIST_BUTTON_MAX)
    messages = [_text_message(recipient, c) for c in lead]
    for n, group in enumerate(groups, start=1):
        page = f"\n({n}/{len(groups)})" if marker else ""
        messages.append(_list_message(recipient, body + page, label, group))
    return messages


def template_message(
    to: str, name: str, language_code: str, parameters: Sequence[str | Mapping[str, Any]] = ()
) -> dict[str, Any]:
    """A template message (the only kind allowed outside the 24-hour window).

    Each parameter is a string (a ``text`` parameter) or a ready parameter object such as
    ``currency_parameter(...)`` or a ``date_time`` object.
    """
    template: dict[str, Any] = {"name": name, "language": {"code": language_code}}
    if parameters:
        template["components"] = [
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": p} if isinstance(p, str) else dict(p)
                    for p in parameters
                ],
            }
        ]
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": _recipient(to),
        "type": "template",
        "template": template,
    }


def currency_parameter(amount: Decimal, currency: str, fallback: str) -> dict[str, Any]:
    """A ``currency`` template parameter; ``amount_1000`` is the amount times 1000, exactly."""
    thousandths = amount * 1000
    if thousandths != thousandths.to_integral_value():
        raise ValueError("a currency parameter takes at most 3 decimal places")
    return {
        "type": "currency",
        "currency": {
            "fallback_value": fallback,
            "code": currency,
            "amount_1000": int(thousandths),
        },
    }


def fit(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending in "…" when something was cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def split_text(text: str, limit: int) -> list[str]:
    """``text`` in chunks of at most ``limit`` characters, cut between lines where possible.

    A line longer than the limit is cut at its last space that fits (the space is dropped),
    else mid-word. Chunks that would hold only whitespace are left out.
    """
    groups: list[list[str]] = []
    size = 0
    for line in _short_lines(text, limit):
        if groups and size + 1 + len(line) <= limit:
            groups[-1].append(line)
            size += 1 + len(line)
        else:
            groups.append([line])
            size = len(line)
    chunks = ["\n".join(group) for group in groups]
    return [chunk for chunk in chunks if chunk.strip()]


def _short_lines(text: str, limit: int) -> list[str]:
    lines: list[str] = []
    for line in text.split("\n"):
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit + 1)
            if cut > 0:
                lines.append(line[:cut])
                line = line[cut + 1 :]
            else:
                lines.append(line[:limit])
                line = line[limit:]
        lines.append(line)
    return lines


def _lead_and_body(text: str, body_limit: int) -> tuple[list[str], str]:
    """Text messages to send first, and the last part that fits an interactive body."""
    chunks = split_text(text, body_limit)
    lead = "\n".join(chunks[:-1])
    return split_text(lead, TEXT_BODY_MAX), chunks[-1]


def _recipient(to: str) -> str:
    digits = to.strip().removeprefix("+")
    if not (digits.isascii() and digits.isdigit()) or not 1 <= len(digits) <= 15:
        raise ValueError("the recipient must be a phone number in E.164 form")
    return digits


def _envelope(recipient: str) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": recipient}


def _text_message(recipient: str, body: str) -> dict[str, Any]:
    return {**_envelope(recipient), "type": "text", "text": {"preview_url": False, "body": body}}


def _reply_buttons(
    recipient: str, body: str, buttons: Sequence[Mapping[str, str]]
) -> dict[str, Any]:
    ids = _ids(buttons, REPLY_ID_MAX, "reply button id")
    titles = _unique([fit(_title(b), REPLY_TITLE_MAX) for b in buttons], REPLY_TITLE_MAX)
    return {
        **_envelope(recipient),
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": body},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": i, "title": t}}
                    for i, t in zip(ids, titles, strict=True)
                ]
            },
        },
    }


def _list_message(
    recipient: str, body: str, label: str, buttons: Sequence[Mapping[str, str]]
) -> dict[str, Any]:
    rows = []
    for row_id, button in zip(_ids(buttons, ROW_ID_MAX, "list row id"), buttons, strict=True):
        title = _title(button)
        row = {"id": row_id, "title": fit(title, ROW_TITLE_MAX)}
        description = (button.get("description") or "").strip()
        if not description and len(title) > ROW_TITLE_MAX:
            description = title  # the full title, where the row title had to be cut
        if description:
            row["description"] = fit(description, ROW_DESCRIPTION_MAX)
        rows.append(row)
    return {
        **_envelope(recipient),
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": body},
            "action": {"button": label, "sections": [{"rows": rows}]},
        },
    }


def _title(button: Mapping[str, str]) -> str:
    title = button.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ValueError("every button needs a title")
    return " ".join(title.split())


def _ids(buttons: Sequence[Mapping[str, str]], limit: int, what: str) -> list[str]:
    ids = []
    for button in buttons:
        payload = button.get("payload")
        if not isinstance(payload, str) or not payload.strip():
            raise ValueError(f"every button needs a payload (the {what})")
        if payload != payload.strip():
            raise ValueError(f"the {what} {payload!r} must not start or end with spaces")
        if len(payload) > limit:
            raise ValueError(
                f"the {what} {payload[:40]!r}... is {len(payload)} characters; "
                f"WhatsApp allows at most {limit}"
            )
        ids.append(payload)
    if len(set(ids)) != len(ids):
        raise ValueError(f"each {what} must be unique within a message")
    return ids


def _unique(titles: list[str], limit: int) -> list[str]:
    """Titles made unique (WhatsApp rejects repeated reply-button titles) by numbering repeats."""
    seen: set[str] = set()
    result = []
    for title in titles:
        n = 1
        candidate = title
        while candidate in seen:
            n += 1
            suffix = f" {n}"
            candidate = fit(title, limit - len(suffix)) + suffix
        seen.add(candidate)
        result.append(candidate)
    return result


def _balanced(items: list[Any], parts: int) -> list[list[Any]]:
    size, extra = divmod(len(items), parts)
    groups, start = [], 0
    for i in range(parts):
        end = start + size + (1 if i < extra else 0)
        groups.append(items[start:end])
        start = end
    return groups
