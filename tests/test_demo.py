"""The demo data: what it holds, that it agrees with the loan engine, and that reloading it
changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import AuditEntry, Base, Client, Loan, LoanStatus, Repayment, StaffUser
from bot.demo import DEFAULT_ADMIN_PASSWORD, seed
from bot.loan_records import payments_for, terms_for
from bot.loans.schedule import build_schedule
from bot.loans.status import loan_status
from bot.loans.terms import ChargeTiming, PrepaymentInterest

TODAY = dt.date(2026, 11, 25)

PAID_INSTALLMENTS = {"L-1001": 2, "L-2001": 7, "L-3001": 3, "L-4001": 10, "L-5001": 4, "L-5002": 1}


def _snapshot(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table."""
    return {
        table.name: [
            tuple(row) for row in session.execute(select(table).order_by(*table.primary_key))
        ]
        for table in Base.metadata.sorted_tables
    }


def _loan(session: Session, account_no: str) -> Loan:
    return session.scalars(select(Loan).filter_by(account_no=account_no)).one()


@pytest.fixture
def seeded(session: Session) -> Session:
    seed(session, TODAY)
    session.commit()
    return session


def test_seeding_twice_leaves_the_same_rows(session: Session) -> None:
    first = seed(session, TODAY)
    session.commit()
    before = _snapshot(session)

    second = seed(session, TODAY)
    session.commit()

    assert first.changed
    assert not second.changed
    assert _snapshot(session) == before
    assert (first.clients, first.loans, first.repayments) == (5, 6, 27)
    assert (second.clients, second.loans, second.repayments) == (5, 6, 27)
    assert {t: len(rows) for t, rows in before.items() if rows} == {
        "branches": 5,
        "clients": 5,
        "loan_products": 6,
        "product_charges": 6,
        "staff_users": 1,
        "loans": 6,
        "repayments": 27,
        "audit_log": 1,
    }


def test_audit_log_records_a_seed_that_changed_something(seeded: Session) -> None:
    entry = seeded.scalars(select(AuditEntry)).one()
    assert entry.action == "demo.seed"
    assert entry.details["today"] == "2026-11-25"
    assert entry.details["created"]["repayments"] == 27

    seeded.scalars(select(Client).filter_by(phone="+254712000001")).one().name = "Someone Else"
    seeded.commit()
    result = seed(seeded, TODAY)
    seeded.commit()

    assert result.changes["updated"] == {"clients": 1}
    assert seeded.scalar(select(func.count()).select_from(AuditEntry)) == 2
    assert seeded.scalars(select(Client).filter_by(phone="+254712000001")).one().name == (
        "Amina Njeri"
    )


def test_exactly_the_five_demo_clients(seeded: Session) -> None:
    clients = {c.phone: (c.name, c.date_of_birth, c.locale) for c in seeded.scalars(select(Client))}
    assert clients == {
        "+254712000001": ("Amina Njeri", dt.date(1988, 4, 12), "sw_KE"),
        "+525512000002": ("Juan Pérez", dt.date(1979, 11, 30), "es_MX"),
        "+221770000003": ("Aïssatou Diop", dt.date(1992, 2, 20), "fr_SN"),
        "+919812000004": ("Ravi Kumar", dt.date(1985, 7, 7), "hi_IN"),
        "+256772000005": ("Grace Nakato", dt.date(1990, 12, 1), "en_UG"),
    }
    for client in seeded.scalars(select(Client)):
        assert client.branch is not None and client.branch.opening_hours
        assert client.loan_officer_name and client.loan_officer_phone


def test_repayments_per_loan(seeded: Session) -> None:
    counts = dict(
        seeded.execute(
            select(Loan.account_no, func.count(Repayment.id))
            .join(Repayment, isouter=True)
            .group_by(Loan.account_no)
        ).all()
    )
    assert counts == PAID_INSTALLMENTS


def test_repayments_are_installments_one_to_n_with_engine_amounts(seeded: Session) -> None:
    for account_no, paid in PAID_INSTALLMENTS.items():
        loan = _loan(seeded, account_no)
        schedule = build_schedule(terms_for(loan))
        repayments = sorted(loan.repayments, key=lambda r: r.installment_number or 0)
        assert [r.installment_number for r in repayments] == list(range(1, paid + 1))
        for repayment in repayments:
            row = schedule.row(repayment.installment_number)
            assert repayment.reference == f"{account_no}-{row.number}"
            assert repayment.principal_part == row.principal
            assert repayment.interest_part == row.interest
            assert repayment.amount == row.total + repayment.penalties_part
            if (account_no, row.number) != ("L-4001", 5):
                assert repayment.paid_on == row.due_date
                assert repayment.penalties_part == 0


def test_every_repayment_is_the_sum_of_its_parts(seeded: Session) -> None:
    repayments = seeded.scalars(select(Repayment)).all()
    assert len(repayments) == 27
    for r in repayments:
        assert r.principal_part + r.interest_part + r.fees_part + r.penalties_part == r.amount


def test_ravi_paid_installment_five_three_days_late_with_the_fixed_penalty(
    seeded: Session,
) -> None:
    loan = _loan(seeded, "L-4001")
    due = build_schedule(terms_for(loan)).row(5).due_date
    late = seeded.scalars(select(Repayment).filter_by(reference="L-4001-5")).one()
    assert late.installment_number == 5
    assert late.paid_on == due + dt.timedelta(days=3)
    assert late.penalties_part == Decimal("100.00")


def test_the_engine_reads_the_demo_payments_as_intended(seeded: Session) -> None:
    """Each loan's payments clear exactly the paid installments, penalties included."""
    for account_no, paid in PAID_INSTALLMENTS.items():
        loan = _loan(seeded, account_no)
        payments = payments_for(loan)
        status = loan_status(build_schedule(terms_for(loan)), payments, TODAY)
        assert status.paid_total == sum(p.amount for p in payments)
        assert [s.number for s in status.installments if s.is_paid] == list(range(1, paid + 1))
    ravi = loan_status(
        build_schedule(terms_for(_loan(seeded, "L-4001"))),
        payments_for(_loan(seeded, "L-4001")),
        TODAY,
    )
    assert ravi.installments[4].paid_penalties == Decimal("100.00")
    grace = _loan(seeded, "L-5001")
    overdue = loan_status(build_schedule(terms_for(grace)), payments_for(grace), TODAY).overdue
    assert [(s.number, s.due_date, s.days_late) for s in overdue] == [(5, dt.date(2026, 11, 20), 5)]


def test_products_follow_the_demo_terms(seeded: Session) -> None:
    amina = _loan(seeded, "L-1001").product
    assert {(c.name, c.timing, c.amount) for c in amina.charges} == {
        ("Processing fee", ChargeTiming.DEDUCTED, Decimal(2)),
        ("Credit-life insurance", ChargeTiming.DEDUCTED, Decimal(1)),
    }
    aissatou = _loan(seeded, "L-3001")
    schedule = build_schedule(terms_for(aissatou))
    assert schedule.disbursement.savings_deposit == Decimal(30000)
    assert schedule.disbursement.upfront == Decimal(10000)
    assert schedule.savings_returned == Decimal(30000)
    juan = build_schedule(terms_for(_loan(seeded, "L-2001")))
    assert juan.periodic_rate == Decimal(4) / 100 * 12 / 52
    assert juan.disbursement.deducted == Decimal("240.00")
    prepayment = {
        loan.account_no: loan.product.prepayment_interest for loan in seeded.scalars(select(Loan))
    }
    assert prepayment == {
        "L-1001": PrepaymentInterest.ACCRUED_TO_DATE,
        "L-2001": PrepaymentInterest.CURRENT_PERIOD,
        "L-3001": PrepaymentInterest.ACCRUED_TO_DATE,
        "L-4001": PrepaymentInterest.ACCRUED_TO_DATE,
        "L-5001": PrepaymentInterest.CURRENT_PERIOD,
        "L-5002": PrepaymentInterest.CURRENT_PERIOD,
    }


def test_admin_password_is_hashed_and_follows_the_setting(seeded: Session) -> None:
    admin = seeded.scalars(select(StaffUser).filter_by(username="admin")).one()
    first_hash = admin.password_hash
    assert first_hash.startswith("$argon2id$")
    assert PasswordHasher().verify(first_hash, DEFAULT_ADMIN_PASSWORD)

    seed(seeded, TODAY, admin_password="another secret")
    seeded.commit()
    assert admin.password_hash != first_hash
    assert PasswordHasher().verify(admin.password_hash, "another secret")


def test_payments_after_today_are_not_loaded(session: Session) -> None:
    earlier = dt.date(2026, 10, 8)
    # Paid by then: L-1001 #1, L-2001 none, L-3001 #1, L-4001 #1-7, L-5001 #1-3, L-5002 none.
    assert seed(session, earlier).repayments == 1 + 0 + 1 + 7 + 3 + 0
    session.commit()
    assert _loan(session, "L-5002").status is LoanStatus.PENDING  # disbursed on 2026-10-10
    assert _loan(session, "L-5001").status is LoanStatus.ACTIVE
    assert session.scalar(select(func.max(Repayment.paid_on))) <= earlier

    assert seed(session, TODAY).repayments == 27
    session.commit()
    assert seed(session, earlier).repayments == 12
    session.commit()
    assert session.scalar(select(func.count()).select_from(Repayment)) == 12
