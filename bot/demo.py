"""Demo data: five clients in five countries, their loans and the payments they made.

``seed`` brings the database to exactly this data set as it stands on ``today`` and can be
run any number of times: rows are matched on their natural keys (client phone, loan account
number, product code, branch code, repayment reference) and only what differs is written.
Payments dated after ``today`` have not happened yet, so they are left out (and removed if an
earlier seed with a later ``today`` wrote them).

The amounts of each repayment come from the loan engine (``bot.loans.schedule``); this module
only says which installments were paid, when, and with which penalty.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import (
    AuditEntry,
    Base,
    Branch,
    Client,
    Loan,
    LoanProduct,
    LoanStatus,
    ProductCharge,
    Repayment,
    StaffRole,
    StaffUser,
)
from bot.loan_records import terms_for
from bot.loans.schedule import build_schedule
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

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=Base)

ADMIN_USERNAME = "admin"
DEFAULT_ADMIN_PASSWORD = "wazi-demo-admin"


# --- the data set -------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoCharge:
    name: str
    category: ChargeCategory
    kind: AmountKind
    amount: Decimal
    timing: ChargeTiming


@dataclass(frozen=True)
class DemoProduct:
    code: str
    name: str
    interest_method: InterestMethod
    interest_rate: Decimal
    rate_period: RatePeriod
    prepayment_interest: PrepaymentInterest
    charges: tuple[DemoCharge, ...] = ()
    savings_deposit_kind: AmountKind | None = None
    savings_deposit_amount: Decimal = Decimal(0)
    penalty_kind: PenaltyKind = PenaltyKind.NONE
    penalty_grace_days: int = 0
    penalty_amount: Decimal = Decimal(0)


@dataclass(frozen=True)
class LatePayment:
    days_late: int
    penalty: Decimal


@dataclass(frozen=True)
class DemoLoan:
    account_no: str
    product: DemoProduct
    principal: Decimal
    currency: str
    disbursement_date: dt.date
    first_due_date: dt.date
    frequency: Frequency
    installments: int
    paid_installments: int  # installments 1..n were paid, on their due dates unless late
    late: dict[int, LatePayment] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoBranch:
    code: str
    name: str
    phone: str
    opening_hours: str


@dataclass(frozen=True)
class DemoClient:
    name: str
    locale: str
    phone: str
    date_of_birth: dt.date
    branch: DemoBranch
    loan_officer_name: str
    loan_officer_phone: str
    loans: tuple[DemoLoan, ...]


def _percent_charge(name: str, percent: str, timing: ChargeTiming) -> DemoCharge:
    return DemoCharge(
        name, ChargeCategory.FEE, AmountKind.PERCENT_OF_PRINCIPAL, Decimal(percent), timing
    )


DEMO_CLIENTS: tuple[DemoClient, ...] = (
    DemoClient(
        name="Amina Njeri",
        locale="sw_KE",
        phone="+254712000001",
        date_of_birth=dt.date(1988, 4, 12),
        branch=DemoBranch(
            "KE-NBO", "Nairobi Gikomba", "+254202000100", "Mon-Fri 08:30-16:30, Sat 09:00-12:00"
        ),
        loan_officer_name="Peter Otieno",
        loan_officer_phone="+254722000101",
        loans=(
            DemoLoan(
                account_no="L-1001",
                product=DemoProduct(
                    code="DEMO-KES-DECL",
                    name="Biashara loan (KES, declining balance, equal installments)",
                    interest_method=InterestMethod.DECLINING_EQUAL_INSTALLMENT,
                    interest_rate=Decimal(24),
                    rate_period=RatePeriod.YEAR,
                    prepayment_interest=PrepaymentInterest.ACCRUED_TO_DATE,
                    charges=(
                        _percent_charge("Processing fee", "2", ChargeTiming.DEDUCTED),
                        DemoCharge(
                            "Credit-life insurance",
                            ChargeCategory.INSURANCE,
                            AmountKind.PERCENT_OF_PRINCIPAL,
                            Decimal(1),
                            ChargeTiming.DEDUCTED,
                        ),
                    ),
                ),
                principal=Decimal("50000.00"),
                currency="KES",
                disbursement_date=dt.date(2026, 9, 1),
                first_due_date=dt.date(2026, 10, 1),
                frequency=Frequency.MONTHLY,
                installments=12,
                paid_installments=2,
            ),
        ),
    ),
    DemoClient(
        name="Juan Pérez",
        locale="es_MX",
        phone="+525512000002",
        date_of_birth=dt.date(1979, 11, 30),
        branch=DemoBranch(
            "MX-CDMX", "Ciudad de México Iztapalapa", "+525550000200", "Lun-Vie 09:00-17:00"
        ),
        loan_officer_name="María Hernández",
        loan_officer_phone="+525512000201",
        loans=(
            DemoLoan(
                account_no="L-2001",
                product=DemoProduct(
                    code="DEMO-MXN-FLAT-W",
                    name="Crédito semanal (MXN, flat interest, weekly)",
                    interest_method=InterestMethod.FLAT,
                    interest_rate=Decimal(4),  # a month; the engine converts to a week
                    rate_period=RatePeriod.MONTH,
                    prepayment_interest=PrepaymentInterest.CURRENT_PERIOD,
                    charges=(_percent_charge("Opening fee", "3", ChargeTiming.DEDUCTED),),
                ),
                principal=Decimal("8000.00"),
                currency="MXN",
                disbursement_date=dt.date(2026, 10, 6),
                first_due_date=dt.date(2026, 10, 13),
                frequency=Frequency.WEEKLY,
                installments=16,
                paid_installments=7,
            ),
        ),
    ),
    DemoClient(
        name="Aïssatou Diop",
        locale="fr_SN",
        phone="+221770000003",
        date_of_birth=dt.date(1992, 2, 20),
        branch=DemoBranch(
            "SN-DKR", "Dakar Médina", "+221338000300", "Lun-Ven 08:00-16:00, Sam 09:00-12:00"
        ),
        loan_officer_name="Moussa Ndiaye",
        loan_officer_phone="+221770000301",
        loans=(
            DemoLoan(
                account_no="L-3001",
                product=DemoProduct(
                    code="DEMO-XOF-DECL-EP",
                    name="Prêt commerce (XOF, declining balance, equal principal)",
                    interest_method=InterestMethod.DECLINING_EQUAL_PRINCIPAL,
                    interest_rate=Decimal(18),
                    rate_period=RatePeriod.YEAR,
                    prepayment_interest=PrepaymentInterest.ACCRUED_TO_DATE,
                    charges=(
                        DemoCharge(
                            "Fixed fee",
                            ChargeCategory.FEE,
                            AmountKind.FIXED,
                            Decimal(10000),
                            ChargeTiming.UPFRONT,
                        ),
                    ),
                    savings_deposit_kind=AmountKind.PERCENT_OF_PRINCIPAL,
                    savings_deposit_amount=Decimal(10),
                ),
                principal=Decimal(300000),
                currency="XOF",
                disbursement_date=dt.date(2026, 8, 15),
                first_due_date=dt.date(2026, 9, 15),
                frequency=Frequency.MONTHLY,
                installments=6,
                paid_installments=3,
            ),
        ),
    ),
    DemoClient(
        name="Ravi Kumar",
        locale="hi_IN",
        phone="+919812000004",
        date_of_birth=dt.date(1985, 7, 7),
        branch=DemoBranch("IN-PAT", "Patna Kankarbagh", "+916122000400", "Mon-Sat 10:00-17:00"),
        loan_officer_name="Sunita Sharma",
        loan_officer_phone="+919812000401",
        loans=(
            DemoLoan(
                account_no="L-4001",
                product=DemoProduct(
                    code="DEMO-INR-DECL-F",
                    name="Udyam loan (INR, declining balance, fortnightly)",
                    interest_method=InterestMethod.DECLINING_EQUAL_INSTALLMENT,
                    interest_rate=Decimal(26),
                    rate_period=RatePeriod.YEAR,
                    prepayment_interest=PrepaymentInterest.ACCRUED_TO_DATE,
                    charges=(
                        DemoCharge(
                            "Processing fee",
                            ChargeCategory.FEE,
                            AmountKind.FIXED,
                            Decimal("354.00"),
                            ChargeTiming.UPFRONT,
                        ),
                    ),
                    penalty_kind=PenaltyKind.FIXED,
                    penalty_grace_days=2,
                    penalty_amount=Decimal("100.00"),
                ),
                principal=Decimal("30000.00"),
                currency="INR",
                disbursement_date=dt.date(2026, 7, 1),
                first_due_date=dt.date(2026, 7, 15),
                frequency=Frequency.FORTNIGHTLY,
                installments=24,
                paid_installments=10,
                late={5: LatePayment(days_late=3, penalty=Decimal("100.00"))},
            ),
        ),
    ),
    DemoClient(
        name="Grace Nakato",
        locale="en_UG",
        phone="+256772000005",
        date_of_birth=dt.date(1990, 12, 1),
        branch=DemoBranch(
            "UG-KLA", "Kampala Owino", "+256414000500", "Mon-Fri 08:00-17:00, Sat 08:00-13:00"
        ),
        loan_officer_name="Joseph Ssemakula",
        loan_officer_phone="+256772000501",
        loans=(
            DemoLoan(
                account_no="L-5001",
                product=DemoProduct(
                    code="DEMO-UGX-FLAT",
                    name="Business loan (UGX, flat interest)",
                    interest_method=InterestMethod.FLAT,
                    interest_rate=Decimal(3),
                    rate_period=RatePeriod.MONTH,
                    prepayment_interest=PrepaymentInterest.CURRENT_PERIOD,
                    charges=(_percent_charge("Loan fee", "2", ChargeTiming.UPFRONT),),
                    penalty_kind=PenaltyKind.PERCENT_OF_INSTALLMENT,
                    penalty_grace_days=3,
                    penalty_amount=Decimal(5),
                ),
                principal=Decimal(1000000),
                currency="UGX",
                disbursement_date=dt.date(2026, 6, 20),
                first_due_date=dt.date(2026, 7, 20),
                frequency=Frequency.MONTHLY,
                installments=10,
                paid_installments=4,
            ),
            DemoLoan(
                account_no="L-5002",
                product=DemoProduct(
                    code="DEMO-UGX-FLAT-S",
                    name="Quick loan (UGX, flat interest, no fee)",
                    interest_method=InterestMethod.FLAT,
                    interest_rate=Decimal("2.5"),
                    rate_period=RatePeriod.MONTH,
                    prepayment_interest=PrepaymentInterest.CURRENT_PERIOD,
                ),
                principal=Decimal(200000),
                currency="UGX",
                disbursement_date=dt.date(2026, 10, 10),
                first_due_date=dt.date(2026, 11, 10),
                frequency=Frequency.MONTHLY,
                installments=4,
                paid_installments=1,
            ),
        ),
    ),
)


def repayment_reference(account_no: str, installment: int) -> str:
    """The reference of a demo repayment, e.g. ``L-1001-1``."""
    return f"{account_no}-{installment}"


# --- loading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedResult:
    clients: int
    loans: int
    repayments: int
    changes: dict[str, dict[str, int]]  # {"created": {"clients": 5, ...}, "updated": ...}

    @property
    def changed(self) -> bool:
        return any(self.changes.values())


class _Sync:
    """Writes rows only where they differ from the data set, counting what it did."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.created: Counter[str] = Counter()
        self.updated: Counter[str] = Counter()
        self.deleted: Counter[str] = Counter()

    def upsert(self, model: type[M], key: dict[str, Any], values: dict[str, Any]) -> M:
        """The row with ``key``, created or updated to hold ``values``."""
        row = self.session.scalar(select(model).filter_by(**key))
        table = model.__tablename__
        if row is None:
            row = model(**key, **values)
            self.session.add(row)
            self.created[table] += 1
            return row
        differs = False
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
                differs = True
        if differs:
            self.updated[table] += 1
        return row

    def delete(self, row: Base) -> None:
        self.session.delete(row)
        self.deleted[row.__tablename__] += 1

    def changes(self) -> dict[str, dict[str, int]]:
        return {
            "created": dict(self.created),
            "updated": dict(self.updated),
            "deleted": dict(self.deleted),
        }


def _product(sync: _Sync, spec: DemoProduct) -> LoanProduct:
    product = sync.upsert(
        LoanProduct,
        {"code": spec.code},
        {
            "name": spec.name,
            "interest_method": spec.interest_method,
            "interest_rate": spec.interest_rate,
            "rate_period": spec.rate_period,
            "interest_tax_percent": Decimal(0),
            "grace_periods": 0,
            "savings_deposit_kind": spec.savings_deposit_kind,
            "savings_deposit_amount": spec.savings_deposit_amount,
            "savings_per_installment": Decimal(0),
            "savings_interest_rate": Decimal(0),
            "penalty_kind": spec.penalty_kind,
            "penalty_grace_days": spec.penalty_grace_days,
            "penalty_amount": spec.penalty_amount,
            "penalty_cap": None,
            "prepayment_interest": spec.prepayment_interest,
            "prepayment_fee_kind": None,
            "prepayment_fee_amount": Decimal(0),
        },
    )
    wanted = [(c.name, c.category, c.kind, c.amount, c.timing, Decimal(0)) for c in spec.charges]
    stored = [
        (c.name, c.category, c.kind, c.amount, c.timing, c.tax_percent) for c in product.charges
    ]
    if stored != wanted:
        if stored:
            sync.deleted["product_charges"] += len(stored)  # delete-orphan removes them
        product.charges = [
            ProductCharge(
                name=name,
                category=category,
                kind=kind,
                amount=amount,
                timing=timing,
                tax_percent=tax,
            )
            for name, category, kind, amount, timing, tax in wanted
        ]
        sync.created["product_charges"] += len(wanted)
    return product


def _repayments(sync: _Sync, loan: Loan, spec: DemoLoan, today: dt.date) -> int:
    """The loan's demo repayments up to ``today``; returns how many there are."""
    schedule = build_schedule(terms_for(loan))
    loaded = 0
    for row in schedule.rows[: spec.paid_installments]:
        late = spec.late.get(row.number)
        paid_on = row.due_date + dt.timedelta(days=late.days_late if late else 0)
        reference = repayment_reference(spec.account_no, row.number)
        if paid_on > today:
            existing = sync.session.scalar(select(Repayment).filter_by(reference=reference))
            if existing is not None:
                sync.delete(existing)
            continue
        # The fees part holds what the engine bills with fees: taxes and savings contributions.
        fees = row.fees + row.tax + row.savings
        penalties = late.penalty if late else Decimal(0)
        sync.upsert(
            Repayment,
            {"reference": reference},
            {
                "loan": loan,
                "installment_number": row.number,
                "paid_on": paid_on,
                "amount": row.principal + row.interest + fees + penalties,
                "principal_part": row.principal,
                "interest_part": row.interest,
                "fees_part": fees,
                "penalties_part": penalties,
            },
        )
        loaded += 1
    return loaded


def _staff_admin(sync: _Sync, password: str) -> None:
    hasher = PasswordHasher()
    admin = sync.upsert(
        StaffUser,
        {"username": ADMIN_USERNAME},
        {"display_name": "Demo administrator", "role": StaffRole.ADMIN, "active": True},
    )
    try:
        current = admin.password_hash is not None and hasher.verify(admin.password_hash, password)
    except (VerificationError, InvalidHashError):
        current = False
    if not current or hasher.check_needs_rehash(admin.password_hash):
        if admin.password_hash is not None:
            sync.updated[StaffUser.__tablename__] += 1
        admin.password_hash = hasher.hash(password)


def seed(session: Session, today: dt.date, admin_password: str | None = None) -> SeedResult:
    """Bring the demo data in ``session`` up to date as of ``today``; the caller commits."""
    sync = _Sync(session)
    clients = loans = repayments = 0
    for spec in DEMO_CLIENTS:
        branch = sync.upsert(
            Branch,
            {"code": spec.branch.code},
            {
                "name": spec.branch.name,
                "phone": spec.branch.phone,
                "opening_hours": spec.branch.opening_hours,
            },
        )
        client = sync.upsert(
            Client,
            {"phone": spec.phone},
            {
                "name": spec.name,
                "date_of_birth": spec.date_of_birth,
                "locale": spec.locale,
                "branch": branch,
                "loan_officer_name": spec.loan_officer_name,
                "loan_officer_phone": spec.loan_officer_phone,
            },
        )
        clients += 1
        for loan_spec in spec.loans:
            disbursed = loan_spec.disbursement_date <= today
            loan = sync.upsert(
                Loan,
                {"account_no": loan_spec.account_no},
                {
                    "client": client,
                    "product": _product(sync, loan_spec.product),
                    "principal": loan_spec.principal,
                    "currency": loan_spec.currency,
                    "disbursement_date": loan_spec.disbursement_date,
                    "first_due_date": loan_spec.first_due_date,
                    "frequency": loan_spec.frequency,
                    "installments": loan_spec.installments,
                    "status": LoanStatus.ACTIVE if disbursed else LoanStatus.PENDING,
                },
            )
            loans += 1
            repayments += _repayments(sync, loan, loan_spec, today)

    _staff_admin(sync, admin_password or DEFAULT_ADMIN_PASSWORD)

    result = SeedResult(clients, loans, repayments, sync.changes())
    if result.changed:
        session.add(
            AuditEntry(
                actor_type="system",
                action="demo.seed",
                details={"today": today.isoformat(), **result.changes},
            )
        )
        logger.info("demo data changed: %s", result.changes)
    else:
        logger.info("demo data already up to date")
    return result
