"""Which lesson a client's loans call for: paying late when an installment is overdue, the
total cost of a loan when one is nearly repaid."""

from __future__ import annotations

from collections.abc import Iterable

from bot.loans.status import LoanStatus

NEARLY_REPAID = 2  # installments left


def topic_for(standings: Iterable[LoanStatus]) -> str | None:
    """The lesson topic the loans call for, or None when nothing stands out."""
    standings = [s for s in standings if not s.is_closed]
    if any(s.overdue for s in standings):
        return "late"
    if any(sum(1 for i in s.installments if not i.is_paid) <= NEARLY_REPAID for s in standings):
        return "cost"
    return None
