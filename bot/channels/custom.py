"""The custom messages the actions send for the Telegram and WhatsApp adapters to draw.

Rasa passes a ``custom`` answer through untouched; these are the only ones Wazi sends:

- ``{"wazi_request_contact": {"text": ...}}``: say the text with Telegram's "share my phone
  number" button (on WhatsApp the text alone: the sender's number is already known);
- ``{"wazi_chart": {"loan_account": ...}}``: send the chart of that loan's schedule, drawn by
  the adapter with ``bot.loan_charts.schedule_chart_for`` for the chat's own client only;
- ``{"wazi_voice": {"text": ..., "language": ...}}``: send ``text`` (a lesson part already in
  the chat) again as a voice note in ``language``, made by ``bot.lessons.voice``; when it
  cannot be made (no espeak-ng or opusenc, a failure, too slow) nothing more is sent and a
  warning is logged.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the actions import the names above; they need none of this
    from sqlalchemy import Engine

    from bot.channels.relay import Recipient
    from bot.loan_source import LoanSource

logger = logging.getLogger(__name__)

REQUEST_CONTACT = "wazi_request_contact"
CHART_REQUEST = "wazi_chart"
VOICE = "wazi_voice"

# The PNG of a loan's schedule for a recipient, or None when that chat may not see it.
# Senders call it in a thread (drawing takes tens of milliseconds).
ChartSource = Callable[["Recipient", str], bytes | None]


def chart_source(
    engine: Engine, today: Callable[[], dt.date], source: LoanSource | None = None
) -> ChartSource:
    """The charts of ``bot.loan_charts`` from ``source``'s loans (``engine``'s by default),
    as of ``today()``."""

    def chart(to: Recipient, loan_account: str) -> bytes | None:
        from bot.loan_charts import schedule_chart_for  # matplotlib: loaded on the first chart

        return schedule_chart_for(
            engine, to.channel, to.user_id, loan_account, to.language, today(), source
        )

    return chart


# The OGG/Opus voice note of a text in a language, or None when none can be made. Senders
# call it in a thread (espeak-ng and opusenc take up to ``bot.lessons.voice.TIMEOUT``).
VoiceSource = Callable[[str, str], bytes | None]


def voice_request(value: object) -> tuple[str, str | None] | None:
    """The (text, language or None) of a ``wazi_voice`` value, or None when it is malformed."""
    if not isinstance(value, Mapping) or not isinstance(value.get("text"), str):
        return None
    language = value.get("language")
    return value["text"], language if isinstance(language, str) and language else None


def voice_note(text: str, language: str) -> bytes | None:
    """``text`` as an OGG/Opus voice note, or None with a warning (never the text) when it
    cannot be made: the text is in the chat already, so the answer goes on without it."""
    from bot.lessons import voice  # subprocess only: loaded on the first voice note

    if not voice.available():
        logger.warning("No voice note: %s or %s is not installed", voice.ESPEAK, voice.OPUSENC)
        return None
    try:
        return voice.speak(text, language)
    except voice.VoiceError as exc:
        logger.warning("No voice note in %r: %s", language, exc)
        return None
