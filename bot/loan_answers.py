"""A verified client's loans, with the engine's figures for a given day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from bot.db.models import Client, Loan, LoanProduct, LoanStatus
from bot.loan_records import terms_for
from bot.loans.schedule import Schedule, build_schedule
from bot.loans.status import LoanStatus as Standing
from bot.loans.status import loan_status
from bot.loans.terms import Payment


@dataclass(frozen=True)
class PaymentRecord:
    """A repayment as the institution recorded it, with what it paid for."""

    paid_on: dt.date
    amount: Decimal
    principal: Decimal
    interest: Decimal
    fees: Decimal
    penalties: Decimal


def engine_payments(records: tuple[PaymentRecord, ...]) -> list[Payment]:
    """Recorded payments as the loan engine takes them: a date and an amount each."""
    return [Payment(date=p.paid_on, amount=p.amount) for p in records]


@dataclass(frozen=True)
class LoanView:
    account_no: str
    currency: str
    schedule: Schedule
    standing: Standing
    payments: tuple[PaymentRecord, ...] = ()

    def engine_payments(self) -> list[Payment]:
        """The recorded payments as the loan engine takes them."""
        return engine_payments(self.payments)


@dataclass(frozen=True)
class Contact:
    officer_name: str | None
    officer_phone: str | None
    branch_name: str | None
    branch_phone: str | None
    opening_hours: str | None


@dataclass(frozen=True)
class ClientLoans:
    client_name: str
    locale: str
    loans: tuple[LoanView, ...]
    contact: Contact | None = None

    @property
    def currency(self) -> str | None:
        """The currency of the latest active loan (the last listed), None without one: what
        ``LoanSource.loan_currency`` answers."""
        return self.loans[-1].currency if self.loans else None

    def find(self, account_no: str | None) -> LoanView | None:
        """The loan with this account number (any case), or None."""
        wanted = (account_no or "").strip().upper()
        return next((v for v in self.loans if v.account_no.upper() == wanted), None)


def loan_view(
    account_no: str,
    currency: str,
    schedule: Schedule,
    payments: Iterable[PaymentRecord],
    today: dt.date,
) -> LoanView:
    """A loan as it stands at the end of ``today``: the payments made by then, its standing."""
    made = tuple(p for p in payments if p.paid_on <= today)
    standing = loan_status(schedule, engine_payments(made), today)
    return LoanView(account_no, currency, schedule, standing, made)


def contact_of(client: Client) -> Contact:
    """Who the client can call: their loan officer and their branch."""
    branch = client.branch
    return Contact(
        officer_name=client.loan_officer_name,
        officer_phone=client.loan_officer_phone,
        branch_name=branch.name if branch else None,
        branch_phone=branch.phone if branch else None,
        opening_hours=branch.opening_hours if branch else None,
    )


def latest_loan_currency(session: Session, client_id: int) -> str | None:
    """The currency of the client's latest active loan (the last that ``client_loans`` lists),
    from one small query; None without an active loan."""
    return session.scalar(
        select(Loan.currency)
        .where(Loan.client_id == client_id, Loan.status == LoanStatus.ACTIVE)
        .order_by(Loan.disbursement_date.desc(), Loan.id.desc())
        .limit(1)
    )


def client_loans(session: Session, client_id: int, today: dt.date) -> ClientLoans:
    """The client's active loans as they stand at the end of ``today``. Four statements
    whatever the number of loans: the client with their branch, the loans with their products,
    the repayments, the products' charges."""
    client = session.get_one(Client, client_id, options=[joinedload(Client.branch)])
    loans = session.scalars(
        select(Loan)
        .where(Loan.client_id == client_id, Loan.status == LoanStatus.ACTIVE)
        .options(
            selectinload(Loan.repayments),
            joinedload(Loan.product).selectinload(LoanProduct.charges),
        )
        .order_by(Loan.disbursement_date, Loan.id)
    ).all()
    views = []
    for loan in loans:
        records = tuple(
            PaymentRecord(
                paid_on=r.paid_on,
                amount=r.amount,
                principal=r.principal_part,
                interest=r.interest_part,
                fees=r.fees_part,
                penalties=r.penalties_part,
            )
            for r in loan.repayments
        )
        schedule = build_schedule(terms_for(loan))
        views.append(loan_view(loan.account_no, loan.currency, schedule, records, today))
    contact = contact_of(client)
    return ClientLoans(
        client_name=client.name, locale=client.locale, loans=tuple(views), contact=contact
    )
