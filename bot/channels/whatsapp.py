"""The WhatsApp Cloud API webhook: ``python -m bot.channels.whatsapp``.

Meta posts every client message and every status of a sent message to ``POST /webhook``,
signed with the app secret (``X-Hub-Signature-256``). This module checks the signature, reads
the payload (``bot.channels.whatsapp_format``) and answers 200 at once; the relay
(``bot.channels.relay``) forwards each message to Rasa and sends the answers through
``WhatsAppSender`` (``bot.channels.whatsapp_sender``).

- A typed text, a tapped reply button or list row (its id) and a template quick reply (its
  payload) go to Rasa, with the sender's WhatsApp number as the phone the channel vouches for.
- Anything Wazi cannot read (stickers, voice notes, pictures, locations, contact cards...)
  is answered with ``messages.UNSUPPORTED_MESSAGE`` in the client's language, without Rasa:
  it is stored like any message but already answered, so WhatsApp's retries of it are
  refused by the same unique message id, and the relay's worker sends the answer once.
- System messages (a changed number...) are logged and ignored.
- Statuses (sent, delivered, read, failed) update ``channel_deliveries``; failures are
  logged by their code (``whatsapp_sender.ERRORS``).
- Complaint news (a staff reply, an answer, the regulator notice) is pushed beside the relay's
  worker by ``news_pusher``, through ``send_proactive``.

Meta retries a webhook that is not answered 200, so a bad signature is 401/403, a bad payload
400, a body over ``MAX_BODY`` 413, and a database failure 503 (Meta tries again later).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import signal
import sys
import threading
from collections.abc import Callable, Coroutine, Sequence
from contextlib import suppress
from dataclasses import dataclass
from types import FrameType
from typing import Any

from flask import Flask, Response, request
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from waitress import create_server
from werkzeug.exceptions import HTTPException

from bot.channels import messages
from bot.channels.custom import chart_source
from bot.channels.relay import Inbound, Relay
from bot.channels.whatsapp_format import (
    UNSUPPORTED,
    IncomingMessage,
    StatusUpdate,
    WebhookError,
    parse_webhook,
    verification_response,
    verify_signature,
)
from bot.channels.whatsapp_sender import CHANNEL, WhatsAppSender, log_error, send_proactive
from bot.complaints.news_pusher import EVERY as NEWS_EVERY
from bot.complaints.news_pusher import NewsPusher, Outgoing
from bot.db.models import ChannelDelivery
from bot.db.session import make_engine, session_scope
from bot.i18n import gettext
from bot.loan_source import loan_source
from bot.settings import SettingError, load

logger = logging.getLogger(__name__)

MAX_BODY = 256 * 1024  # bytes; Meta's webhook payloads are a few kilobytes
SIGNATURE_HEADER = "X-Hub-Signature-256"
TO_RASA = {"text", "button_reply", "list_reply", "button"}  # IncomingMessage.type
UNREADABLE = {UNSUPPORTED, "contacts"}  # the phone is already known from the sender's number
STATUS_ORDER = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}  # read may skip delivered


@dataclass(frozen=True)
class WebhookConfig:
    """What the webhook checks requests with."""

    app_secret: bytes
    verify_token: str
    max_body: int = MAX_BODY


def create_app(config: WebhookConfig, relay: Relay, engine: Engine) -> Flask:
    """The webhook app: ``GET/POST /webhook`` and ``GET /health``."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body

    @app.get("/health")
    def health() -> Response:
        return _text("ok", 200)

    @app.get("/webhook")
    def handshake() -> Response:
        """Meta's verification request when the webhook URL is set up."""
        status, body = verification_response(request.args, config.verify_token)
        if status != 200:
            logger.warning("WhatsApp webhook handshake refused: %s", body)
        return _text(body, status)

    @app.post("/webhook")
    def receive() -> Response:
        """One signed delivery of messages and statuses."""
        raw = request.get_data(cache=False)
        header = request.headers.get(SIGNATURE_HEADER)
        if not header:
            logger.warning("WhatsApp webhook POST without %s", SIGNATURE_HEADER)
            return _text(f"missing {SIGNATURE_HEADER}", 401)
        if not verify_signature(config.app_secret, raw, header):
            logger.warning("WhatsApp webhook POST with a wrong signature")
            return _text("signature does not match", 403)
        try:
            payload = json.loads(raw)
        except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested absurdly deep
            return _text("the body is not JSON", 400)
        try:
            delivery = parse_webhook(payload)
        except WebhookError as exc:
            logger.warning("WhatsApp webhook of an unexpected shape: %s", exc)
            return _text(f"unexpected payload: {exc}", 400)
        for status in delivery.statuses:
            record_status(engine, status, relay.clock())
        for message in delivery.messages:
            handle_message(relay, message)
        return _text("ok", 200)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        return _text(f"{exc.code} {exc.name}", exc.code or 500)

    @app.errorhandler(SQLAlchemyError)
    def database_error(exc: SQLAlchemyError) -> Response:
        logger.error("WhatsApp webhook: database error", exc_info=exc)
        return _text("temporarily unavailable, try again", 503)

    return app


def _text(body: str, status: int) -> Response:
    return Response(body, status=status, mimetype="text/plain")


def handle_message(relay: Relay, message: IncomingMessage) -> bool:
    """Hand one client message to the relay; False when it was handled before or ignored."""
    wa_id = message.sender.removeprefix("+")

    def inbound(text: str) -> Inbound:
        return Inbound(CHANNEL, message.message_id, wa_id, wa_id, text, message.sender)

    if message.type in TO_RASA and message.rasa_text is not None:
        return relay.accept(inbound(message.rasa_text))
    if message.type == "system":
        logger.info("WhatsApp system message (%s) ignored", message.system_type)
        return False
    if message.type not in UNREADABLE:
        logger.warning("WhatsApp message of type %s ignored", message.original_type)
        return False
    logger.info("WhatsApp message of type %s: asking for text", message.original_type)
    to = relay.recipient(wa_id, wa_id)
    answer = {"text": gettext(to.language, messages.UNSUPPORTED_MESSAGE)}
    # Answered at once, but stored like any message: a retry of it is refused, it keeps its
    # place in the chat's order, and it opens WhatsApp's 24-hour window.
    return relay.accept(inbound(f"[{message.original_type}]"), answers=[answer])


def record_status(engine: Engine, status: StatusUpdate, now: dt.datetime) -> None:
    """Keep the latest status of a sent message (a late ``delivered`` does not undo ``read``)."""
    if status.status == "failed":
        log_error(status.error_code, "could not deliver a message")
    for attempt in range(2):  # a concurrent first status of the same message: update it
        try:
            _store_status(engine, status, now)
            return
        except IntegrityError:
            if attempt:
                raise


def _store_status(engine: Engine, status: StatusUpdate, now: dt.datetime) -> None:
    with session_scope(engine) as session:
        row = session.scalar(
            select(ChannelDelivery)
            .where(ChannelDelivery.channel == CHANNEL)
            .where(ChannelDelivery.provider_id == status.message_id)
        )
        if row is None:
            row = ChannelDelivery(
                channel=CHANNEL,
                provider_id=status.message_id,
                chat_id=status.recipient.removeprefix("+"),
                created_at=now,
            )
            session.add(row)
        elif STATUS_ORDER.get(status.status, 0) < STATUS_ORDER.get(row.status, 0):
            return
        row.status = status.status[:16]
        row.error_code = status.error_code
        row.error_title = status.error_title[:200] if status.error_title else None
        row.updated_at = now


@dataclass(frozen=True)
class ProactiveNews:
    """Sends a piece of complaint news through ``send_proactive``: free text with its buttons
    inside the 24-hour window, the approved ``template`` outside it."""

    engine: Engine
    sender: WhatsAppSender
    template: str

    async def __call__(self, item: Outgoing) -> None:
        await send_proactive(
            self.engine,
            self.sender,
            item.user_id,
            item.text,
            item.language,
            template=self.template,
            now=dt.datetime.now(dt.UTC),
            buttons=[button.as_rasa() for button in item.buttons],
        )


def news_pusher(
    engine: Engine, sender: WhatsAppSender, template: str, every: float = NEWS_EVERY
) -> NewsPusher:
    """The complaint news pusher of the WhatsApp adapter."""
    return NewsPusher(engine, CHANNEL, ProactiveNews(engine, sender, template), every)


Background = Callable[[], Coroutine[Any, Any, None]]


class RelayThread:
    """Runs a relay's worker, and ``also`` tasks beside it (the complaint news pusher), on an
    event loop of its own in a background thread."""

    def __init__(
        self, relay: Relay, restart_pause: float = 1.0, also: Sequence[Background] = ()
    ) -> None:
        self.relay = relay
        self.restart_pause = restart_pause
        self.also = tuple(also)
        self._thread = threading.Thread(target=self._run, name="whatsapp-relay", daemon=True)
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(timeout=10):
            raise RuntimeError("the relay thread did not start")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the worker (a turn in progress is cancelled and resumed at the next start)."""
        if self._loop is not None and self._stop is not None:
            with suppress(RuntimeError):  # the loop has already closed
                self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._ready.set()
        stopping = asyncio.create_task(self._stop.wait())
        beside = [asyncio.create_task(run()) for run in self.also]
        while not self._stop.is_set():
            worker = asyncio.create_task(self.relay.run())
            await asyncio.wait({worker, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if worker.done() and not worker.cancelled() and worker.exception() is not None:
                logger.error(
                    "WhatsApp relay worker failed; restarting", exc_info=worker.exception()
                )
                with suppress(TimeoutError):
                    async with asyncio.timeout(self.restart_pause):
                        await self._stop.wait()
            worker.cancel()
            with suppress(asyncio.CancelledError):
                await worker
        stopping.cancel()
        for task in beside:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # waitress stops serving on it, as on Ctrl-C


def main() -> int:
    """Read settings, start the relay worker and serve the webhook until SIGTERM or Ctrl-C."""
    try:
        settings = load()
    except SettingError as exc:
        print(f"wazi whatsapp: bad setting {exc}", file=sys.stderr)  # noqa: T201
        return 2
    if not settings.whatsapp_enabled:
        print(  # noqa: T201
            "wazi whatsapp: set WAZI_WHATSAPP_TOKEN, WAZI_WHATSAPP_PHONE_NUMBER_ID, "
            "WAZI_WHATSAPP_APP_SECRET and WAZI_WHATSAPP_VERIFY_TOKEN",
            file=sys.stderr,
        )
        return 2
    if settings.channel_secret is None:
        print(  # noqa: T201
            "wazi whatsapp: set WAZI_CHANNEL_SECRET (32 characters or more, shared with the "
            "action server)",
            file=sys.stderr,
        )
        return 2
    assert settings.whatsapp_token and settings.whatsapp_phone_number_id  # whatsapp_enabled
    assert settings.whatsapp_app_secret and settings.whatsapp_verify_token

    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines hold request URLs
    engine = make_engine(settings.database_url)
    sender = WhatsAppSender(
        api_url=settings.whatsapp_api_url,
        phone_number_id=settings.whatsapp_phone_number_id,
        token=settings.whatsapp_token,
        charts=chart_source(engine, settings.today, loan_source(settings)),
    )
    relay = Relay(engine, sender, CHANNEL, settings.rasa_url, settings.channel_secret)
    config = WebhookConfig(settings.whatsapp_app_secret, settings.whatsapp_verify_token)
    host, port = settings.whatsapp_listen
    try:
        server = create_server(create_app(config, relay, engine), host=host, port=port)
    except OSError as exc:
        print(  # noqa: T201
            f"wazi whatsapp: cannot listen on {host}:{port}: {exc.strerror} "
            "(set WAZI_WHATSAPP_LISTEN)",
            file=sys.stderr,
        )
        return 2
    worker = RelayThread(relay, also=[news_pusher(engine, sender, settings.whatsapp_template).run])
    worker.start()
    signal.signal(signal.SIGTERM, _interrupt)
    logger.info("WhatsApp webhook listening on %s:%s, path /webhook", host, port)
    try:
        server.run()  # returns after SIGTERM or Ctrl-C, once waitress has stopped its threads
    finally:
        worker.stop()
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
