"""Putting Rasa's answers on Telegram: text with inline buttons, the share-my-number keyboard,
photos, the repayment chart, lesson voice notes, and Telegram's refusals turned into the
relay's DeliveryError.

One Rasa REST answer (a dict with ``text``, ``buttons``, ``image`` and ``custom``) can become
several Telegram messages: a long text is cut at 4096 UTF-16 units, and its buttons go on the
last piece. When Telegram refuses a piece half-way (429, a network error), the relay sends the
whole answer again later; the pieces that already arrived are remembered here and skipped, so
the client never reads a piece twice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from telegram import Bot, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.channels import custom as custom_messages
from bot.channels import messages
from bot.channels.custom import ChartSource, VoiceSource, voice_request
from bot.channels.relay import DeliveryError, Recipient
from bot.channels.telegram_format import (
    PayloadStore,
    contact_request_keyboard,
    inline_keyboard,
    split_message,
)
from bot.i18n import gettext

logger = logging.getLogger(__name__)

NETWORK_RETRY = 5.0  # seconds before trying again after a network error or a timeout
OTHER_RETRY = 60.0  # seconds before trying again after an error Telegram does not explain


def _seconds(period: int | float | dt.timedelta) -> float:
    return period.total_seconds() if isinstance(period, dt.timedelta) else float(period)


def retry_after_of(exc: RetryAfter) -> float:
    """The seconds Telegram asks us to wait: a timedelta with ``PTB_TIMEDELTA=true`` (which
    ``main`` sets, python-telegram-bot's opt-in to its next major version), else an int."""
    return _seconds(exc.retry_after)


def delivery_error(exc: TelegramError) -> DeliveryError:
    """Telegram's refusal as the relay's DeliveryError: when, if ever, to try again."""
    if isinstance(exc, RetryAfter):
        return DeliveryError(str(exc), retry_after=retry_after_of(exc))
    if isinstance(exc, Forbidden | BadRequest | ChatMigrated):  # blocked, bad chat, bad message
        return DeliveryError(str(exc), retry_after=None)
    if isinstance(exc, NetworkError):  # includes TimedOut
        return DeliveryError(str(exc), retry_after=NETWORK_RETRY)
    return DeliveryError(str(exc), retry_after=OTHER_RETRY)


def _answer_key(to: Recipient, message: Mapping[str, Any]) -> tuple[str, str]:
    canonical = json.dumps(message, sort_keys=True, ensure_ascii=False, default=str)
    return to.chat_id, hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class TelegramSender:
    """The relay's Sender for Telegram (see ``bot.channels.relay.Sender``)."""

    def __init__(
        self,
        bot: Bot,
        store: PayloadStore,
        charts: ChartSource,
        voices: VoiceSource = custom_messages.voice_note,
    ) -> None:
        self.bot = bot
        self.store = store
        self.charts = charts
        self.voices = voices
        # Pieces of an answer already on Telegram when a later piece failed, by chat and answer.
        self._progress: dict[tuple[str, str], int] = {}

    async def send(self, to: Recipient, message: Mapping[str, Any]) -> list[str]:
        """Send one Rasa answer; the ids ``"<chat>:<message>"`` of what reached Telegram."""
        key = _answer_key(to, message)
        done = self._progress.pop(key, 0)
        sent: list[str] = []
        steps = self._steps(to, message)
        try:
            for index, step in enumerate(steps):
                if index < done:
                    continue
                sent_message = await step()
                if sent_message is not None:
                    sent.append(f"{to.chat_id}:{sent_message.message_id}")
                done = index + 1
        except TelegramError as exc:
            error = delivery_error(exc)
            if error.retry_after is not None and done:
                self._progress[key] = done
            raise error from exc
        return sent

    def _steps(self, to: Recipient, message: Mapping[str, Any]) -> list[Callable[[], Any]]:
        """The Telegram calls one answer needs, in order; each returns a Message or None."""
        steps: list[Callable[[], Any]] = []
        pieces = split_message(str(message.get("text") or ""))
        for number, piece in enumerate(pieces, start=1):
            buttons = (message.get("buttons") or []) if number == len(pieces) else []
            steps.append(lambda piece=piece, buttons=buttons: self._text(to, piece, buttons))
        if message.get("image"):
            steps.append(lambda: self.bot.send_photo(to.chat_id, photo=str(message["image"])))
        custom = message.get("custom")
        if isinstance(custom, Mapping):
            steps.extend(self._custom_steps(to, custom))
        return steps

    def _text(self, to: Recipient, text: str, buttons: list[Mapping[str, str]]) -> Any:
        markup = inline_keyboard(buttons, self.store)
        return self.bot.send_message(to.chat_id, text, reply_markup=markup)

    def _custom_steps(self, to: Recipient, custom: Mapping[str, Any]) -> list[Callable[[], Any]]:
        steps: list[Callable[[], Any]] = []
        for name, value in custom.items():
            if name == custom_messages.REQUEST_CONTACT and isinstance(value, Mapping):
                steps.append(lambda value=value: self._contact_request(to, str(value["text"])))
            elif name == custom_messages.CHART_REQUEST and isinstance(value, Mapping):
                steps.append(lambda value=value: self._chart(to, str(value["loan_account"])))
            elif name == custom_messages.VOICE and (request := voice_request(value)):
                text, language = request
                steps.append(lambda t=text, lang=language: self._voice(to, t, lang or to.language))
            else:
                logger.debug("telegram: custom answer %r ignored", name)
        return steps

    def _contact_request(self, to: Recipient, text: str) -> Any:
        keyboard = contact_request_keyboard(gettext(to.language, messages.SHARE_PHONE_BUTTON))
        return self.bot.send_message(to.chat_id, text, reply_markup=keyboard)

    async def _chart(self, to: Recipient, loan_account: str) -> Message | None:
        png = await asyncio.to_thread(self.charts, to, loan_account)
        if png is None:
            logger.info("telegram: no chart for chat %s (not verified or not its loan)", to.chat_id)
            return None
        caption = gettext(to.language, messages.CHART_CAPTION)
        return await self.bot.send_photo(to.chat_id, photo=png, caption=caption)

    async def _voice(self, to: Recipient, text: str, language: str) -> Message | None:
        """The text as a voice note; nothing when it cannot be made or the chat refuses voice
        notes (a Telegram privacy setting): the text itself is already in the chat."""
        ogg = await asyncio.to_thread(self.voices, text, language)
        if ogg is None:
            return None
        try:
            return await self.bot.send_voice(to.chat_id, voice=ogg, filename="lesson.ogg")
        except BadRequest as exc:
            logger.warning("telegram: voice note refused for chat %s: %s", to.chat_id, exc)
            return None
