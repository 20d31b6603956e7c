"""The loan source's short cache, and Fineract's books winning over the engine's schedule."""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.db.models import Client
from bot.demo import DEMO_CLIENTS
from bot.i18n import money, reply_locale
from bot.loan_source import DatabaseLoans, FineractLoans, LoanSourceUnavailable
from bot.loans.schedule import build_schedule
from bot.replies import NEXT_PAYMENT, answer
from tests.conftest import DEMO_TODAY
from tests.fineract.fake_fineract import Canned, FakeFineract

AMINA = DEMO_CLIENTS[0]


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _asked(fake: FakeFineract, prefix: str) -> int:
    return sum(1 for seen in fake.requests if seen.path.startswith(prefix))


def test_a_question_within_the_ttl_asks_fineract_nothing_and_after_it_asks_again(
    engine: Engine, make_source: Callable[..., FineractLoans], fake_fineract: FakeFineract
) -> None:
    clock = Clock()
    source = make_source(ttl=60.0, clock=clock)
    with Session(engine) as session:
        mirror = source.find_client(session, [AMINA.phone], AMINA.date_of_birth)
        assert mirror is not None
        first = source.client_loans(session, mirror.id, DEMO_TODAY)
        seen = len(fake_fineract.requests)

        clock.now += 59.9
        assert source.client_loans(session, mirror.id, DEMO_TODAY) == first
        assert len(fake_fineract.requests) == seen  # no HTTP request at all

        clock.now += 0.2  # past the ttl: read again (the product definition stays cached)
        assert source.client_loans(session, mirror.id, DEMO_TODAY) == first
        assert _asked(fake_fineract, "clients/101/accounts") == 2
        assert _asked(fake_fineract, "loans/") == 2
        assert _asked(fake_fineract, "loanproducts/") == 1


def test_when_fineract_is_down_after_the_ttl_the_old_figures_are_not_given(
    engine: Engine, make_source: Callable[..., FineractLoans], fake_fineract: FakeFineract
) -> None:
    clock = Clock()
    source = make_source(ttl=60.0, clock=clock)
    with Session(engine) as session:
        mirror = source.find_client(session, [AMINA.phone], AMINA.date_of_birth)
        assert mirror is not None
        source.client_loans(session, mirror.id, DEMO_TODAY)
        clock.now += 61
        fake_fineract.script(*[Canned(503, "")] * 3)  # every attempt of the next request
        with pytest.raises(LoanSourceUnavailable, match="HTTP 503 after 3 attempts"):
            source.client_loans(session, mirror.id, DEMO_TODAY)
        # Still nothing old: the expired copy was dropped, the next question reads Fineract.
        before = _asked(fake_fineract, "clients/101/accounts")
        source.client_loans(session, mirror.id, DEMO_TODAY)
        assert _asked(fake_fineract, "clients/101/accounts") == before + 1


def test_a_different_schedule_in_fineract_is_what_the_client_sees_and_is_logged_once(
    engine: Engine,
    demo_engine: Engine,
    make_source: Callable[..., FineractLoans],
    fake_fineract: FakeFineract,
    caplog: pytest.LogCaptureFixture,
) -> None:
    loan = fake_fineract.data.loans[fake_fineract.data.demo_loan_ids["L-1001"]]
    periods = loan["repaymentSchedule"]["periods"]
    changed = next(p for p in periods[1:] if not p["complete"])  # the next installment
    changed["interestDue"] += Decimal("1.00")  # Fineract's books: one shilling more
    clock = Clock()
    source = make_source(ttl=60.0, clock=clock)
    with caplog.at_level(logging.WARNING, logger="bot.loan_source"), Session(engine) as session:
        mirror = source.find_client(session, [AMINA.phone], AMINA.date_of_birth)
        assert mirror is not None
        got = source.client_loans(session, mirror.id, DEMO_TODAY)
        clock.now += 120  # read and compared again: not logged again
        assert source.client_loans(session, mirror.id, DEMO_TODAY) == got

    (view,) = got.loans
    ours = build_schedule(view.schedule.terms).row(changed["period"])
    theirs = view.schedule.row(changed["period"])
    assert theirs.interest == ours.interest + 1
    assert theirs.principal == ours.principal and theirs.due_date == ours.due_date
    next_due = view.standing.next_due
    assert next_due is not None and next_due.installment.number == changed["period"]

    with Session(demo_engine) as session:
        stored_id = session.scalars(select(Client.id).filter_by(phone=AMINA.phone)).one()
        from_database = DatabaseLoans().client_loans(session, stored_id, DEMO_TODAY)
    (stored,) = from_database.loans
    assert stored.standing.next_due is not None
    assert next_due.remaining == stored.standing.next_due.remaining + 1
    text = answer(NEXT_PAYMENT, got, language="en", today=DEMO_TODAY).text
    assert money(next_due.remaining, "KES", reply_locale("en", "sw_KE")) in text

    warnings = [r for r in caplog.records if r.name == "bot.loan_source"]
    assert len(warnings) == 1
    line = warnings[0].getMessage()
    assert line.startswith("loan L-1001: Fineract's schedule differs from Wazi's")
    assert f"installment {changed['period']}: " in line
    assert AMINA.name not in caplog.text and AMINA.phone not in caplog.text
