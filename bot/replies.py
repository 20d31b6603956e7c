"""What Wazi says about a loan: short sentences built from the engine's figures."""

from __future__ import annotations

import datetime as dt

from babel import Locale

from bot.i18n import day, money, translations
from bot.loan_answers import LoanView
from bot.money import ZERO

NEXT_PAYMENT = "next_payment"
BALANCE = "balance"
QUESTIONS = (NEXT_PAYMENT, BALANCE)


def next_payment(view: LoanView, locale: Locale) -> str:
    _ = translations(locale).gettext
    cur, standing = view.currency, view.standing
    lines = []
    upcoming = standing.next_due
    if upcoming is None:
        lines.append(_("Loan %(loan)s: no payment is left to make.") % {"loan": view.account_no})
    else:
        row = upcoming.installment
        fees = row.fees + row.tax + row.savings
        lines.append(
            _(
                "Loan %(loan)s: your next payment is %(amount)s, due on %(date)s "
                "(installment %(number)s of %(count)s)."
            )
            % {
                "loan": view.account_no,
                "amount": money(upcoming.remaining, cur, locale),
                "date": day(row.due_date, locale),
                "number": row.number,
                "count": len(standing.installments),
            }
        )
        split = {
            "principal": money(row.principal - upcoming.paid_principal, cur, locale),
            "interest": money(row.interest - upcoming.paid_interest, cur, locale),
            "fees": money(fees - upcoming.paid_fees, cur, locale),
        }
        if fees - upcoming.paid_fees > 0:
            text = _(
                "It pays %(principal)s of principal, %(interest)s of interest and %(fees)s of fees."
            )
        else:
            text = _("It pays %(principal)s of principal and %(interest)s of interest.")
        lines.append(text % split)
    overdue = standing.overdue
    if overdue:
        oldest = overdue[0]
        late_fees = sum((s.penalties - s.paid_penalties for s in overdue), ZERO)
        lines.append(
            _(
                "You are also late: %(count)s installment(s) unpaid since %(date)s. "
                "Due today: %(total)s, including %(penalties)s in late fees."
            )
            % {
                "count": len(overdue),
                "date": day(oldest.due_date, locale),
                "total": money(standing.total_due_today, cur, locale),
                "penalties": money(late_fees, cur, locale),
            }
        )
    return "\n".join(lines)


def balance(view: LoanView, locale: Locale) -> str:
    _ = translations(locale).gettext
    cur, standing = view.currency, view.standing
    lines = [
        _("Loan %(loan)s: you still owe %(principal)s of principal.")
        % {"loan": view.account_no, "principal": money(standing.outstanding_principal, cur, locale)}
    ]
    if standing.total_due_today > 0:
        lines.append(
            _("Due today: %(amount)s.") % {"amount": money(standing.total_due_today, cur, locale)}
        )
    lines.append(
        _("To pay the whole loan off today you would pay %(amount)s.")
        % {"amount": money(standing.payoff.amount, cur, locale)}
    )
    return "\n".join(lines)


def answer(question: str, views: tuple[LoanView, ...], locale: Locale, today: dt.date) -> str:
    """The reply to a loan question, for every active loan of the client."""
    _ = translations(locale).gettext
    if not views:
        return _("You have no active loan with us.")
    render = next_payment if question == NEXT_PAYMENT else balance
    header = _("As of %(date)s:") % {"date": day(today, locale)}
    return "\n".join([header, *(render(v, locale) for v in views)])
