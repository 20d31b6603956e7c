"""Telegram formatting: long replies cut to the message limit, Rasa buttons as inline keyboards,
the share-my-number keyboard, and the contact, command and button press read from an Update.

Pure functions on python-telegram-bot's own types; nothing here talks to Telegram.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    MessageEntity,
    ReplyKeyboardMarkup,
    Update,
)

logger = logging.getLogger(__name__)

MESSAGE_LIMIT = 4096  # sendMessage.text: 1-4096 characters (UTF-16 code units)
CALLBACK_DATA_LIMIT = 64  # InlineKeyboardButton.callback_data: 1-64 bytes (UTF-8)
TOKEN_PREFIX = "p:"
_TOKEN_DIGEST_BYTES = 15  # 120 bits of sha256: 24 base32 characters, no padding

COMMANDS = frozenset({"start", "help", "language", "stop"})
_DEEP_LINK_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")


# --- Long messages ---------------------------------------------------------------------------


def utf16_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def _char_units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def _longest_prefix(text: str, limit: int) -> int:
    """How many characters of ``text`` fit in ``limit`` UTF-16 code units."""
    units = 0
    for index, char in enumerate(text):
        units += _char_units(char)
        if units > limit:
            return index
    return len(text)


def _split_line(line: str, limit: int) -> list[str]:
    """Cut one over-long line after its last space that fits, else hard at the limit.

    The space stays at the end of the earlier piece, so the pieces concatenate to the line.
    """
    pieces: list[str] = []
    rest = line
    while utf16_length(rest) > limit:
        prefix = rest[: _longest_prefix(rest, limit)]
        space = prefix.rfind(" ")
        cut = space + 1 if space > 0 and prefix[:space].strip() else len(prefix)
        pieces.append(rest[:cut])
        rest = rest[cut:]
    pieces.append(rest)
    return pieces


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Cut ``text`` into messages of at most ``limit`` UTF-16 code units, at line boundaries.

    Whole lines are packed greedily; each cut between pieces takes the place of one newline, so
    ``"\\n".join(pieces) == text`` whenever no line is longer than the limit and no piece would
    be blank. A line longer than the limit is cut at spaces, then hard (never inside a
    character). Blank pieces are dropped, since Telegram rejects an empty message; so the empty
    text gives no piece at all.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2 UTF-16 code units (one astral character)")
    pieces: list[str] = []
    current: list[str] = []
    current_units = 0

    def flush() -> None:
        piece = "\n".join(current)
        if piece.strip():
            pieces.append(piece)

    for line in text.split("\n"):
        units = utf16_length(line)
        if units > limit:
            if current:
                flush()
            *whole, last = _split_line(line, limit)
            pieces.extend(piece for piece in whole if piece.strip())
            current, current_units = [last], utf16_length(last)
        elif current and current_units + 1 + units <= limit:
            current.append(line)
            current_units += 1 + units
        else:
            if current:
                flush()
            current, current_units = [line], units
    if current:
        flush()
    return pieces


# --- Buttons ---------------------------------------------------------------------------------


def fits_callback_data(payload: str) -> bool:
    """Whether ``payload`` can be sent as callback data unchanged."""
    size = len(payload.encode("utf-8"))
    return 1 <= size <= CALLBACK_DATA_LIMIT and not payload.startswith(TOKEN_PREFIX)


def payload_token(payload: str) -> str:
    """A short, stable stand-in for a payload: "p:" and base32 of a sha256 prefix (26 bytes)."""
    digest = hashlib.sha256(payload.encode("utf-8")).digest()[:_TOKEN_DIGEST_BYTES]
    return TOKEN_PREFIX + base64.b32encode(digest).decode("ascii").rstrip("=")


class PayloadStore:
    """The payloads too long for callback data, by token; the least recently used go first.

    It lives in the adapter's memory: after a restart, or once ``max_entries`` newer long
    payloads have been stored, an old button's token is unknown and ``payload_for`` says None.
    Not thread-safe; python-telegram-bot runs its handlers on one event loop.
    """

    def __init__(self, max_entries: int = 10_000) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self._payloads: OrderedDict[str, str] = OrderedDict()

    def __len__(self) -> int:
        return len(self._payloads)

    def callback_data_for(self, payload: str) -> str:
        """The payload itself when it fits in 64 bytes, else a stored token."""
        if fits_callback_data(payload):
            return payload
        token = payload_token(payload)
        self._payloads[token] = payload
        self._payloads.move_to_end(token)
        while len(self._payloads) > self.max_entries:
            self._payloads.popitem(last=False)
        return token

    def payload_for(self, callback_data: str) -> str | None:
        """The payload a button press stands for; None for a token this store does not know."""
        if not callback_data.startswith(TOKEN_PREFIX):
            return callback_data
        payload = self._payloads.get(callback_data)
        if payload is not None:
            self._payloads.move_to_end(callback_data)
        return payload


def inline_keyboard(
    buttons: Iterable[Mapping[str, str]], store: PayloadStore
) -> InlineKeyboardMarkup | None:
    """Rasa buttons (``{"title", "payload"}``) as an inline keyboard, one button per row.

    None when there are no buttons, so the result can go straight to ``reply_markup``.
    """
    rows = [
        [
            InlineKeyboardButton(
                button["title"], callback_data=store.callback_data_for(button["payload"])
            )
        ]
        for button in buttons
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def contact_request_keyboard(label: str) -> ReplyKeyboardMarkup:
    """A one-time keyboard with a single button that shares the person's own phone number."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(label, request_contact=True)]],
        one_time_keyboard=True,
        resize_keyboard=True,
    )


# --- Reading updates -------------------------------------------------------------------------


def shared_phone(update: Update) -> str | None:
    """The phone number the sender shared about themselves, in E.164 (with the "+").

    Only a contact whose ``user_id`` is the sender's own id counts (what the request_contact
    button sends); a forwarded card of someone else, or one without ``user_id``, gives None.
    """
    message = update.effective_message
    if message is None or message.contact is None or message.from_user is None:
        return None
    contact = message.contact
    if contact.user_id is None or contact.user_id != message.from_user.id:
        return None
    number = contact.phone_number.strip()
    return number if number.startswith("+") else "+" + number


def command_of(update: Update, bot_username: str | None = None) -> tuple[str, str | None] | None:
    """The bot command a message starts with, and its argument: ``("start", "ref_LOAN29")``.

    Only Wazi's commands (start, help, language, stop) count, marked by Telegram as a
    bot_command entity at the start of the text, as python-telegram-bot's CommandHandler
    requires. ``/cmd@BotName`` counts unless ``bot_username`` is given and is another bot. The
    argument of /start is the deep-link parameter, so it must be 1-64 of ``A-Z a-z 0-9 _ -``;
    anything else gives None as the argument.
    """
    message = update.effective_message
    if message is None or not message.text or not message.entities:
        return None
    entity = message.entities[0]
    if entity.type != MessageEntity.BOT_COMMAND or entity.offset != 0:
        return None
    try:
        marked = message.parse_entity(entity)
    except UnicodeDecodeError:  # an entity that ends inside a character: not from Telegram
        return None
    command, _, addressee = marked[1:].partition("@")
    command = command.lower()
    if command not in COMMANDS:
        return None
    if addressee and bot_username and addressee.lower() != bot_username.lstrip("@").lower():
        return None
    argument = message.text[len(marked) :].strip() or None
    if command == "start" and argument and not _DEEP_LINK_PARAMETER.fullmatch(argument):
        argument = None
    return command, argument


def text_of_callback(update: Update, store: PayloadStore) -> tuple[str, str | None] | None:
    """A button press: the callback query id (always answer it) and the payload it stands for.

    None when the update is not a callback query; the payload is None when the query carries
    no data or a token the store no longer knows.
    """
    query = update.callback_query
    if query is None:
        return None
    payload = store.payload_for(query.data) if query.data else None
    return query.id, payload
