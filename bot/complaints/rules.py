"""The complaint rules, pure: categories, the life of a complaint, deadlines and escalation.

Defaults follow common regulators' practice (acknowledge within 5 working days, resolve within
21 calendar days); an MFI sets its own through ``Policy``. Days are dates in the MFI's calendar:
"today" is a parameter, so ``WAZI_TODAY`` moves every deadline check.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re

from bot.i18n import N_


class Category(enum.StrEnum):
    WRONG_CHARGE = "wrong_charge"
    PAYMENT_NOT_RECORDED = "payment_not_recorded"
    STAFF_BEHAVIOUR = "staff_behaviour"
    HARASSMENT = "harassment"
    FRAUD = "fraud"
    PRIVACY = "privacy"
    INSURANCE = "insurance"
    OTHER = "other"


# What the client sees on the category buttons (translated through the catalogs).
CATEGORY_LABELS: dict[Category, str] = {
    Category.WRONG_CHARGE: N_("Wrong charge or amount"),
    Category.PAYMENT_NOT_RECORDED: N_("Payment not recorded"),
    Category.STAFF_BEHAVIOUR: N_("Staff behaviour"),
    Category.HARASSMENT: N_("Harassment or threats"),
    Category.FRAUD: N_("Fraud or scam"),
    Category.PRIVACY: N_("Privacy"),
    Category.INSURANCE: N_("Insurance claim"),
    Category.OTHER: N_("Something else"),
}

# Serious enough to go to a senior person the moment they arrive.
ESCALATED_AT_ONCE = frozenset({Category.HARASSMENT, Category.FRAUD, Category.PRIVACY})


class Status(enum.StrEnum):
    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"


OPEN_STATUSES = frozenset(
    {Status.RECEIVED, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.REOPENED}
)

# Which status may follow which: received -> acknowledged -> in progress -> resolved -> closed;
# a resolved or closed complaint the client is not satisfied with is reopened.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.RECEIVED: frozenset({Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.RESOLVED}),
    Status.ACKNOWLEDGED: frozenset({Status.IN_PROGRESS, Status.RESOLVED}),
    Status.IN_PROGRESS: frozenset({Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.REOPENED}),
    Status.CLOSED: frozenset({Status.REOPENED}),
    Status.REOPENED: frozenset({Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.RESOLVED}),
}


class TransitionError(ValueError):
    """A status change the rules do not allow; the message says which."""


def check_transition(current: Status, wanted: Status) -> None:
    if wanted not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "none"
        raise TransitionError(
            f"a {current.value} complaint cannot become {wanted.value} ({allowed})"
        )


@dataclasses.dataclass(frozen=True)
class Policy:
    """An MFI's complaint deadlines."""

    acknowledge_working_days: int = 5
    resolve_days: int = 21
    weekend: frozenset[int] = frozenset({5, 6})  # date.weekday(): Saturday and Sunday
    holidays: frozenset[dt.date] = frozenset()
    escalate_at_once: frozenset[Category] = ESCALATED_AT_ONCE

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() not in self.weekend and day not in self.holidays

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (``start`` itself does not count)."""
        day = start
        left = days
        while left > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day


@dataclasses.dataclass(frozen=True)
class Deadlines:
    acknowledge_by: dt.date
    resolve_by: dt.date


def deadlines(received_on: dt.date, policy: Policy) -> Deadlines:
    return Deadlines(
        acknowledge_by=policy.add_working_days(received_on, policy.acknowledge_working_days),
        resolve_by=received_on + dt.timedelta(days=policy.resolve_days),
    )


@dataclasses.dataclass(frozen=True)
class Facts:
    """What the escalation rules look at in one complaint."""

    category: Category
    status: Status
    escalated: bool
    acknowledged: bool  # acknowledged at least once
    acknowledge_by: dt.date
    resolve_by: dt.date


TICKET = re.compile(r"\bwz[\s-]*(\d{4})[\s-]*(\d{1,6})\b", re.IGNORECASE)

# Why a complaint was escalated (recorded with the escalation; staff read them in English).
AT_ONCE = "serious category: escalated on arrival"
REOPENED = "reopened: the client is not satisfied with the answer"
REOPENED_BY_STAFF = "reopened by staff"
ACK_LATE = "not acknowledged by its deadline"
RESOLVE_LATE = "not resolved by its deadline"


def escalation_on_arrival(category: Category, policy: Policy | None = None) -> str | None:
    """Why a new complaint is escalated at once (its category is one the MFI escalates)."""
    at_once = ESCALATED_AT_ONCE if policy is None else policy.escalate_at_once
    return AT_ONCE if category in at_once else None


def overdue(facts: Facts, today: dt.date) -> list[str]:
    """The deadlines an open complaint has missed on ``today``, as escalation reasons."""
    if facts.status not in OPEN_STATUSES:
        return []
    missed = []
    if not facts.acknowledged and today > facts.acknowledge_by:
        missed.append(ACK_LATE)
    if today > facts.resolve_by:
        missed.append(RESOLVE_LATE)
    return missed


def sweep_reasons(facts: Facts, today: dt.date) -> list[str]:
    """Why the sweep escalates a complaint today: its missed deadlines, unless already
    escalated."""
    if facts.escalated:
        return []
    return overdue(facts, today)


def ticket_number(year: int, sequence: int) -> str:
    """``WZ-2026-000123``: the year it was received and its number."""
    return f"WZ-{year}-{sequence:06d}"


def parse_ticket(text: str) -> str | None:
    """A ticket number written by a client (``wz-2026-123``, ``WZ 2026 000123``), normalised."""
    match = TICKET.search(text)
    return ticket_number(int(match.group(1)), int(match.group(2))) if match else None


def policy_from(
    ack_days: int,
    resolve_days: int,
    holidays: frozenset[dt.date],
    escalate_at_once: frozenset[str] = frozenset(ESCALATED_AT_ONCE),
) -> Policy:
    """The MFI's policy from its settings (``WAZI_COMPLAINT_*``, ``WAZI_HOLIDAYS``)."""
    return Policy(
        acknowledge_working_days=ack_days,
        resolve_days=resolve_days,
        holidays=holidays,
        escalate_at_once=frozenset(Category(value) for value in escalate_at_once),
    )
