"""The Telegram adapter: Telegram updates in, through the relay to Rasa, answers back out.

Run it with ``python -m bot.channels.telegram``. It long-polls Telegram (getUpdates) unless
``WAZI_TELEGRAM_WEBHOOK_URL`` is set; then it registers that URL with a secret token and serves
the webhook itself (see ``webhook_app``). Each client message becomes an ``Inbound`` for the
relay (``bot.channels.relay``), which stores it once, forwards it to Rasa with the sender's
signed identity and sends Rasa's answers through ``TelegramSender``.

What a client can send, and what Rasa receives:

- text: the text; Wazi's commands become intents, so they work in any language:
  ``/start`` -> ``/greet`` (``/start lang_sw`` or ``/start sw``: ``/choose_language``),
  ``/help`` -> ``/help``, ``/language`` -> ``/language``, ``/stop`` -> ``/logout``;
- a button press: the button's payload (Telegram's spinner is stopped at once);
- their own contact (the share-my-number button): the phone number, vouched for in the signed
  identity. Someone else's contact is refused, written to the audit log and never forwarded;
- anything else (stickers, voice notes, photos...): a polite "text only" reply, nothing to Rasa.

Only private chats are served: a loan is nobody else's business, so group messages are ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hmac
import json
import logging
import os
import secrets
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import Flask, jsonify, request
from sqlalchemy import Engine
from telegram import BotCommand, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channel_identity import normalise_phone
from bot.channels import custom, messages
from bot.channels.custom import ChartSource
from bot.channels.relay import DeliveryError, Inbound, Recipient, Relay, RetryPolicy
from bot.channels.telegram_format import PayloadStore, command_of, shared_phone, text_of_callback
from bot.channels.telegram_sender import TelegramSender
from bot.channels.waitress_thread import ThreadedServer
from bot.complaints.news_pusher import EVERY as NEWS_EVERY
from bot.complaints.news_pusher import NewsPusher, Outgoing
from bot.db.session import make_engine
from bot.i18n import LANGUAGES, SOURCE_LANGUAGE, gettext, parse_language
from bot.loan_source import loan_source
from bot.settings import SettingError, Settings, load

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]  # Telegram keeps the rest to itself
MAX_WEBHOOK_BODY = 1024 * 1024  # bytes; an update with a long text is a few KB
COMMAND_INTENTS = {"help": "/help", "language": "/language", "stop": "/logout"}


@dataclass(frozen=True)
class Config:
    """What the adapter needs to run; ``from_settings`` reads it from the environment."""

    token: str
    api_url: str  # ends in "/bot": python-telegram-bot appends the token
    rasa_url: str
    channel_secret: bytes
    webhook_url: str | None = None  # None: long polling
    webhook_secret: str | None = None  # None: a random one per run
    webhook_listen: tuple[str, int] = ("127.0.0.1", 8443)  # port 0: any free port
    poll_timeout: float = 10.0  # seconds a getUpdates call waits for news
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    today: Callable[[], dt.date] = dt.date.today
    news_every: float = NEWS_EVERY  # seconds between looks for complaint news to push

    @classmethod
    def from_settings(cls, settings: Settings) -> Config:
        if not settings.telegram_token:
            raise SettingError("WAZI_TELEGRAM_TOKEN", "not set (the token @BotFather gave)")
        if not settings.channel_secret:
            raise SettingError(
                "WAZI_CHANNEL_SECRET", "not set; the actions would trust no Telegram user"
            )
        return cls(
            token=settings.telegram_token,
            api_url=settings.telegram_api_url,
            rasa_url=settings.rasa_url,
            channel_secret=settings.channel_secret,
            webhook_url=settings.telegram_webhook_url,
            webhook_secret=settings.telegram_webhook_secret,
            webhook_listen=settings.telegram_webhook_listen,
            today=settings.today,
        )


def start_language(argument: str | None) -> str | None:
    """The language a deep link ``/start sw`` or ``/start lang_sw`` asks for, if any."""
    if not argument:
        return None
    if argument.lower().startswith("lang_"):
        argument = argument[len("lang_") :]
    return parse_language(argument)


def rasa_text_of_command(command: str, argument: str | None) -> str:
    """What Rasa receives for one of Wazi's commands (see ``telegram_format.COMMANDS``)."""
    if command == "start":
        language = start_language(argument)
        if language is None:
            return "/greet"
        return "/choose_language" + json.dumps({"language": language}, separators=(",", ":"))
    return COMMAND_INTENTS[command]


def _sender_and_chat(update: Update) -> tuple[str, str]:
    """Who sent an update and where to answer (a button on an inline message has no chat, but
    a private chat's id is its user's id)."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None  # messages and button presses always have a sender
    return str(user.id), str(chat.id if chat is not None else user.id)


class TelegramHandlers:
    """The update handlers: each turns one kind of update into an Inbound, or answers it."""

    def __init__(self, relay: Relay, sender: TelegramSender) -> None:
        self.relay = relay
        self.sender = sender

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A typed message or one of Wazi's commands: forward it to Rasa."""
        message = update.effective_message
        assert message is not None and message.text is not None  # the filter says so
        command = command_of(update, context.bot.username)
        text = message.text if command is None else rasa_text_of_command(*command)
        await self._forward(update, f"m{message.chat.id}:{message.message_id}", text)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button press: stop the client's spinner, then forward the button's payload."""
        pressed = text_of_callback(update, self.sender.store)
        assert pressed is not None and update.callback_query is not None
        query_id, payload = pressed
        try:
            await update.callback_query.answer()
        except TelegramError as exc:  # too old to answer: the press still counts
            logger.info("telegram: could not answer button press %s: %s", query_id, exc)
        if payload is None:
            await self._say(update, messages.STALE_BUTTON)
            return
        await self._forward(update, f"c{query_id}", payload)

    async def on_contact(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A shared contact: the client's own number goes to Rasa; anyone else's is refused."""
        message = update.effective_message
        assert message is not None and update.effective_user is not None
        phone = shared_phone(update)
        if phone is not None:
            external_id = f"m{message.chat.id}:{message.message_id}"
            # Only a number that is valid can be signed; another goes on as text, unvouched.
            await self._forward(update, external_id, phone, phone=normalise_phone(phone))
            return
        user_id = str(update.effective_user.id)
        await asyncio.to_thread(self.relay.record_refusal, user_id, "forwarded_contact")
        to = await self._recipient(update)
        text = gettext(to.language, messages.NOT_YOUR_CONTACT)
        request_contact = {"custom": {custom.REQUEST_CONTACT: {"text": text}}}
        try:
            await self.sender.send(to, request_contact)
        except DeliveryError as exc:
            logger.warning("telegram: could not ask chat %s for its contact: %s", to.chat_id, exc)

    async def on_unsupported(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A sticker, voice note, photo, location...: say politely that only text is read.

        The reply goes through the relay as the message's answer, so it keeps its place in the
        chat's order and a repeated update is answered once.
        """
        message = update.effective_message
        to = await self._recipient(update)
        answer = {"text": gettext(to.language, messages.UNSUPPORTED_MESSAGE)}
        inbound = Inbound(
            CHANNEL, f"m{to.chat_id}:{message.message_id}", to.user_id, to.chat_id, "[unsupported]"
        )
        await asyncio.to_thread(self.relay.accept, inbound, [answer])

    async def _forward(
        self, update: Update, external_id: str, text: str, phone: str | None = None
    ) -> None:
        user_id, chat_id = _sender_and_chat(update)
        inbound = Inbound(CHANNEL, external_id, user_id, chat_id, text, phone)
        if not await asyncio.to_thread(self.relay.accept, inbound):
            logger.info("telegram: update %s repeated a message: ignored", update.update_id)

    async def _recipient(self, update: Update) -> Recipient:
        return await asyncio.to_thread(self.relay.recipient, *_sender_and_chat(update))

    async def _say(self, update: Update, message: str) -> None:
        to = await self._recipient(update)
        await self.relay.say(to, gettext(to.language, message))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log an update that failed; the adapter carries on with the next one."""
    logger.error("telegram: an update failed", exc_info=context.error)


def webhook_app(application: Application, secret: str, path: str) -> Flask:
    """The webhook Telegram posts updates to, as in python-telegram-bot's custom webhook example.

    Checks the ``X-Telegram-Bot-Api-Secret-Token`` header (403 without it), the size (413) and
    the JSON (400 for anything that is not an Update), then puts the update on the
    application's queue. An update of a kind Wazi does not handle is accepted and ignored: a
    4xx would make Telegram send it again and again. ``GET /health`` says the adapter is up.
    """
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_WEBHOOK_BODY
    loop = asyncio.get_running_loop()
    expected = secret.encode("utf-8")

    @app.post(path)
    def receive():  # type: ignore[no-untyped-def]
        token = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(token.encode("utf-8"), expected):
            return jsonify(error="wrong or missing secret token"), 403
        try:
            data = request.get_json(silent=True)  # 413 above MAX_CONTENT_LENGTH
        except RecursionError:  # JSON nested absurdly deep (silent covers only ValueError)
            data = None
        if not isinstance(data, dict):
            return jsonify(error="expected a JSON object: a Telegram Update"), 400
        try:
            update = Update.de_json(data, application.bot)
        # Fields missing or mistyped; OverflowError and OSError: a date no datetime can hold.
        except (TypeError, ValueError, KeyError, AttributeError, OverflowError, OSError):
            logger.info("telegram webhook: a body that is not an Update", exc_info=True)
            return jsonify(error="not a Telegram Update"), 400
        loop.call_soon_threadsafe(application.update_queue.put_nowait, update)
        return "", 200

    @app.get("/health")
    def health():  # type: ignore[no-untyped-def]
        return jsonify(status="ok")

    return app


class TelegramAdapter:
    """The adapter wired together: python-telegram-bot's application, the relay and its worker,
    the complaint news pusher (``bot.complaints.news_pusher``), and either long polling or the
    webhook server. ``start`` and ``stop`` run on one loop."""

    def __init__(self, config: Config, engine: Engine, charts: ChartSource | None = None) -> None:
        self.config = config
        builder = ApplicationBuilder().token(config.token).base_url(config.api_url)
        if config.webhook_url:
            builder = builder.updater(None)
        self.application = builder.build()
        self.sender = TelegramSender(
            self.application.bot,
            PayloadStore(),
            charts or custom.chart_source(engine, config.today),
        )
        self.relay = Relay(
            engine, self.sender, CHANNEL, config.rasa_url, config.channel_secret, config.retry
        )
        handlers = TelegramHandlers(self.relay, self.sender)
        private = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE
        self.application.add_handler(CallbackQueryHandler(handlers.on_button))
        self.application.add_handler(MessageHandler(private & filters.CONTACT, handlers.on_contact))
        self.application.add_handler(MessageHandler(private & filters.TEXT, handlers.on_text))
        self.application.add_handler(
            MessageHandler(private & ~filters.StatusUpdate.ALL, handlers.on_unsupported)
        )
        self.application.add_error_handler(on_error)
        self.news = NewsPusher(engine, CHANNEL, self.send_news, config.news_every)
        self.webhook_port: int | None = None  # the port the webhook listens on, once started
        self._worker: asyncio.Task[None] | None = None
        self._news: asyncio.Task[None] | None = None
        self._server: ThreadedServer | None = None

    async def start(self) -> None:
        """Check the token (getMe), set the command menu, start the relay and take updates;
        what was started is stopped again when a step fails (a wrong token, a busy port)."""
        started = False
        try:
            await self.application.initialize()
            await self.set_commands()
            await self.application.start()
            self._worker = asyncio.create_task(self.relay.run(), name="telegram relay")
            self._news = asyncio.create_task(self.news.run(), name="telegram complaint news")
            if self.config.webhook_url:
                await self._start_webhook(self.config.webhook_url)
            else:
                assert self.application.updater is not None
                await self.application.updater.start_polling(
                    timeout=dt.timedelta(seconds=self.config.poll_timeout),
                    allowed_updates=ALLOWED_UPDATES,
                )
            started = True
        finally:
            if not started:
                await self.stop()

    async def stop(self) -> None:
        """Stop taking updates, finish the ones taken, stop the relay; the webhook stays set."""
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self._server is not None:
            await asyncio.to_thread(self._server.stop, 5.0)
        if self.application.running:
            await self.application.stop()
        for task in (self._news, self._worker):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self.application.shutdown()
        await self.application.bot.shutdown()  # when getMe failed, the application never started

    async def send_news(self, item: Outgoing) -> None:
        """A piece of complaint news to a private chat (its id is the user's), buttons inline."""
        to = Recipient(CHANNEL, item.user_id, item.user_id, item.language)
        await self.sender.send(to, item.as_message())

    async def set_commands(self) -> None:
        """The command menu, its descriptions in each language Telegram clients may use."""
        for language in LANGUAGES:
            commands = [
                BotCommand(name, gettext(language, description))
                for name, description in messages.COMMAND_DESCRIPTIONS.items()
            ]
            code = None if language == SOURCE_LANGUAGE else language  # None: the default menu
            try:
                await self.application.bot.set_my_commands(commands, language_code=code)
            except TelegramError as exc:
                logger.warning("telegram: could not set the %s command menu: %s", language, exc)

    async def _start_webhook(self, url: str) -> None:
        secret = self.config.webhook_secret or secrets.token_urlsafe(32)
        host, port = self.config.webhook_listen
        app = webhook_app(self.application, secret, urlsplit(url).path or "/")
        self._server = ThreadedServer(app, host, port, threads=4, name="telegram webhook")
        self.webhook_port = self._server.port
        self._server.start()
        await self.application.bot.set_webhook(
            url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
        )
        logger.info("telegram: webhook listening on %s:%s", host, self.webhook_port)


async def run_adapter(
    config: Config,
    engine: Engine,
    stop: asyncio.Event,
    charts: ChartSource | None = None,
    started: Callable[[TelegramAdapter], None] | None = None,
) -> None:
    """Run the adapter until ``stop`` is set; ``started`` is called once it takes updates."""
    adapter = TelegramAdapter(config, engine, charts)
    await adapter.start()
    try:
        if started is not None:
            started(adapter)
        await stop.wait()
    finally:
        await adapter.stop()


async def _serve(config: Config, engine: Engine, charts: ChartSource) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await run_adapter(config, engine, stop, charts)


def main() -> int:
    """Read settings and run the adapter until SIGINT or SIGTERM; 2 for a bad setting."""
    # python-telegram-bot 22 warns on every time period it gives as an int; opt in to the
    # timedelta periods of its next major version (see telegram_sender.retry_after_of).
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    try:
        settings = load()
        config = Config.from_settings(settings)
        loans = loan_source(settings)
    except SettingError as exc:
        print(f"wazi telegram: bad setting {exc}", file=sys.stderr)  # noqa: T201
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per getUpdates otherwise
    engine = make_engine(settings.database_url)
    try:
        asyncio.run(_serve(config, engine, custom.chart_source(engine, config.today, loans)))
    except InvalidToken:
        print("wazi telegram: Telegram refused WAZI_TELEGRAM_TOKEN", file=sys.stderr)  # noqa: T201
        return 2
    except NetworkError as exc:
        print(f"wazi telegram: cannot reach Telegram: {exc}", file=sys.stderr)  # noqa: T201
        return 1
    except OSError as exc:
        host, port = config.webhook_listen
        print(  # noqa: T201
            f"wazi telegram: cannot listen on {host}:{port}: {exc.strerror}"
            " (set WAZI_TELEGRAM_WEBHOOK_LISTEN)",
            file=sys.stderr,
        )
        return 2
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
