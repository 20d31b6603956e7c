"""The Rasa input channel the Telegram and WhatsApp relay talks to: a turn runs whole or not at all.

Rasa 3.6 keeps going when the action server or the NLG endpoint cannot be reached: it logs the
error, drops that action's events, saves the conversation with the client's message in it and
answers HTTP 200 with whatever was said before the failure. The relay could then neither tell
that the message needs another try nor try it again without the message counting twice.

``RelayInput`` (``/webhooks/relay/webhook``, enabled in ``credentials.yml``) takes the same body
as the REST channel (``sender``, ``message``, ``input_channel``, ``metadata``), from Wazi's relay
only: a body without the relay's HMAC of it (``X-Wazi-Relay-Signature``, keyed with
``WAZI_CHANNEL_SECRET``) is refused with 403, so nobody else can bring a signed identity claim,
fresh or captured, into a conversation. For its messages
only, a failure to reach the action server or the NLG endpoint (no connection, or a 502, 503 or
504) is noted while the turn runs, and Rasa is stopped just before it would save the
conversation: nothing of the turn is kept, nothing it said is sent, and the relay gets a 503
and tries again later. A bug in an action (a 500) is not an outage and runs as Rasa runs it.

This module runs inside Rasa's environment (Rasa imports it from ``credentials.yml``); it
imports nothing else from Wazi.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import hmac
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.nlg.callback import CallbackNaturalLanguageGenerator
from rasa.core.processor import MessageProcessor
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

UNAVAILABLE_STATUSES = frozenset({502, 503, 504})
# The outages noted during the current relay turn; None outside a relay turn.
_outages: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "wazi_relay_outages", default=None
)


class ServiceUnavailable(Exception):
    """The action server or the NLG endpoint could not be reached during a relay turn."""


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it was raised from or during) means a service is unreachable."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, aiohttp.ClientConnectionError):
            return True
        if isinstance(current, aiohttp.ClientResponseError):
            return current.status in UNAVAILABLE_STATUSES
        current = current.__cause__ or current.__context__
    return False


def _noting_outages(run: Callable[..., Awaitable[Any]], what: str) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(run)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return await run(*args, **kwargs)
        except Exception as exc:
            outages = _outages.get()
            if outages is not None and is_outage(exc):
                outages.append(what)
            raise

    wrapper.__wazi_relay__ = True  # type: ignore[attr-defined]
    return wrapper


def _refusing_to_save(save: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    @functools.wraps(save)
    async def wrapper(self: MessageProcessor, tracker: Any) -> None:
        outages = _outages.get()
        if outages:
            raise ServiceUnavailable(", ".join(sorted(set(outages))))
        await save(self, tracker)

    wrapper.__wazi_relay__ = True  # type: ignore[attr-defined]
    return wrapper


def install() -> None:
    """Wrap the action call, the NLG call and the tracker save (once; only relay turns differ)."""
    if getattr(MessageProcessor.save_tracker, "__wazi_relay__", False):
        return
    RemoteAction.run = _noting_outages(RemoteAction.run, "action server")  # type: ignore[method-assign]
    CallbackNaturalLanguageGenerator.generate = _noting_outages(  # type: ignore[method-assign]
        CallbackNaturalLanguageGenerator.generate, "NLG endpoint"
    )
    MessageProcessor.save_tracker = _refusing_to_save(MessageProcessor.save_tracker)  # type: ignore[method-assign]


RELAY_HEADER = "X-Wazi-Relay-Signature"  # as bot.channel_identity.RELAY_HEADER


def signed_by_relay(body: bytes, signature: str | None) -> bool:
    """Whether ``signature`` is the relay's HMAC of ``body`` with ``WAZI_CHANNEL_SECRET`` (as
    ``bot.channel_identity.relay_signature`` makes it); never without a secret."""
    secret = os.environ.get("WAZI_CHANNEL_SECRET", "").strip()
    if not secret or not signature:
        return False
    expected = hmac.new(secret.encode(), b"wazi-relay:" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(signature.encode(), f"sha256={expected}".encode())


class RelayInput(InputChannel):
    """``POST /webhooks/relay/webhook``: the REST channel's body, all-or-nothing turns."""

    @classmethod
    def name(cls) -> str:
        return "relay"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        install()
        webhook = Blueprint("wazi_relay_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not signed_by_relay(request.body, request.headers.get(RELAY_HEADER)):
                return response.json(
                    {"error": f"only Wazi's relay may post here ({RELAY_HEADER})"}, status=403
                )
            body = request.json if isinstance(request.json, dict) else None
            if body is None:
                return response.json({"error": "send a JSON object"}, status=400)
            sender, text = body.get("sender"), body.get("message")
            metadata = body.get("metadata")
            if not isinstance(sender, str) or not sender or not isinstance(text, str):
                return response.json({"error": "sender and message are required"}, status=400)
            if metadata is not None and not isinstance(metadata, dict):
                return response.json({"error": "metadata must be an object"}, status=400)
            channel = body.get("input_channel")
            collector = CollectingOutputChannel()
            token = _outages.set([])
            try:
                await on_new_message(
                    UserMessage(
                        text,
                        collector,
                        sender,
                        input_channel=channel if isinstance(channel, str) else self.name(),
                        metadata=metadata,
                    )
                )
            except ServiceUnavailable as exc:
                logger.warning("relay turn of %s not kept: %s unreachable", sender, exc)
                return response.json({"error": f"{exc} unreachable"}, status=503)
            finally:
                _outages.reset(token)
            return response.json(collector.messages)

        return webhook
