"""Wazi's tables, in SQLAlchemy 2.0 declarative style.

Money columns are ``Numeric(18, 4)`` (exact, and wide enough for every ISO 4217 minor unit);
Python code sees them as ``Decimal``. Rounding to a currency's minor unit happens in
``bot.money``, never here. Timestamps are stored in UTC.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.complaints.rules import Category
from bot.complaints.rules import Status as ComplaintStatus
from bot.loans.terms import (
    AmountKind,
    ChargeCategory,
    ChargeTiming,
    Frequency,
    InterestMethod,
    PenaltyKind,
    PrepaymentInterest,
    RatePeriod,
)

MONEY = Numeric(18, 4)
RATE = Numeric(12, 6)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; pass an aware UTC datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def _enum(cls: type[enum.Enum], column: str) -> Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint, storing the values.

    The constraint is named after the column (``ck_<table>_<column>``): two columns of one
    enum in the same table would otherwise share a name, which PostgreSQL rejects.
    """
    return Enum(
        cls,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        name=column,
    )


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


# --- vocabularies (the loan terms' own live in bot.loans.terms) ---------------------------


class LoanStatus(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    CLOSED = "closed"
    WRITTEN_OFF = "written_off"


class StaffRole(enum.StrEnum):
    ADMIN = "admin"
    STAFF = "staff"  # branch and head-office staff: complaints and handoffs
    TRAINER = "trainer"


# --- people -------------------------------------------------------------------------------


class Branch(Base):
    __tablename__ = "branches"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))
    opening_hours: Mapped[str | None] = mapped_column(String(200))

    clients: Mapped[list[Client]] = relationship(back_populates="branch")


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20), unique=True)  # E.164, e.g. +254712000001
    date_of_birth: Mapped[dt.date] = mapped_column(Date)
    locale: Mapped[str] = mapped_column(String(16))  # e.g. sw_KE
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"))
    loan_officer_name: Mapped[str | None] = mapped_column(String(200))
    loan_officer_phone: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    pin_hash: Mapped[str | None] = mapped_column(String(200))  # argon2id of the PIN (bot.pins)
    pin_set_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    branch: Mapped[Branch | None] = relationship(back_populates="clients")
    loans: Mapped[list[Loan]] = relationship(back_populates="client", order_by="Loan.id")
    chat_identities: Mapped[list[ChatIdentity]] = relationship(back_populates="client")

    __table_args__ = (CheckConstraint("phone LIKE '+%'", name="phone_e164"),)


class ChatIdentity(Base):
    """One person on one channel (a Telegram user, a WhatsApp number, a web chat session)."""

    __tablename__ = "chat_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    channel_user_id: Mapped[str] = mapped_column(String(128))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    locale: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    lesson_suggested_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    client: Mapped[Client | None] = relationship(back_populates="chat_identities")

    __table_args__ = (UniqueConstraint("channel", "channel_user_id"),)


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id
    role: Mapped[StaffRole] = mapped_column(_enum(StaffRole, "role"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- loans --------------------------------------------------------------------------------


class LoanProduct(Base):
    __tablename__ = "loan_products"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    interest_method: Mapped[InterestMethod] = mapped_column(
        _enum(InterestMethod, "interest_method")
    )
    interest_rate: Mapped[Decimal] = mapped_column(RATE)  # percent, e.g. 24 means 24%
    rate_period: Mapped[RatePeriod] = mapped_column(_enum(RatePeriod, "rate_period"))
    interest_tax_percent: Mapped[Decimal] = mapped_column(RATE, default=Decimal(0))
    grace_periods: Mapped[int] = mapped_column(Integer, default=0)
    # compulsory savings
    savings_deposit_kind: Mapped[AmountKind | None] = mapped_column(
        _enum(AmountKind, "savings_deposit_kind")
    )
    savings_deposit_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    savings_per_installment: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    savings_interest_rate: Mapped[Decimal] = mapped_column(RATE, default=Decimal(0))
    # penalty rule
    penalty_kind: Mapped[PenaltyKind] = mapped_column(
        _enum(PenaltyKind, "penalty_kind"), default=PenaltyKind.NONE
    )
    penalty_grace_days: Mapped[int] = mapped_column(Integer, default=0)
    penalty_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    penalty_cap: Mapped[Decimal | None] = mapped_column(MONEY)
    # prepayment rule
    prepayment_interest: Mapped[PrepaymentInterest] = mapped_column(
        _enum(PrepaymentInterest, "prepayment_interest"), default=PrepaymentInterest.ACCRUED_TO_DATE
    )
    prepayment_fee_kind: Mapped[AmountKind | None] = mapped_column(
        _enum(AmountKind, "prepayment_fee_kind")
    )
    prepayment_fee_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))

    charges: Mapped[list[ProductCharge]] = relationship(
        back_populates="product", order_by="ProductCharge.id", cascade="all, delete-orphan"
    )

    __table_args__ = (CheckConstraint("interest_rate >= 0", name="rate_not_negative"),)


class ProductCharge(Base):
    """A fee or insurance premium that a loan product charges."""

    __tablename__ = "product_charges"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("loan_products.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[ChargeCategory] = mapped_column(_enum(ChargeCategory, "category"))
    kind: Mapped[AmountKind] = mapped_column(_enum(AmountKind, "kind"))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    timing: Mapped[ChargeTiming] = mapped_column(_enum(ChargeTiming, "timing"))
    tax_percent: Mapped[Decimal] = mapped_column(RATE, default=Decimal(0))

    product: Mapped[LoanProduct] = relationship(back_populates="charges")


class Loan(Base):
    __tablename__ = "loans"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_no: Mapped[str] = mapped_column(String(32), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("loan_products.id"))
    principal: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    disbursement_date: Mapped[dt.date] = mapped_column(Date)
    first_due_date: Mapped[dt.date | None] = mapped_column(Date)
    frequency: Mapped[Frequency] = mapped_column(_enum(Frequency, "frequency"))
    installments: Mapped[int] = mapped_column(Integer)
    status: Mapped[LoanStatus] = mapped_column(
        _enum(LoanStatus, "status"), default=LoanStatus.ACTIVE
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    client: Mapped[Client] = relationship(back_populates="loans")
    product: Mapped[LoanProduct] = relationship()
    repayments: Mapped[list[Repayment]] = relationship(
        back_populates="loan", order_by="(Repayment.paid_on, Repayment.id)"
    )

    __table_args__ = (
        CheckConstraint("principal > 0", name="principal_positive"),
        CheckConstraint("installments > 0", name="installments_positive"),
    )


class Repayment(Base):
    """Money a client paid on a loan, and what it paid for."""

    __tablename__ = "repayments"

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    paid_on: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    principal_part: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    interest_part: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    fees_part: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    penalties_part: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    installment_number: Mapped[int | None] = mapped_column(Integer)
    reference: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    loan: Mapped[Loan] = relationship(back_populates="repayments")

    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)


# --- complaints, lessons, audit -----------------------------------------------------------


class Complaint(Base):
    """A client's complaint (``bot.complaints``): what, about which loan, its deadlines and
    where it stands; ``events`` is its history."""

    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    # WZ-<year>-<id>, set in the transaction that adds the row (its id makes it unique).
    ticket_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    # Who complained: the chat identity and, once verified, the client; both None once the
    # client had their data deleted (bot/data_rights.py keeps the complaint, anonymised).
    chat_identity_id: Mapped[int | None] = mapped_column(
        ForeignKey("chat_identities.id"), index=True
    )
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loans.id"))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"))
    channel: Mapped[str] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(16))  # the language to answer in
    category: Mapped[Category] = mapped_column(_enum(Category, "category"))
    description: Mapped[str] = mapped_column(Text)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)  # hidden from the branch
    status: Mapped[ComplaintStatus] = mapped_column(
        _enum(ComplaintStatus, "status"), default=ComplaintStatus.RECEIVED
    )
    received_on: Mapped[dt.date] = mapped_column(Date)
    acknowledge_by: Mapped[dt.date] = mapped_column(Date)
    resolve_by: Mapped[dt.date] = mapped_column(Date)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)
    satisfied: Mapped[bool | None] = mapped_column(Boolean)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    escalation_reason: Mapped[str | None] = mapped_column(String(200))
    regulator_notice_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    # The client's own request id, so a complaint kept while the database was down is
    # written once however often it is retried.
    request_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The loan's account number, wherever the loan is kept (``loan_id`` only for Wazi's table).
    loan_account: Mapped[str | None] = mapped_column(String(32))

    events: Mapped[list[ComplaintEvent]] = relationship(
        back_populates="complaint", order_by="ComplaintEvent.id", cascade="all, delete-orphan"
    )
    chat_identity: Mapped[ChatIdentity | None] = relationship()
    client: Mapped[Client | None] = relationship()
    loan: Mapped[Loan | None] = relationship()
    branch: Mapped[Branch | None] = relationship()
    assigned_to: Mapped[StaffUser | None] = relationship()


class ComplaintEvent(Base):
    """One step in a complaint's history: received, a status change, an escalation with its
    reason, a staff note, a reply to the client (``delivered_at`` once sent), the client's word."""

    __tablename__ = "complaint_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_type: Mapped[str] = mapped_column(String(16))  # client, staff, system
    actor_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str | None] = mapped_column(String(32))  # the status after this event
    text: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    complaint: Mapped[Complaint] = relationship(back_populates="events")


class Lesson(Base):
    """One financial-literacy lesson in one language (``bot.lessons``)."""

    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(16))  # the language: en, sw, fr, es, hi
    topic: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    quiz: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    messages: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_by: Mapped[str | None] = mapped_column(String(64))  # a trainer, or "import"

    __table_args__ = (UniqueConstraint("slug", "locale"),)


class LessonProgress(Base):
    """How far one chat identity got in one lesson: the next message or question to show."""

    __tablename__ = "lesson_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_identity_id: Mapped[int] = mapped_column(ForeignKey("chat_identities.id"), index=True)
    lesson_slug: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="started")  # started, finished
    score: Mapped[int | None] = mapped_column(Integer)
    questions_answered: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    locale: Mapped[str] = mapped_column(String(16), default="en")  # the language it is taken in
    step: Mapped[int] = mapped_column(Integer, default=0)  # messages shown so far
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    answers: Mapped[list[LessonAnswer]] = relationship(
        back_populates="progress", order_by="LessonAnswer.id", cascade="all, delete-orphan"
    )

    __table_args__ = (UniqueConstraint("chat_identity_id", "lesson_slug"),)


class LessonAnswer(Base):
    """One quiz answer, right or wrong, for the quiz-success rates trainers see."""

    __tablename__ = "lesson_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    progress_id: Mapped[int] = mapped_column(ForeignKey("lesson_progress.id"), index=True)
    question_id: Mapped[str] = mapped_column(String(16))
    choice_id: Mapped[str] = mapped_column(String(16))
    correct: Mapped[bool] = mapped_column(Boolean)
    locale: Mapped[str] = mapped_column(String(16))
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    progress: Mapped[LessonProgress] = relationship(back_populates="answers")


class AuditEntry(Base):
    """Who did what, when: identity checks, loan data shown, staff actions."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_type: Mapped[str] = mapped_column(String(16))  # client, chat, staff, system
    actor_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class HandoffRequest(Base):
    """A client asked to talk to a person; staff see it with the conversation so far."""

    __tablename__ = "handoff_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None once the client had their data deleted (the request stays, without its transcript).
    chat_identity_id: Mapped[int | None] = mapped_column(
        ForeignKey("chat_identities.id"), index=True
    )
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    channel: Mapped[str] = mapped_column(String(32))
    locale: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="open")
    transcript: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ChannelMessage(Base):
    """A message a client sent on Telegram or WhatsApp, kept until its answers are delivered.

    The relay (``bot.channels.relay``) stores each message once (a platform's retry of the same
    message id is refused by the unique constraint), forwards it to Rasa, keeps Rasa's answers
    here and counts how many have reached the client, so that an outage of Rasa, the action
    server or the platform delays a message but never loses or doubles it.
    """

    __tablename__ = "channel_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))  # the platform's id of the message
    user_id: Mapped[str] = mapped_column(String(128))  # the sender's id on the platform
    chat_id: Mapped[str] = mapped_column(String(128))  # where the answers go
    text: Mapped[str] = mapped_column(Text)  # what Rasa receives: typed text or a payload
    phone: Mapped[str | None] = mapped_column(String(32))  # E.164 the platform vouches for
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    outage_notified: Mapped[bool] = mapped_column(Boolean, default=False)
    responses: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    delivered: Mapped[int] = mapped_column(Integer, default=0)  # responses already sent
    last_error: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("channel", "external_id"),
        Index("ix_channel_messages_user", "channel", "user_id"),
    )


class ChannelDelivery(Base):
    """A message Wazi sent on a platform, by the platform's id, with its latest status."""

    __tablename__ = "channel_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    provider_id: Mapped[str] = mapped_column(String(128))  # e.g. a WhatsApp "wamid..."
    chat_id: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="sent")  # sent, delivered, read, failed
    error_code: Mapped[int | None] = mapped_column(Integer)
    error_title: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("channel", "provider_id"),)


class ClaimUse(Base):
    """A signed channel claim (``bot.channel_identity``) and the one Rasa message it came with.

    Within its few minutes of validity a captured claim would verify again with another
    message; the action servers refuse it then (``bot.claim_replay``). Rows older than a
    claim can live are deleted as new ones arrive."""

    __tablename__ = "claim_uses"

    replay_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    rasa_message_id: Mapped[str] = mapped_column(String(64))
    first_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class LinkCode(Base):
    """A one-time linking code a loan officer hands a client at disbursement (``bot.link_codes``).

    Only its argon2 hash is kept: the plain code is shown once, to the staff member who issued
    it. Issuing a new code voids the client's older unused ones; the identity check uses the
    newest (``WAZI_VERIFY_LINK_CODE``), once."""

    __tablename__ = "link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(200))  # argon2id of the normalised code
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    issued_by: Mapped[str] = mapped_column(String(64))  # a staff username, or "cli"
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The chat identity it linked; None again if that identity's data is deleted.
    used_by: Mapped[int | None] = mapped_column(
        ForeignKey("chat_identities.id", ondelete="SET NULL")
    )
    voided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # a newer code replaced it

    client: Mapped[Client] = relationship()
