"""The currency a lesson's money is shown in: the client's latest active loan's, read with one
small query (``latest_loan_currency``) instead of computing every loan (``client_loans``), and
the same answer as the last loan ``client_loans`` lists."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, event, select

from bot.db.models import Client, Loan, LoanStatus
from bot.db.session import session_scope
from bot.loan_answers import client_loans
from bot.loan_source import DatabaseLoans

TODAY = dt.date(2026, 11, 25)


def test_every_demo_client_gets_the_currency_of_the_last_loan_client_loans_lists(
    demo_engine: Engine,
) -> None:
    with session_scope(demo_engine) as session:
        clients = session.scalars(select(Client).order_by(Client.id)).all()
        assert len(clients) >= 5
        for client in clients:
            listed = client_loans(session, client.id, TODAY).loans
            expected = listed[-1].currency if listed else None
            assert DatabaseLoans().loan_currency(session, client.id, TODAY) == expected


def test_the_latest_active_loan_decides_and_closed_loans_do_not_count(
    demo_engine: Engine,
) -> None:
    with session_scope(demo_engine) as session:
        grace = session.scalars(select(Client).where(Client.phone == "+256772000005")).one()
        loans = session.scalars(
            select(Loan).where(Loan.client_id == grace.id).order_by(Loan.disbursement_date)
        ).all()
        assert len(loans) == 2 and loans[0].disbursement_date < loans[1].disbursement_date
        first, latest = loans
        latest.currency = "KES"  # the later of her two loans in another currency
        session.flush()
        assert DatabaseLoans().loan_currency(session, grace.id, TODAY) == "KES"
        assert client_loans(session, grace.id, TODAY).loans[-1].currency == "KES"
        latest.status = LoanStatus.CLOSED
        session.flush()
        assert DatabaseLoans().loan_currency(session, grace.id, TODAY) == first.currency
        first.status = LoanStatus.CLOSED
        session.flush()
        assert DatabaseLoans().loan_currency(session, grace.id, TODAY) is None
        session.rollback()


def test_client_loans_reads_in_four_statements_and_knows_the_latest_currency(
    demo_engine: Engine,
) -> None:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement.split(None, 1)[0].upper())

    with session_scope(demo_engine) as session:
        grace = session.scalars(select(Client).where(Client.phone == "+256772000005")).one()
        grace_id = grace.id
    event.listen(demo_engine, "before_cursor_execute", record)
    try:
        with session_scope(demo_engine) as session:  # nothing in the session yet
            loans = client_loans(session, grace_id, TODAY)
    finally:
        event.remove(demo_engine, "before_cursor_execute", record)
    # the client with her branch, her two loans with their products, repayments, charges
    assert statements == ["SELECT"] * 4, statements
    assert len(loans.loans) == 2 and loans.contact is not None and loans.contact.branch_name
    with session_scope(demo_engine) as session:
        assert loans.currency == DatabaseLoans().loan_currency(session, grace_id, TODAY)
