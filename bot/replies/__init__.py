"""What Wazi says about a client's loans: one function per question, figures from the engine.

``answer`` picks the loan (asking which one when the client has several and none is named),
reads any amount, delay or month from the message, and returns the reply and its buttons.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

from bot.buttons import Button
from bot.i18n import day, money, reply_locale, translations_for
from bot.loan_answers import ClientLoans, LoanView
from bot.parsing import parse_amount, parse_duration_days, parse_month
from bot.replies.contact import contact
from bot.replies.cost import flat_vs_declining, total_cost
from bot.replies.payments import balance, next_payment, overdue, payments_made
from bot.replies.payoff import extra_payment, late_cost, payoff
from bot.replies.schedule import schedule_page

NEXT_PAYMENT = "next_payment"
BALANCE = "balance"
OVERDUE = "overdue"
SCHEDULE = "schedule"
PAYMENTS = "payments"
TOTAL_COST = "total_cost"
PAYOFF = "payoff"
LATE_COST = "late_cost"
PAY_EXTRA = "pay_extra"
FLAT_VS_DECLINING = "flat_vs_declining"
CONTACT = "contact"
QUESTIONS = (
    NEXT_PAYMENT,
    BALANCE,
    OVERDUE,
    SCHEDULE,
    PAYMENTS,
    TOTAL_COST,
    PAYOFF,
    LATE_COST,
    PAY_EXTRA,
    FLAT_VS_DECLINING,
    CONTACT,
)
MAX_MESSAGE = 1000  # characters: what a cheap phone shows comfortably

_ACCOUNT = re.compile(r"\b[A-Za-z]-?\d{3,}\b")


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()
    loan_account: str | None = None  # the loan the answer was about
    asked_which_loan: bool = False


def mentioned_account(text: str, loans: ClientLoans) -> str | None:
    """A loan account number the client typed ("L-5002", "l5002"), if it is theirs."""
    for token in _ACCOUNT.findall(text or ""):
        normalized = token.upper() if "-" in token else f"{token[0].upper()}-{token[1:]}"
        if loans.find(normalized):
            return normalized
    return None


def _which_loan(loans: ClientLoans, language: str) -> Reply:
    locale = reply_locale(language, loans.locale)
    _ = translations_for(language).gettext
    buttons = tuple(
        Button(
            f"{v.account_no} ({money(v.schedule.terms.principal, v.currency, locale)})",
            "/choose_loan" + json.dumps({"loan_account": v.account_no}),
        )
        for v in loans.loans
    )
    return Reply(_("Which loan do you mean?"), buttons, asked_which_loan=True)


def _render(
    question: str,
    view: LoanView,
    loans: ClientLoans,
    language: str,
    today: dt.date,
    text: str,
    page: int,
) -> Reply:
    locale = reply_locale(language, loans.locale)
    _ = translations_for(language).gettext
    header = _("As of %(date)s:") % {"date": day(today, locale)}
    buttons: tuple[Button, ...] = ()
    if question == BALANCE:
        body = balance(view, locale)
    elif question == OVERDUE:
        body = overdue(view, locale)
    elif question == SCHEDULE:
        body, next_page = schedule_page(view, locale, page)
        if next_page is not None:
            payload = "/ask_schedule" + json.dumps({"schedule_page": str(next_page)})
            buttons = (Button(_("More"), payload),)
    elif question == PAYMENTS:
        body = payments_made(view, locale)
    elif question == TOTAL_COST:
        body = total_cost(view, locale)
    elif question == PAYOFF:
        body = payoff(view, locale, today, parse_month(text, today))
    elif question == LATE_COST:
        body = late_cost(view, locale, today, parse_duration_days(text))
    elif question == PAY_EXTRA:
        body = extra_payment(view, locale, today, parse_amount(text))
    elif question == FLAT_VS_DECLINING:
        body = flat_vs_declining(view, locale)
    else:
        body = next_payment(view, locale)
    reply = f"{header}\n{body}"
    if len(reply) > MAX_MESSAGE:
        reply = reply[: MAX_MESSAGE - 1] + "…"
    return Reply(reply, buttons, loan_account=view.account_no)


def answer(
    question: str,
    loans: ClientLoans,
    *,
    language: str,
    today: dt.date,
    text: str = "",
    loan_account: str | None = None,
    page: int = 1,
) -> Reply:
    """The reply to a loan question for the chosen (or only) loan of the client."""
    _ = translations_for(language).gettext
    if question == CONTACT:
        return Reply(contact(loans.contact, reply_locale(language, loans.locale)))
    if not loans.loans:
        return Reply(_("You have no active loan with us."))
    account = mentioned_account(text, loans) or loan_account
    view = loans.find(account) if account else None
    if view is None:
        if len(loans.loans) > 1:
            return _which_loan(loans, language)
        view = loans.loans[0]
    return _render(question, view, loans, language, today, text, page)
