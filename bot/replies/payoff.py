"""Paying off early, paying late, paying extra: answers from the engine's what-ifs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel import Locale

from bot.i18n import day, money, translations_for
from bot.loan_answers import LoanView
from bot.loans.whatif import (
    ExtraMode,
    ExtraPayment,
    WhatIfError,
    pay_extra,
    pay_late,
    payoff_on,
)


def payoff(view: LoanView, locale: Locale, today: dt.date, on: dt.date | None) -> str:
    _ = translations_for(locale.language).gettext
    cur = view.currency
    when = max(on or today, today)
    quote = payoff_on(view.schedule, view.engine_payments(), when)
    values = {
        "loan": view.account_no,
        "date": day(when, locale),
        "amount": money(quote.payoff.amount, cur, locale),
        "principal": money(quote.payoff.principal, cur, locale),
        "interest": money(quote.payoff.interest, cur, locale),
        "saving": money(max(quote.saving, Decimal(0)), cur, locale),
    }
    lines = [
        _(
            "Loan %(loan)s: to pay it all off on %(date)s you would pay %(amount)s "
            "(principal %(principal)s, interest %(interest)s)."
        )
        % values
    ]
    if quote.payoff.savings_refund:
        lines.append(
            _("That already counts your savings of %(savings)s coming back to you.")
            % {"savings": money(quote.payoff.savings_refund, cur, locale)}
        )
    lines.append(_("Compared with paying to the end, you would save %(saving)s.") % values)
    return "\n".join(lines)


def late_cost(view: LoanView, locale: Locale, today: dt.date, days: int | None) -> str:
    _ = translations_for(locale.language).gettext
    cur = view.currency
    if days is None:
        return _('How late? For example: "what if I pay 2 weeks late".')
    late = pay_late(view.schedule, view.engine_payments(), today, days)
    if late is None:
        return _("Loan %(loan)s: no payment is left to make.") % {"loan": view.account_no}
    values = {
        "number": late.installment,
        "date": day(late.paid_on, locale),
        "days": late.days_late,
        "fee": money(late.penalty, cur, locale),
        "amount": money(late.amount_due, cur, locale),
    }
    if late.penalty:
        return (
            _(
                "If you pay installment %(number)s on %(date)s (%(days)s days late), the late fee "
                "would be %(fee)s, so you would pay %(amount)s."
            )
            % values
        )
    return (
        _(
            "If you pay installment %(number)s on %(date)s (%(days)s days late), there would be "
            "no late fee: you would pay %(amount)s. Paying late can still hurt your record."
        )
        % values
    )


def _typical(plan: ExtraPayment) -> Decimal:
    """A middle installment of a new schedule (the first and last are adjusted)."""
    row = plan.rows[len(plan.rows) // 2]
    return row.principal + row.interest


def extra_payment(view: LoanView, locale: Locale, today: dt.date, amount: Decimal | None) -> str:
    _ = translations_for(locale.language).gettext
    cur = view.currency
    if amount is None:
        return _('How much extra? For example: "what if I pay 5,000 extra".')
    payments = view.engine_payments()
    try:
        shorter = pay_extra(view.schedule, payments, today, amount, ExtraMode.SHORTER_TERM)
        lower = pay_extra(view.schedule, payments, today, amount, ExtraMode.LOWER_INSTALLMENT)
    except WhatIfError as exc:
        if exc.field == "amount" and "whole loan" in str(exc):
            return payoff(view, locale, today, None)
        return _(
            "%(amount)s would only cover what is already due (%(due)s); nothing would go to "
            "the principal."
        ) % {
            "amount": money(amount, cur, locale),
            "due": money(view.standing.total_due_today, cur, locale),
        }
    return "\n".join(
        [
            _("If you pay %(amount)s extra today:") % {"amount": money(amount, cur, locale)},
            _(
                "- keep your installment and finish sooner: %(count)s installments instead of "
                "%(before)s, saving %(saved)s of interest;"
            )
            % {
                "count": shorter.installments_after,
                "before": shorter.installments_before,
                "saved": money(shorter.interest_saved, cur, locale),
            },
            _(
                "- or keep the end date with lower installments of about %(installment)s, "
                "saving %(saved)s of interest."
            )
            % {
                "installment": money(_typical(lower), cur, locale),
                "saved": money(lower.interest_saved, cur, locale),
            },
        ]
    )
