"""Sending on WhatsApp: Rasa's answers and proactive messages through the Cloud API.

``WhatsAppSender`` is the relay's ``Sender`` for WhatsApp: it turns one Rasa answer into
Graph API requests (``POST {api_url}/{phone_number_id}/messages``) built by
``bot.channels.whatsapp_format`` and returns the wamids WhatsApp gave them. Graph errors
become ``DeliveryError``: rate limits, 5xx and network failures with a short ``retry_after``,
everything else permanent. ``ERRORS`` is the table of the codes Wazi knows, shared with the
webhook's handling of ``failed`` statuses. A schedule chart is uploaded as PNG media and sent as
an ``image``; a lesson's voice note (``wazi_voice``) is uploaded as OGG/Opus media and sent as
an ``audio`` voice message, or left out (with a warning) when it cannot be made.

``send_proactive`` reaches a client who has not just written: free text inside WhatsApp's
24-hour customer service window, the approved template outside it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import Engine, func, select

from bot.channels import custom as custom_messages
from bot.channels import messages
from bot.channels.custom import ChartSource, VoiceSource, voice_note, voice_request
from bot.channels.relay import DeliveryError, Recipient
from bot.channels.whatsapp_format import fit, outgoing_messages, template_message
from bot.db.models import ChannelDelivery, ChannelMessage
from bot.db.session import session_scope
from bot.i18n import gettext

logger = logging.getLogger(__name__)

CHANNEL = "whatsapp"
WINDOW = dt.timedelta(hours=24)  # the customer service window a client's message opens
CAPTION_MAX = 1024  # image.caption
REENGAGEMENT = 131047  # sent outside the 24-hour window: only a template may go


@dataclass(frozen=True)
class ErrorRule:
    """What a Graph error code means for Wazi, and whether sending again can help."""

    meaning: str
    retry: bool
    level: int = logging.WARNING


# Codes from Meta's error-code page and the OpenAPI spec (tests/fixtures/SOURCES.md). They come
# back synchronously (the Graph response to a send) or later (a ``failed`` status webhook).
ERRORS: dict[int, ErrorRule] = {
    4: ErrorRule("too many API calls (application rate limit)", retry=True),
    80007: ErrorRule("rate limit of the WhatsApp Business Account", retry=True),
    130429: ErrorRule("throughput rate limit of the phone number", retry=True),
    131056: ErrorRule("too many messages to the same user in a short time", retry=True),
    REENGAGEMENT: ErrorRule(
        "more than 24 hours since the client last wrote: only a template may be sent",
        retry=False,
        level=logging.INFO,
    ),
    131026: ErrorRule("undeliverable: no WhatsApp, an old app or terms not accepted", False),
    100: ErrorRule("invalid parameter: the request breaks a WhatsApp rule", False, logging.ERROR),
    190: ErrorRule(
        "access token invalid or expired: renew WAZI_WHATSAPP_TOKEN", False, logging.ERROR
    ),
    132000: ErrorRule("template missing or its parameters do not match", False, logging.ERROR),
}
UNKNOWN_ERROR = ErrorRule("an error Wazi has no rule for", retry=False)

Step = Callable[[httpx.AsyncClient], Awaitable[list[str]]]


def rule_for(code: int | None) -> ErrorRule:
    """The documented handling of a Graph error code."""
    return ERRORS.get(code, UNKNOWN_ERROR) if code is not None else UNKNOWN_ERROR


def log_error(code: int | None, where: str) -> ErrorRule:
    """Log a WhatsApp error by its code (never the message or the recipient); its rule."""
    rule = rule_for(code)
    logger.log(rule.level, "WhatsApp %s: error %s, %s", where, code, rule.meaning)
    return rule


@dataclass
class WhatsAppSender:
    """Puts Rasa's answers on WhatsApp through the Cloud API; see the module."""

    api_url: str  # with the version: https://graph.facebook.com/v23.0
    phone_number_id: str
    token: str
    charts: ChartSource | None = None  # the schedule charts (custom.chart_source)
    voices: VoiceSource = voice_note  # lesson voice notes (OGG/Opus), or None when none
    timeout: float = 20.0
    rate_limit_pause: float = 5.0  # retry_after for a rate-limit error, in seconds
    transient_pause: float = 5.0  # retry_after for a 5xx or a network failure
    # Requests already made for an answer whose later request failed and will be retried, so
    # that the retry sends only the rest: (chat id, answer) -> the wamids of each request.
    _progress: dict[tuple[str, str], list[list[str]]] = field(default_factory=dict, repr=False)

    async def send(self, to: Recipient, message: Mapping[str, Any]) -> list[str]:
        """Send one Rasa answer (text, buttons, image, custom); the wamids of what was sent."""
        steps = self._steps(to, message)
        key = (to.chat_id, json.dumps(message, sort_keys=True, default=str))
        done = self._progress.pop(key, [])
        async with self._client() as client:
            for step in steps[len(done) :]:
                try:
                    done.append(await step(client))
                except DeliveryError as exc:
                    if exc.retry_after is not None and done:
                        self._progress[key] = done
                    raise
        return [wamid for wamids in done for wamid in wamids]

    async def send_template(
        self, wa_id: str, name: str, language: str, parameters: Sequence[str]
    ) -> list[str]:
        """Send an approved template with body text parameters; the wamids."""
        body = template_message(wa_id, name, language, parameters)
        async with self._client() as client:
            return await self._send_body(client, body)

    # --- Building the requests -----------------------------------------------------------

    def _steps(self, to: Recipient, message: Mapping[str, Any]) -> list[Step]:
        steps: list[Step] = []
        text = message.get("text")
        text = text if isinstance(text, str) else ""
        buttons = message.get("buttons") or []
        custom = message.get("custom")
        custom = custom if isinstance(custom, Mapping) else {}
        contact = custom.get(custom_messages.REQUEST_CONTACT)
        if not text and isinstance(contact, Mapping) and isinstance(contact.get("text"), str):
            text = contact["text"]  # WhatsApp has no share-my-number button: the words alone
        if text.strip() or buttons:
            steps += [self._body_step(b) for b in self._text_bodies(to, text, buttons)]
        image = message.get("image")
        if isinstance(image, str) and image:
            steps.append(self._body_step(self._image(to.chat_id, {"link": image})))
        chart = custom.get(custom_messages.CHART_REQUEST)
        if isinstance(chart, Mapping) and isinstance(chart.get("loan_account"), str):
            steps.append(self._chart_step(to, chart["loan_account"]))
        voice = voice_request(custom.get(custom_messages.VOICE))
        if voice is not None:
            steps.append(self._voice_step(to, voice[0], voice[1] or to.language))
        known = {
            custom_messages.CHART_REQUEST,
            custom_messages.REQUEST_CONTACT,
            custom_messages.VOICE,
        }
        for name in set(custom) - known:
            logger.debug("WhatsApp: custom %s ignored", name)
        return steps

    def _text_bodies(self, to: Recipient, text: str, buttons: Any) -> list[dict[str, Any]]:
        label = gettext(to.language, messages.LIST_BUTTON)
        try:
            return outgoing_messages(to.chat_id, text, buttons, list_button=label)
        except ValueError as exc:
            logger.error("WhatsApp cannot show these buttons (%s); sending the text alone", exc)
            return outgoing_messages(to.chat_id, text, [])

    @staticmethod
    def _image(wa_id: str, image: dict[str, str]) -> dict[str, Any]:
        return {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": wa_id,
            "type": "image",
            "image": image,
        }

    def _body_step(self, body: dict[str, Any]) -> Step:
        async def step(client: httpx.AsyncClient) -> list[str]:
            return await self._send_body(client, body)

        return step

    def _chart_step(self, to: Recipient, loan_account: str) -> Step:
        async def step(client: httpx.AsyncClient) -> list[str]:
            if self.charts is None:
                logger.warning("WhatsApp: no database to draw a schedule chart from")
                return []
            png = await asyncio.to_thread(self.charts, to, loan_account)
            if png is None:
                logger.info("WhatsApp: no schedule chart for this loan")
                return []
            media_id = await self._upload(client, "schedule.png", png, "image/png")
            caption = fit(gettext(to.language, messages.CHART_CAPTION), CAPTION_MAX)
            image = self._image(to.chat_id, {"id": media_id, "caption": caption})
            return await self._send_body(client, image)

        return step

    async def _upload(self, client: httpx.AsyncClient, name: str, content: bytes, mime: str) -> str:
        """Upload a file to the phone number's media; its media id."""
        upload = await self._post(
            client,
            "media",
            files={"file": (name, content, mime)},
            data={"messaging_product": "whatsapp", "type": mime},
        )
        media_id = upload.get("id")
        if not isinstance(media_id, str) or not media_id:
            raise DeliveryError("the media upload returned no id", self.transient_pause)
        return media_id

    def _voice_step(self, to: Recipient, text: str, language: str) -> Step:
        async def step(client: httpx.AsyncClient) -> list[str]:
            ogg = await asyncio.to_thread(self.voices, text, language)
            if ogg is None:
                return []  # logged by the voice source; the text is already in the chat
            media_id = await self._upload(client, "lesson.ogg", ogg, "audio/ogg")
            # voice: shown as a voice message (OGG/Opus only), not as an audio file; no caption
            audio = {
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": to.chat_id,
                "type": "audio",
                "audio": {"id": media_id, "voice": True},
            }
            return await self._send_body(client, audio)

        return step

    # --- Talking to the Graph API --------------------------------------------------------

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=self.timeout, headers={"Authorization": f"Bearer {self.token}"}
        )

    async def _send_body(self, client: httpx.AsyncClient, body: dict[str, Any]) -> list[str]:
        answer = await self._post(client, "messages", json=body)
        sent = answer.get("messages")
        wamids = (
            [m.get("id") for m in sent if isinstance(m, dict)] if isinstance(sent, list) else []
        )
        if not wamids or not all(isinstance(w, str) for w in wamids):
            logger.warning("WhatsApp accepted a message but returned no wamid")
            return []
        return wamids

    async def _post(self, client: httpx.AsyncClient, path: str, **request: Any) -> dict[str, Any]:
        url = f"{self.api_url}/{self.phone_number_id}/{path}"
        try:
            response = await client.post(url, **request)
        except httpx.TransportError as exc:
            logger.warning("WhatsApp Graph API unreachable: %s", type(exc).__name__)
            raise DeliveryError(
                f"Graph API unreachable ({type(exc).__name__})", self.transient_pause
            ) from exc
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.is_success and isinstance(data, dict):
            return data
        raise self._error(response.status_code, data)

    def _error(self, status: int, data: object) -> DeliveryError:
        error = data.get("error") if isinstance(data, dict) else None
        error = error if isinstance(error, dict) else {}
        code = error.get("code")
        code = code if isinstance(code, int) and not isinstance(code, bool) else None
        if status >= 500 or (code is None and status == 429):
            logger.warning("WhatsApp Graph API answered HTTP %s; will retry", status)
            return DeliveryError(f"Graph API HTTP {status}", self.transient_pause)
        rule = log_error(code, f"refused a message (HTTP {status})")
        if rule.retry:
            return DeliveryError(f"Graph error {code}: {rule.meaning}", self.rate_limit_pause)
        if error.get("is_transient") is True:
            return DeliveryError(f"Graph error {code} (transient)", self.transient_pause)
        return DeliveryError(f"Graph error {code}: {rule.meaning}", None)


# --- Proactive messages ----------------------------------------------------------------------


def window_open(engine: Engine, wa_id: str, now: dt.datetime) -> bool:
    """Whether free text may reach ``wa_id``: they wrote less than 24 hours ago, and no
    message since then failed with 131047 (WhatsApp's own word on the window)."""
    with session_scope(engine) as session:
        last = session.scalar(
            select(func.max(ChannelMessage.received_at))
            .where(ChannelMessage.channel == CHANNEL)
            .where(ChannelMessage.user_id == wa_id)
        )
        if last is None or now - last >= WINDOW:
            return False
        closed = session.scalar(
            select(ChannelDelivery.id)
            .where(ChannelDelivery.channel == CHANNEL)
            .where(ChannelDelivery.chat_id == wa_id)
            .where(ChannelDelivery.error_code == REENGAGEMENT)
            .where(ChannelDelivery.updated_at > last)
            .limit(1)
        )
        return closed is None


def record_sent(engine: Engine, wa_id: str, wamids: Sequence[str], now: dt.datetime) -> None:
    """Remember messages sent outside the relay, so their statuses find them."""
    with session_scope(engine) as session:
        for wamid in wamids:
            session.add(
                ChannelDelivery(
                    channel=CHANNEL,
                    provider_id=wamid,
                    chat_id=wa_id,
                    created_at=now,
                    updated_at=now,
                )
            )


async def send_proactive(
    engine: Engine,
    sender: WhatsAppSender,
    wa_id: str,
    text: str,
    language: str,
    *,
    template: str,
    now: dt.datetime,
    buttons: Sequence[Mapping[str, str]] = (),
) -> list[str]:
    """Reach a client who has not just written: ``text`` as it is, with its ``buttons``
    (``title``, ``payload``), inside the 24-hour window, else the approved ``template`` with
    ``text`` as its one body parameter (a template carries no buttons). The wamids."""
    if await asyncio.to_thread(window_open, engine, wa_id, now):
        message: dict[str, Any] = {"text": text}
        if buttons:
            message["buttons"] = [dict(button) for button in buttons]
        wamids = await sender.send(Recipient(CHANNEL, wa_id, wa_id, language), message)
    else:
        # A template parameter may hold no newline, tab or run of more than four spaces.
        wamids = await sender.send_template(wa_id, template, language, [" ".join(text.split())])
    await asyncio.to_thread(record_sent, engine, wa_id, wamids, now)
    return wamids
