"""Where a client's identity and loans come from: Wazi's own database or Apache Fineract.

Everything that needs a client or their loans (the identity check, the loan answers, the
schedule chart, the staff dashboard) asks a :class:`LoanSource`:

- :class:`DatabaseLoans` (``WAZI_LOAN_SOURCE=database``, the default) reads Wazi's own tables;
- :class:`FineractLoans` (``WAZI_LOAN_SOURCE=fineract``) reads the institution's core banking
  system over its REST API (``bot.fineract``). The identity check finds the client by mobile
  number and date of birth in Fineract and keeps a local mirror row (``Client`` with external
  id ``fineract:<id>``) so chat identities, complaints and the audit log keep working. Loans
  are read live, kept for a short time (``ttl``), and never shown from an expired copy: when
  Fineract cannot answer, :class:`LoanSourceUnavailable` is raised and the client is told
  :data:`UNAVAILABLE` in their language.

Where Fineract's schedule and the engine's schedule for the same terms disagree, Fineract's
installments are used (the institution's books are the truth) and the difference is logged
once per loan for staff to look at. APR and effective rate still come from the engine, on the
cash flows of the schedule shown.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

import phonenumbers
from babel.languages import get_official_languages
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Branch, Client
from bot.fineract.client import FineractClient, FineractError
from bot.fineract.mapping import (
    ClientRecord,
    FineractDataError,
    FineractLoanStatus,
    FineractSchedule,
    LoanRecord,
    MappingPolicy,
    client_record,
    differences,
    loan_record,
)
from bot.i18n import LANGUAGES, N_
from bot.loan_answers import (
    ClientLoans,
    LoanView,
    client_loans,
    contact_of,
    latest_loan_currency,
    loan_view,
)
from bot.loans.schedule import Installment, Schedule, build_schedule

if TYPE_CHECKING:
    from bot.settings import Settings

logger = logging.getLogger(__name__)

UNAVAILABLE = N_("I can't see your loan right now. Please try again in a few minutes.")
EXTERNAL_PREFIX = "fineract:"
ZERO = Decimal(0)


class LoanSourceUnavailable(Exception):
    """The loan source cannot answer now; the message is one line without personal data."""


class LoanSource(Protocol):
    """Finds a client for the identity check and reads their active loans."""

    def find_client(self, session: Session, phones: list[str], born: dt.date) -> Client | None:
        """The client with one of these E.164 phone numbers and this date of birth."""
        ...

    def client_loans(self, session: Session, client_id: int, today: dt.date) -> ClientLoans:
        """The client's active loans as they stand at the end of ``today``."""
        ...

    def loan_currency(self, session: Session, client_id: int, today: dt.date) -> str | None:
        """The currency of the client's latest active loan (the last of ``client_loans``),
        None without one."""
        ...


class DatabaseLoans:
    """Clients and loans from Wazi's own tables (the default)."""

    def find_client(self, session: Session, phones: list[str], born: dt.date) -> Client | None:
        if not phones:
            return None
        return session.scalar(
            select(Client).where(Client.phone.in_(phones), Client.date_of_birth == born)
        )

    def client_loans(self, session: Session, client_id: int, today: dt.date) -> ClientLoans:
        return client_loans(session, client_id, today)

    def loan_currency(self, session: Session, client_id: int, today: dt.date) -> str | None:
        return latest_loan_currency(session, client_id)  # without computing the loans


def default_locale(phone: str) -> str:
    """A new mirror client's locale: the phone number's country, in the first of its official
    languages Wazi speaks (Babel's territory data), else English; the chat may change it."""
    region = phonenumbers.region_code_for_number(phonenumbers.parse(phone, None)) or ""
    if not region:
        return "en"
    spoken = get_official_languages(region, de_facto=True)
    language = next((code for code in spoken if code in LANGUAGES), "en")
    return f"{language}_{region}"


def fineract_schedule_as_engine(theirs: FineractSchedule, ours: Schedule) -> Schedule:
    """Fineract's installments in the engine's shape: its due dates, principal, interest and
    fees (savings and tax are inside Fineract's fees), the engine's terms and rate."""
    disbursement = ours.disbursement
    if theirs.disbursement_date is not None:
        disbursement = replace(disbursement, date=theirs.disbursement_date)
    if theirs.principal_disbursed is not None:
        disbursement = replace(disbursement, principal=theirs.principal_disbursed)
    balance = disbursement.principal
    rows = []
    for row in theirs.installments:
        balance -= row.principal
        rows.append(
            Installment(
                number=row.number,
                due_date=row.due_date,
                principal=row.principal,
                interest=row.interest,
                fees=row.fees,
                tax=ZERO,
                savings=ZERO,
                balance=balance,
            )
        )
    return replace(ours, disbursement=disbursement, rows=tuple(rows))


@dataclass(frozen=True)
class _Cached:
    at: float
    views: tuple[LoanView, ...]


class FineractLoans:
    """Clients and loans from Apache Fineract (see the module)."""

    def __init__(
        self,
        client: FineractClient,
        policy: MappingPolicy | None = None,
        default_region: str | None = None,
        ttl: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        product_ttl: float = 3600.0,
    ) -> None:
        self.fineract = client
        self.policy = policy or MappingPolicy()
        self.default_region = default_region
        self.ttl = ttl
        self.product_ttl = product_ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._loans: dict[tuple[int, dt.date], _Cached] = {}
        self._products: dict[int, tuple[float, dict[str, Any]]] = {}
        self._reported: set[int] = set()  # loans whose schedule difference was logged
        self._by_external_id: dict[str, int] = {}  # the institution's client number -> Fineract id

    # --- the identity check ---------------------------------------------------------------

    def find_client(self, session: Session, phones: list[str], born: dt.date) -> Client | None:
        try:
            for phone in phones:
                for data in self.fineract.find_clients_by_mobile(phone):
                    record = client_record(data, self.default_region)
                    if record.date_of_birth == born:
                        return self._mirror(session, record, phone)
        except (FineractError, FineractDataError) as exc:
            raise LoanSourceUnavailable(str(exc)) from None
        return None

    def _mirror(self, session: Session, record: ClientRecord, phone: str) -> Client:
        """The local row standing for the Fineract client, created or brought up to date."""
        external_id = f"{EXTERNAL_PREFIX}{record.id}"
        row = session.scalar(select(Client).where(Client.external_id == external_id))
        if row is None and record.external_id:
            # A client Wazi already knows by the institution's own number (Fineract's
            # externalId): that row is the client, and keeps its number.
            row = session.scalar(select(Client).where(Client.external_id == record.external_id))
            if row is not None:
                external_id = record.external_id
                with self._lock:
                    self._by_external_id[external_id] = record.id
        if row is None:
            row = session.scalar(select(Client).where(Client.phone == phone))
            if row is not None and (row.external_id or "").startswith(EXTERNAL_PREFIX):
                # The number moved to another Fineract client: the old mirror keeps its chats.
                raise LoanSourceUnavailable(
                    f"Fineract client {record.id}: the phone number is on the mirror of "
                    f"{row.external_id}; staff must resolve it"
                )
        branch = None
        if record.office_name:
            branch = session.scalar(select(Branch).where(Branch.name == record.office_name))
        if row is None:
            row = Client(phone=phone, locale=default_locale(phone))
            session.add(row)
        row.external_id = external_id
        row.phone = phone
        row.name = record.display_name
        row.date_of_birth = record.date_of_birth
        row.branch = branch
        row.loan_officer_name = record.staff_name
        session.flush()
        logger.info("Fineract client %s mirrored as client %s", record.id, row.id)
        return row

    # --- loans ----------------------------------------------------------------------------

    def client_loans(self, session: Session, client_id: int, today: dt.date) -> ClientLoans:
        client = session.get_one(Client, client_id)
        views = self._views(self._fineract_id(client), today)
        return ClientLoans(
            client_name=client.name, locale=client.locale, loans=views, contact=contact_of(client)
        )

    def loan_currency(self, session: Session, client_id: int, today: dt.date) -> str | None:
        return self.client_loans(session, client_id, today).currency  # kept for ``ttl``

    def _fineract_id(self, client: Client) -> int:
        """The client's id in Fineract: from its mirror's ``fineract:<id>``, or found by the
        institution's own client number (Fineract's ``externalId``)."""
        external_id = client.external_id or ""
        if external_id.startswith(EXTERNAL_PREFIX):
            return int(external_id.removeprefix(EXTERNAL_PREFIX))
        if not external_id:
            raise LoanSourceUnavailable(f"client {client.id} has no Fineract id")
        with self._lock:
            known = self._by_external_id.get(external_id)
        if known is not None:
            return known
        try:
            found = self.fineract.client_by_external_id(external_id)
        except FineractError as exc:
            raise LoanSourceUnavailable(str(exc)) from None
        if found is None or not isinstance(found.get("id"), int):
            raise LoanSourceUnavailable(f"client {client.id}: no Fineract client has its number")
        with self._lock:
            self._by_external_id[external_id] = found["id"]
        return int(found["id"])

    def _views(self, fineract_id: int, today: dt.date) -> tuple[LoanView, ...]:
        key = (fineract_id, today)
        now = self._clock()
        with self._lock:
            cached = self._loans.get(key)
            if cached is not None and now - cached.at < self.ttl:
                return cached.views
            self._loans.pop(key, None)  # expired: never shown again
        try:
            records = self.records(fineract_id)
        except (FineractError, FineractDataError) as exc:
            raise LoanSourceUnavailable(str(exc)) from None
        views = tuple(self.view(record, today) for record in records)
        with self._lock:
            for old in [k for k, c in self._loans.items() if now - c.at >= self.ttl]:
                del self._loans[old]  # expired copies are never kept around
            self._loans[key] = _Cached(now, views)
        return views

    def records(self, fineract_id: int) -> list[LoanRecord]:
        """The client's active loans, read and mapped, oldest disbursement first."""
        accounts = self.fineract.client_accounts(fineract_id)
        records = []
        for loan_id in active_loan_ids(accounts):
            loan = self.fineract.loan(loan_id)
            product_id = loan.get("loanProductId")
            if not isinstance(product_id, int):
                raise FineractDataError("loanProductId", "missing")
            record = loan_record(loan, self._product(product_id), self.policy)
            if record.status is FineractLoanStatus.ACTIVE:
                records.append(record)
        records.sort(key=lambda r: (r.terms.disbursement_date, r.id))
        return records

    def _product(self, product_id: int) -> dict[str, Any]:
        now = self._clock()
        with self._lock:
            cached = self._products.get(product_id)
        if cached is not None and now - cached[0] < self.product_ttl:
            return cached[1]
        product = self.fineract.loan_product(product_id)
        with self._lock:
            self._products[product_id] = (now, product)
        return product

    def view(self, record: LoanRecord, today: dt.date) -> LoanView:
        """One loan as the answers read it: Fineract's schedule where it differs from the
        engine's, the payments made up to ``today`` and where the loan stands then."""
        schedule = build_schedule(record.terms)
        if record.schedule is not None:
            found = differences(record.schedule, schedule)
            if found:
                self._report(record, found)
                schedule = fineract_schedule_as_engine(record.schedule, schedule)
        return loan_view(record.account_no, record.currency.code, schedule, record.payments, today)

    def _report(self, record: LoanRecord, found: list[str]) -> None:
        with self._lock:
            if record.id in self._reported:
                return
            self._reported.add(record.id)
        logger.warning(
            "loan %s: Fineract's schedule differs from Wazi's for the same terms; "
            "Fineract's figures are shown (%s)",
            record.account_no,
            "; ".join(found),
        )


def active_loan_ids(accounts: dict[str, Any]) -> list[int]:
    """The ids of the active loans in ``GET /clients/{id}/accounts``, in id order."""
    loans = accounts.get("loanAccounts") or []
    if not isinstance(loans, list):
        raise FineractDataError("loanAccounts", "expected a list")
    ids = []
    for i, loan in enumerate(loans):
        if not isinstance(loan, dict) or not isinstance(loan.get("id"), int):
            raise FineractDataError(f"loanAccounts[{i}].id", "missing")
        status = loan.get("status") or {}
        if isinstance(status, dict) and (status.get("active") or status.get("id") == 300):
            ids.append(loan["id"])
    return sorted(ids)


def fineract_client(settings: Settings) -> FineractClient:
    """A client of the Fineract API the settings name."""
    if not (settings.fineract_url and settings.fineract_username and settings.fineract_password):
        raise LoanSourceUnavailable("Fineract is not configured (WAZI_FINERACT_*)")
    return FineractClient(
        settings.fineract_url,
        settings.fineract_tenant,
        settings.fineract_username,
        settings.fineract_password,
        timeout=settings.fineract_timeout,
    )


def fineract_policy(settings: Settings) -> MappingPolicy:
    """What the institution says of its charges (``WAZI_FINERACT_*_CHARGES``)."""
    return MappingPolicy(
        insurance_charge_ids=settings.fineract_insurance_charges,
        deducted_charge_ids=settings.fineract_deducted_charges,
    )


def loan_source(settings: Settings) -> LoanSource:
    """The loan source the settings choose (make one per process: it holds the cache)."""
    if settings.loan_source == "fineract":
        return FineractLoans(
            fineract_client(settings),
            fineract_policy(settings),
            default_region=settings.country,
        )
    return DatabaseLoans()
