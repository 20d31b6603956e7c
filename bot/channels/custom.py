"""The custom messages the actions send for the Telegram and WhatsApp adapters to draw.

Rasa passes a ``custom`` answer through untouched; these are the only ones Wazi sends:

- ``{"wazi_request_contact": {"text": ...}}``: say the text with Telegram's "share my phone
  number" button (on WhatsApp the text alone: the sender's number is already known);
- ``{"wazi_chart": {"loan_account": ...}}``: send the chart of that loan's schedule, drawn by
  the adapter with ``bot.loan_charts.schedule_chart_for`` for the chat's own client only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the actions import the names above; they need none of this
    from sqlalchemy import Engine

    from bot.channels.relay import Recipient

REQUEST_CONTACT = "wazi_request_contact"
CHART_REQUEST = "wazi_chart"

# The PNG of a loan's schedule for a recipient, or None when that chat may not see it.
# Senders call it in a thread (drawing takes tens of milliseconds).
ChartSource = Callable[["Recipient", str], bytes | None]


def chart_source(engine: Engine, today: Callable[[], dt.date]) -> ChartSource:
    """The charts of ``bot.loan_charts`` from ``engine``'s loans, as of ``today()``."""

    def chart(to: Recipient, loan_account: str) -> bytes | None:
        from bot.loan_charts import schedule_chart_for  # matplotlib: loaded on the first chart

        return schedule_chart_for(
            engine, to.channel, to.user_id, loan_account, to.language, today()
        )

    return chart
