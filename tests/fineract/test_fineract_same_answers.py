"""The five demo clients served by the fake Fineract give the same answers, word for word, as
the same clients in Wazi's own database."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.db.models import Client
from bot.demo import DEMO_CLIENTS, DemoClient
from bot.i18n import language_of
from bot.loan_source import DatabaseLoans, FineractLoans
from bot.replies import (
    BALANCE,
    FLAT_VS_DECLINING,
    LATE_COST,
    NEXT_PAYMENT,
    OVERDUE,
    PAY_EXTRA,
    PAYMENTS,
    PAYOFF,
    SCHEDULE,
    TOTAL_COST,
    answer,
)
from tests.conftest import DEMO_TODAY

QUESTIONS = (  # the question and what the client typed
    (NEXT_PAYMENT, ""),
    (BALANCE, ""),
    (OVERDUE, ""),
    (SCHEDULE, ""),
    (PAYMENTS, ""),
    (TOTAL_COST, ""),
    (PAYOFF, ""),
    (PAYOFF, "what if I pay off in March"),
    (LATE_COST, "what if I pay 2 weeks late"),
    (PAY_EXTRA, "what if I pay 5,000 extra"),
    (FLAT_VS_DECLINING, ""),
)


@pytest.mark.parametrize("spec", DEMO_CLIENTS, ids=lambda spec: spec.loans[0].account_no)
def test_a_demo_client_gets_the_same_answers_from_fineract_as_from_the_database(
    demo_engine: Engine,
    engine: Engine,
    make_source: Callable[..., FineractLoans],
    spec: DemoClient,
) -> None:
    fineract = make_source()
    with Session(demo_engine) as session:
        stored = session.scalars(select(Client).filter_by(phone=spec.phone)).one()
        language = language_of(stored.locale)
        expected = DatabaseLoans().client_loans(session, stored.id, DEMO_TODAY)
    with Session(engine) as session:  # an empty database: only the mirror
        mirror = fineract.find_client(session, [spec.phone], spec.date_of_birth)
        assert mirror is not None and mirror.name == spec.name
        got = fineract.client_loans(session, mirror.id, DEMO_TODAY)
        session.commit()
    assert [v.account_no for v in got.loans] == [v.account_no for v in expected.loans]
    assert got.client_name == expected.client_name
    assert got.contact is not None and got.contact.officer_name == spec.loan_officer_name
    for view in expected.loans:
        for question, text in QUESTIONS:
            ours, theirs = (
                answer(
                    question,
                    loans,
                    language=language,
                    today=DEMO_TODAY,
                    text=text,
                    loan_account=view.account_no,
                )
                for loans in (expected, got)
            )
            assert theirs.text == ours.text, (question, view.account_no)
            assert theirs.buttons == ours.buttons


def test_a_wrong_birth_date_finds_no_one_and_mirrors_nothing(
    engine: Engine, make_source: Callable[..., FineractLoans]
) -> None:
    spec = DEMO_CLIENTS[0]
    with Session(engine) as session:
        wrong = spec.date_of_birth.replace(day=spec.date_of_birth.day + 1)
        assert make_source().find_client(session, [spec.phone], wrong) is None
        assert session.scalars(select(Client)).all() == []
