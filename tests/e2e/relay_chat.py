"""A platform user talking to Rasa the way the Telegram and WhatsApp relay does: a signed
claim in the metadata, Rasa's relay channel. For the end-to-end tests."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import httpx

from bot import channel_identity
from bot.channel_identity import ChannelClaim, sender_id
from bot.devstack import Stack


class RelayChat:
    """A platform user talking to Rasa the way the relay does: signed claim, relay channel."""

    def __init__(self, stack: Stack, channel: str, secret: bytes | None = None) -> None:
        self.stack = stack
        self.channel = channel
        self.user_id = uuid.uuid4().hex[:12]
        self.secret = stack.channel_secret if secret is None else secret
        self.last_metadata: dict[str, Any] = {}

    def post(
        self, text: str, phone: str | None = None, metadata: dict[str, Any] | None = None
    ) -> httpx.Response:
        """Send ``text`` with a new signed claim, or with ``metadata`` as given (a replay)."""
        claim = ChannelClaim(self.channel, self.user_id, phone, uuid.uuid4().hex)
        self.last_metadata = metadata or channel_identity.sign(
            claim, self.secret, dt.datetime.now(dt.UTC)
        )
        body = {
            "sender": sender_id(self.channel, self.user_id, self.stack.channel_secret),
            "message": text,
            "input_channel": self.channel,
            "metadata": self.last_metadata,
        }
        data = json.dumps(body).encode()
        signature = channel_identity.relay_signature(data, self.stack.channel_secret)
        return httpx.post(
            f"{self.stack.rasa_url}/webhooks/relay/webhook",
            content=data,
            headers={"Content-Type": "application/json", channel_identity.RELAY_HEADER: signature},
            timeout=60,
        )

    def say(
        self, text: str, phone: str | None = None, metadata: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        response = self.post(text, phone, metadata)
        response.raise_for_status()
        return response.json()
