"""A verified client's loans, with the engine's figures for a given day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.db.models import Client, Loan, LoanProduct, LoanStatus
from bot.loan_records import payments_for, terms_for
from bot.loans.schedule import Schedule, build_schedule
from bot.loans.status import LoanStatus as Standing
from bot.loans.status import loan_status


@dataclass(frozen=True)
class LoanView:
    account_no: str
    currency: str
    schedule: Schedule
    standing: Standing


@dataclass(frozen=True)
class ClientLoans:
    client_name: str
    locale: str
    loans: tuple[LoanView, ...]


def client_loans(session: Session, client_id: int, today: dt.date) -> ClientLoans:
    """The client's active loans as they stand at the end of ``today``."""
    client = session.get_one(Client, client_id)
    loans = session.scalars(
        select(Loan)
        .where(Loan.client_id == client_id, Loan.status == LoanStatus.ACTIVE)
        .options(
            selectinload(Loan.repayments),
            selectinload(Loan.product).selectinload(LoanProduct.charges),
        )
        .order_by(Loan.disbursement_date, Loan.id)
    ).all()
    views = []
    for loan in loans:
        schedule = build_schedule(terms_for(loan))
        views.append(
            LoanView(
                account_no=loan.account_no,
                currency=loan.currency,
                schedule=schedule,
                standing=loan_status(schedule, payments_for(loan), today),
            )
        )
    return ClientLoans(client_name=client.name, locale=client.locale, loans=tuple(views))
