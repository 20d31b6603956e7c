"""The constraints that the migrated schema enforces, on each backend."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.models import ChatIdentity, Client, Loan, LoanProduct, Repayment
from bot.loans.terms import AmountKind, Frequency, InterestMethod, RatePeriod


def make_client(phone: str = "+254700000000") -> Client:
    return Client(name="Test Client", phone=phone, date_of_birth=dt.date(1990, 1, 1), locale="en")


def make_product(code: str = "T-1", **values: object) -> LoanProduct:
    return LoanProduct(
        code=code,
        name="Test product",
        interest_method=InterestMethod.FLAT,
        interest_rate=Decimal(3),
        rate_period=RatePeriod.MONTH,
        **values,
    )


def make_loan(principal: Decimal, account_no: str = "T-100") -> Loan:
    return Loan(
        account_no=account_no,
        client=make_client(),
        product=make_product(),
        principal=principal,
        currency="KES",
        disbursement_date=dt.date(2026, 1, 1),
        frequency=Frequency.MONTHLY,
        installments=6,
    )


def test_duplicate_phone_is_rejected(session: Session) -> None:
    session.add(make_client("+254700000001"))
    session.commit()
    session.add(make_client("+254700000001"))
    with pytest.raises(IntegrityError):
        session.commit()


def test_phone_must_be_e164(session: Session) -> None:
    session.add(make_client("0700000001"))
    with pytest.raises(IntegrityError):
        session.commit()


@pytest.mark.parametrize("principal", [Decimal("-1.00"), Decimal(0)])
def test_principal_must_be_positive(session: Session, principal: Decimal) -> None:
    session.add(make_loan(principal))
    with pytest.raises(IntegrityError):
        session.commit()


def test_positive_principal_is_accepted(session: Session) -> None:
    session.add(make_loan(Decimal("0.01")))
    session.commit()
    assert session.scalar(select(Loan.principal)) == Decimal("0.01")


def test_channel_user_is_unique_per_channel(session: Session) -> None:
    session.add_all(
        [
            ChatIdentity(channel="telegram", channel_user_id="42"),
            ChatIdentity(channel="web", channel_user_id="42"),
        ]
    )
    session.commit()
    session.add(ChatIdentity(channel="telegram", channel_user_id="42"))
    with pytest.raises(IntegrityError):
        session.commit()


def test_enum_columns_reject_unknown_values(engine: Engine) -> None:
    """The CHECK constraints exist in the database, not only in the ORM."""
    with engine.connect() as conn, pytest.raises(IntegrityError):
        conn.execute(
            text(
                "INSERT INTO loan_products (code, name, interest_method, interest_rate,"
                " rate_period, interest_tax_percent, grace_periods, savings_deposit_amount,"
                " savings_per_installment, savings_interest_rate, penalty_kind,"
                " penalty_grace_days, penalty_amount, prepayment_interest,"
                " prepayment_fee_amount) VALUES ('X', 'x', 'compound', 1, 'month', 0, 0, 0,"
                " 0, 0, 'none', 0, 0, 'accrued_to_date', 0)"
            )
        )


def test_two_columns_of_one_enum_in_one_table(session: Session) -> None:
    session.add(
        make_product(
            savings_deposit_kind=AmountKind.PERCENT_OF_PRINCIPAL,
            prepayment_fee_kind=AmountKind.FIXED,
        )
    )
    session.commit()
    product = session.scalars(select(LoanProduct)).one()
    assert product.savings_deposit_kind is AmountKind.PERCENT_OF_PRINCIPAL
    assert product.prepayment_fee_kind is AmountKind.FIXED


def test_repayment_amount_must_be_positive(session: Session) -> None:
    loan = make_loan(Decimal(1000))
    session.add(Repayment(loan=loan, paid_on=dt.date(2026, 2, 1), amount=Decimal(0)))
    with pytest.raises(IntegrityError):
        session.commit()


def test_decimal_round_trip_is_exact(session: Session) -> None:
    session.add(make_loan(Decimal("12345.6789")))
    session.commit()
    session.expunge_all()
    stored = session.scalar(select(Loan.principal))
    assert isinstance(stored, Decimal)
    assert stored == Decimal("12345.6789")
    assert str(stored) == "12345.6789"


# SQLite keeps NUMERIC as a double: exact to 15 significant digits, so 11 before the point.
fifteen_digit_money = st.decimals(
    min_value=Decimal("-99999999999.9999"),
    max_value=Decimal("99999999999.9999"),
    places=4,
    allow_nan=False,
    allow_infinity=False,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(amount=fifteen_digit_money)
def test_money_round_trips_exactly(engine: Engine, amount: Decimal) -> None:
    loan = make_loan(Decimal(1000))
    with Session(engine) as session:
        session.add(loan)
        session.flush()
        repayment = Repayment(
            loan=loan, paid_on=dt.date(2026, 2, 1), amount=Decimal(1), interest_part=amount
        )
        session.add(repayment)
        session.flush()
        session.expire(repayment)
        assert repayment.interest_part == amount
        session.rollback()


def test_all_eighteen_digits_are_kept_on_postgresql_only(engine: Engine) -> None:
    """Numeric(18, 4) is exact on PostgreSQL; SQLite rounds it to 15 significant digits."""
    amount = Decimal("99999999999999.9999")
    with Session(engine) as session:
        session.add(make_loan(amount))
        session.commit()
        session.expire_all()
        stored = session.scalar(select(Loan.principal))
    if engine.dialect.name == "postgresql":
        assert stored == amount
    else:
        assert stored == Decimal("100000000000000.0000")


def test_timestamps_come_back_aware_in_utc(session: Session) -> None:
    nairobi = dt.timezone(dt.timedelta(hours=3))
    client = make_client()
    client.created_at = dt.datetime(2026, 11, 25, 9, 30, tzinfo=nairobi)
    session.add(client)
    session.commit()
    session.expire_all()
    stored = session.scalar(select(Client.created_at))
    assert stored == dt.datetime(2026, 11, 25, 6, 30, tzinfo=dt.UTC)
    assert stored.utcoffset() == dt.timedelta(0)
