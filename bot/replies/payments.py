"""Payments: the next one, what is overdue, the balance, and the payments made so far."""

from __future__ import annotations

import datetime as dt

from babel import Locale

from bot.i18n import day, money, translations_for
from bot.loan_answers import LoanView
from bot.money import ZERO


def next_payment(view: LoanView, locale: Locale) -> str:
    catalog = translations_for(locale.language)
    _, ngettext = catalog.gettext, catalog.ngettext
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
            ngettext(
                "You are also late: %(count)s installment unpaid since %(date)s. "
                "Due today: %(total)s, including %(penalties)s in late fees.",
                "You are also late: %(count)s installments unpaid since %(date)s. "
                "Due today: %(total)s, including %(penalties)s in late fees.",
                len(overdue),
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
    _ = translations_for(locale.language).gettext
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


def overdue(view: LoanView, locale: Locale) -> str:
    """What is late, since when, and the late fees charged or about to be charged."""
    catalog = translations_for(locale.language)
    _, ngettext = catalog.gettext, catalog.ngettext
    cur, standing = view.currency, view.standing
    late = standing.overdue
    if not late:
        return _("Loan %(loan)s: nothing is overdue. Thank you for paying on time.") % {
            "loan": view.account_no
        }
    lines = [
        ngettext(
            "Loan %(loan)s: %(count)s installment overdue, since %(date)s.",
            "Loan %(loan)s: %(count)s installments overdue, the oldest since %(date)s.",
            len(late),
        )
        % {"loan": view.account_no, "count": len(late), "date": day(late[0].due_date, locale)}
    ]
    for state in late:
        lines.append(
            _("Installment %(number)s: %(amount)s, %(days)s days late, late fees %(fees)s.")
            % {
                "number": state.number,
                "amount": money(state.remaining, cur, locale),
                "days": state.days_late,
                "fees": money(state.penalties - state.paid_penalties, cur, locale),
            }
        )
    rule = view.schedule.terms.penalty
    uncharged = [s for s in late if s.penalties == 0 and s.days_late <= rule.grace_days]
    if uncharged and rule.grace_days:
        deadline = uncharged[0].due_date + dt.timedelta(days=rule.grace_days)
        lines.append(_("Pay by %(date)s to avoid a late fee.") % {"date": day(deadline, locale)})
    lines.append(
        _("To be up to date today, pay %(total)s.")
        % {"total": money(standing.total_due_today, cur, locale)}
    )
    return "\n".join(lines)


def payments_made(view: LoanView, locale: Locale, limit: int = 6) -> str:
    """The latest payments and what each one paid for."""
    catalog = translations_for(locale.language)
    _, ngettext = catalog.gettext, catalog.ngettext
    cur = view.currency
    if not view.payments:
        return _("Loan %(loan)s: no payment has been recorded yet.") % {"loan": view.account_no}
    lines = [
        ngettext(
            "Loan %(loan)s: %(count)s payment, %(total)s in all.",
            "Loan %(loan)s: %(count)s payments, %(total)s in all.",
            len(view.payments),
        )
        % {
            "loan": view.account_no,
            "count": len(view.payments),
            "total": money(sum((p.amount for p in view.payments), ZERO), cur, locale),
        }
    ]
    for p in view.payments[-limit:]:
        line = _("%(date)s: %(amount)s = principal %(principal)s + interest %(interest)s") % {
            "date": day(p.paid_on, locale),
            "amount": money(p.amount, cur, locale),
            "principal": money(p.principal, cur, locale),
            "interest": money(p.interest, cur, locale),
        }
        if p.fees:
            line += _(" + fees %(fees)s") % {"fees": money(p.fees, cur, locale)}
        if p.penalties:
            line += _(" + late fees %(fees)s") % {"fees": money(p.penalties, cur, locale)}
        lines.append(line)
    return "\n".join(lines)
