"""The complaint rules: deadlines in working days, the statuses' order, escalation, tickets."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.complaints import rules
from bot.complaints.rules import Category, Facts, Policy, Status

WEDNESDAY = dt.date(2026, 11, 25)


def test_default_deadlines_five_working_days_and_twenty_one_calendar_days() -> None:
    due = rules.deadlines(WEDNESDAY, Policy())
    # Thu 26, Fri 27, (weekend), Mon 30, Tue 1, Wed 2
    assert due.acknowledge_by == dt.date(2026, 12, 2)
    assert due.resolve_by == dt.date(2026, 12, 16)


def test_holidays_and_another_weekend_move_the_acknowledgement() -> None:
    kenya = Policy(holidays=frozenset({dt.date(2026, 12, 1)}))  # a Tuesday off
    assert rules.deadlines(WEDNESDAY, kenya).acknowledge_by == dt.date(2026, 12, 3)
    friday_off = Policy(weekend=frozenset({4}), acknowledge_working_days=2)
    assert rules.deadlines(WEDNESDAY, friday_off).acknowledge_by == dt.date(2026, 11, 28)


@given(st.dates(dt.date(2020, 1, 1), dt.date(2035, 12, 31)), st.integers(1, 30))
def test_a_working_day_deadline_is_a_working_day_after_exactly_n_of_them(
    start: dt.date, days: int
) -> None:
    policy = Policy()
    due = policy.add_working_days(start, days)
    assert policy.is_working_day(due)
    between = [start + dt.timedelta(days=n) for n in range(1, (due - start).days + 1)]
    assert sum(policy.is_working_day(day) for day in between) == days


def test_the_statuses_follow_their_order() -> None:
    rules.check_transition(Status.RECEIVED, Status.ACKNOWLEDGED)
    rules.check_transition(Status.RESOLVED, Status.REOPENED)
    rules.check_transition(Status.REOPENED, Status.RESOLVED)
    with pytest.raises(rules.TransitionError, match="a closed complaint cannot become resolved"):
        rules.check_transition(Status.CLOSED, Status.RESOLVED)
    with pytest.raises(rules.TransitionError, match="cannot become received"):
        rules.check_transition(Status.ACKNOWLEDGED, Status.RECEIVED)


@pytest.mark.parametrize("category", list(Category))
def test_serious_categories_are_escalated_on_arrival(category: Category) -> None:
    serious = {Category.HARASSMENT, Category.FRAUD, Category.PRIVACY}
    expected = rules.AT_ONCE if category in serious else None
    assert rules.escalation_on_arrival(category) == expected
    assert rules.escalation_on_arrival(category, rules.Policy()) == expected


def test_an_institution_chooses_what_is_escalated_on_arrival() -> None:
    policy = rules.policy_from(5, 21, frozenset(), frozenset({"insurance"}))
    assert rules.escalation_on_arrival(Category.INSURANCE, policy) == rules.AT_ONCE
    assert rules.escalation_on_arrival(Category.FRAUD, policy) is None


def facts(**changes: object) -> Facts:
    values = {
        "category": Category.WRONG_CHARGE,
        "status": Status.RECEIVED,
        "escalated": False,
        "acknowledged": False,
        "acknowledge_by": dt.date(2026, 12, 2),
        "resolve_by": dt.date(2026, 12, 16),
        **changes,
    }
    return Facts(**values)  # type: ignore[arg-type]


def test_the_sweep_escalates_what_missed_a_deadline() -> None:
    assert rules.sweep_reasons(facts(), dt.date(2026, 12, 2)) == []  # due today: not late yet
    assert rules.sweep_reasons(facts(), dt.date(2026, 12, 3)) == [rules.ACK_LATE]
    acknowledged = facts(acknowledged=True, status=Status.IN_PROGRESS)
    assert rules.sweep_reasons(acknowledged, dt.date(2026, 12, 3)) == []
    assert rules.sweep_reasons(acknowledged, dt.date(2026, 12, 17)) == [rules.RESOLVE_LATE]
    assert rules.sweep_reasons(facts(), dt.date(2026, 12, 17)) == [
        rules.ACK_LATE,
        rules.RESOLVE_LATE,
    ]
    assert rules.sweep_reasons(facts(escalated=True), dt.date(2026, 12, 17)) == []
    resolved = facts(status=Status.RESOLVED, acknowledged=True)
    assert rules.sweep_reasons(resolved, dt.date(2027, 1, 1)) == []


def test_ticket_numbers_written_and_read_back() -> None:
    assert rules.ticket_number(2026, 123) == "WZ-2026-000123"
    for written in ("WZ-2026-000123", "wz 2026 123", "my ticket is Wz-2026-0123, any news?"):
        assert rules.parse_ticket(written) == "WZ-2026-000123"
    assert rules.parse_ticket("no ticket here 2026") is None
