"""The schedule chart a channel adapter sends with the schedule, for the chat's own client only.

The action that answers "show my schedule" cannot send a picture through Rasa's REST answer
without putting the whole PNG in the conversation's history, so it asks for one by loan account
(``{"custom": {"wazi_chart": {"loan_account": ...}}}``) and the adapter draws it here. The
adapter trusts nothing in that request but the account number: the chart is drawn only when the
platform user's chat identity is verified and the loan belongs to its client.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import cache
from pathlib import Path

from matplotlib import font_manager
from sqlalchemy import Engine

from bot.charts import schedule_chart
from bot.db.session import session_scope
from bot.i18n import N_, gettext, reply_locale
from bot.identity import identity_for, is_verified
from bot.loan_source import DatabaseLoans, LoanSource, LoanSourceUnavailable

logger = logging.getLogger(__name__)

LABELS = {
    "title": N_("Your repayment schedule"),
    "installment": N_("Installment"),
    "amount": N_("Amount"),
    "balance": N_("Balance still owed"),
    "principal": N_("Principal"),
    "interest": N_("Interest"),
    "fees": N_("Fees and tax"),
}
# Languages written in a script the default font (DejaVu Sans) lacks, a font that has it, and
# where Debian's package of it (fonts-lohit-deva, installed by `make install-browser`) puts it.
_SCRIPT_FONTS = {"hi": "Lohit Devanagari"}
_FONT_FILES = {
    "Lohit Devanagari": Path("/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf")
}


@cache
def _can_draw(language: str) -> bool:
    family = _SCRIPT_FONTS.get(language)
    if family is None:
        return True
    try:
        font_manager.findfont(family, fallback_to_default=False)
    except ValueError:
        # matplotlib's font list may predate the font's installation: add the file itself.
        path = _FONT_FILES.get(family)
        if path is None or not path.exists():
            return False
        font_manager.fontManager.addfont(str(path))
    return True


def chart_labels(language: str) -> dict[str, str]:
    """The chart's words in ``language``; English where no installed font has its script."""
    if not _can_draw(language):
        logger.info("no font for %s installed: the chart's words stay in English", language)
        language = "en"
    return {key: gettext(language, text) for key, text in LABELS.items()}


def schedule_chart_for(
    engine: Engine,
    channel: str,
    user_id: str,
    loan_account: str,
    language: str,
    today: dt.date,
    source: LoanSource | None = None,
) -> bytes | None:
    """The PNG chart of ``loan_account`` if the platform user is verified and it is their loan
    (None too when the loan source cannot answer: no chart rather than an old one)."""
    with session_scope(engine) as session:
        person = identity_for(session, channel, user_id)
        if not is_verified(person) or person.client_id is None:
            logger.warning("chart refused: %s user %s is not verified", channel, user_id)
            return None
        try:
            loans = (source or DatabaseLoans()).client_loans(session, person.client_id, today)
        except LoanSourceUnavailable as exc:
            logger.warning("no chart, loan source unavailable: %s", exc)
            return None
    loan = next((view for view in loans.loans if view.account_no == loan_account), None)
    if loan is None:
        logger.warning("chart refused: loan %s is not the client's", loan_account)
        return None
    font = _SCRIPT_FONTS.get(language) if _can_draw(language) else None
    locale = reply_locale(language, loans.locale)
    return schedule_chart(loan.schedule, locale, chart_labels(language), font=font)
