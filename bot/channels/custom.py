"""The custom messages the actions send for the Telegram and WhatsApp adapters to draw.

Rasa passes a ``custom`` answer through untouched; these are the only ones Wazi sends:

- ``{"wazi_request_contact": {"text": ...}}``: say the text with Telegram's "share my phone
  number" button (on WhatsApp the text alone: the sender's number is already known);
- ``{"wazi_chart": {"loan_account": ...}}``: send the chart of that loan's schedule, drawn by
  the adapter with ``bot.loan_charts.schedule_chart_for`` for the chat's own client only.
"""

REQUEST_CONTACT = "wazi_request_contact"
CHART_REQUEST = "wazi_chart"
