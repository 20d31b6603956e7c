"""The repayment schedule as a compact table, a page at a time (short enough for a phone)."""

from __future__ import annotations

from babel import Locale

from bot.i18n import day, money, translations_for
from bot.loan_answers import LoanView

ROWS_PER_PAGE = 6


def pages(view: LoanView) -> int:
    return max(1, -(-len(view.schedule.rows) // ROWS_PER_PAGE))


def schedule_page(view: LoanView, locale: Locale, page: int) -> tuple[str, int | None]:
    """One page of the schedule, and the next page's number (None on the last page)."""
    _ = translations_for(locale.language).gettext
    cur = view.currency
    page = min(max(page, 1), pages(view))
    states = view.standing.installments
    first = (page - 1) * ROWS_PER_PAGE
    lines = [
        _("Loan %(loan)s schedule, page %(page)s of %(pages)s:")
        % {"loan": view.account_no, "page": page, "pages": pages(view)}
    ]
    for state in states[first : first + ROWS_PER_PAGE]:
        row = state.installment
        mark = "✓" if state.is_paid else ("!" if state.days_late else "·")
        lines.append(
            f"{mark} {row.number}. {day(row.due_date, locale)}: {money(row.total, cur, locale)}"
        )
    lines.append(_("✓ paid, ! late, · to come."))
    return "\n".join(lines), page + 1 if page < pages(view) else None
