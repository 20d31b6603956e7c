"""The words of the web chat page itself (its title, the message box, the buttons, the errors its
script shows), in the language the person's browser asks for (``Accept-Language``) among Wazi's
five, else English. The conversation's own language is chosen in the conversation, as on
Telegram and WhatsApp; these are only the frame around it, from the same catalogs.
"""

from __future__ import annotations

import dataclasses

from werkzeug.datastructures import LanguageAccept

from bot.i18n import LANGUAGES, N_, SOURCE_LANGUAGE, gettext

TITLE = N_("Wazi chat")
DEMO_DATE = N_("Demo date: %(date)s")
TODAY = N_("Today: %(date)s")
NEW_CONVERSATION = N_("New conversation")
CONVERSATION = N_("Conversation")
NEEDS_JAVASCRIPT = N_("This chat needs JavaScript turned on.")
YOUR_MESSAGE = N_("Your message")
TYPE_A_MESSAGE = N_("Type a message")
SEND = N_("Send")
# shown by chat.js
NETWORK_ERROR = N_("Could not reach the chat server. Check your connection and try again.")
SERVER_ERROR = N_("Something went wrong (HTTP %(status)s).")  # chat.js puts the status in
VOICE_NOTE = N_("Voice note")
NO_AUDIO = N_("Your browser cannot play this voice note.")
STARTED = N_("New conversation started.")

_WORDS = {
    "title": TITLE,
    "demo_date": DEMO_DATE,
    "today": TODAY,
    "new_conversation": NEW_CONVERSATION,
    "conversation": CONVERSATION,
    "needs_javascript": NEEDS_JAVASCRIPT,
    "your_message": YOUR_MESSAGE,
    "type_a_message": TYPE_A_MESSAGE,
    "send": SEND,
    "network_error": NETWORK_ERROR,
    "server_error": SERVER_ERROR,
    "voice_note": VOICE_NOTE,
    "no_audio": NO_AUDIO,
    "started": STARTED,
}


@dataclasses.dataclass(frozen=True)
class ChatPage:
    language: str
    words: dict[str, str]


def page_language(accepted: LanguageAccept) -> str:
    """The supported language the browser prefers most, else English."""
    return accepted.best_match(LANGUAGES, default=SOURCE_LANGUAGE) or SOURCE_LANGUAGE


def chat_page(accepted: LanguageAccept) -> ChatPage:
    language = page_language(accepted)
    return ChatPage(language, {key: gettext(language, text) for key, text in _WORDS.items()})
