"""The loan card staff print and hand to a client, in the client's language.

Its words come from the same catalogs as the chat (``locales/``), and its amounts and dates are
formatted for the client's locale (Babel): a Swahili-speaking client in Kenya reads Swahili, KES
and Swahili month names. What only staff read on the page (the way back, the warning that the
code is shown once, the print button) stays in the dashboard's English.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.db import models
from bot.i18n import N_, day, gettext, language_of, money, reply_locale

TITLE = N_("Wazi · Loan card")
CLIENT = N_("Client")
LOANS = N_("Loans")
LOAN = N_("%(account)s: %(amount)s, disbursed on %(date)s")
NO_LOANS = N_("None yet")
BRANCH = N_("Branch")
OFFICER = N_("Loan officer")
HOW = N_("Ask Wazi about your loan, any time")
STEPS = (
    N_('Write "hello" to Wazi on WhatsApp, on Telegram or in the web chat.'),
    N_("Wazi asks your phone number (registered with us) and your date of birth."),
    N_(
        "If Wazi asks for your linking code, type the code below. It works once: after that, "
        "this chat knows you."
    ),
)
NEVER_SHARE = N_("Never give this code to anyone else. Staff will never ask you for it.")
CODE = N_("Linking code")
VALID_UNTIL = N_("Valid until %(date)s.")
OFFICER_WRITES = N_("Your loan officer writes your code here.")
CODE_BOX = N_("Space for the linking code")


@dataclasses.dataclass(frozen=True)
class LoanCard:
    """Every text of a client's card, in their language."""

    language: str
    title: str
    labels: dict[str, str]  # client, loans, branch, officer, how, code, never, box, writes
    loans: tuple[str, ...]
    steps: tuple[str, ...]
    valid_until: str | None  # with a code only


def card_for(client: models.Client, expires_on: dt.date | None = None) -> LoanCard:
    """``client``'s card; ``expires_on`` the day a code shown on it stops working."""
    language = language_of(client.locale)
    locale = reply_locale(language, client.locale)

    def say(message: str) -> str:
        return gettext(language, message)

    loans = tuple(
        say(LOAN)
        % {
            "account": loan.account_no,
            "amount": money(loan.principal, loan.currency, locale),
            "date": day(loan.disbursement_date, locale),
        }
        for loan in client.loans
    )
    labels = {
        "client": CLIENT,
        "loans": LOANS,
        "none": NO_LOANS,
        "branch": BRANCH,
        "officer": OFFICER,
        "how": HOW,
        "code": CODE,
        "never": NEVER_SHARE,
        "box": CODE_BOX,
        "writes": OFFICER_WRITES,
    }
    return LoanCard(
        language=language,
        title=say(TITLE),
        labels={key: say(message) for key, message in labels.items()},
        loans=loans,
        steps=tuple(say(step) for step in STEPS),
        valid_until=say(VALID_UNTIL) % {"date": day(expires_on, locale)} if expires_on else None,
    )
