"""A fake Apache Fineract server: the read endpoints Wazi calls, over real HTTP, in the shapes of
tests/fixtures/fineract/ (see tests/fixtures/SOURCES.md, "Fineract").

``FakeFineract(today)`` serves, under ``/fineract-provider/api/v1/``:
- the fixture client (1, ``client.json``, accounts ``client_accounts.json``), fixture loans 29
  (``loan_with_associations.json``) and 1 (``loan_retrieve_apidoc.json``) and product 1;
- the five demo clients of ``bot/demo.py`` and their loans, built by :func:`demo_data` in
  Fineract's shapes: the schedule from the loan engine (as ``bot.demo.seed`` does), the
  repayments made up to ``today`` as repayment transactions, the products with their charges,
  overdue penalty and guarantee funds;
- ``GET /search?query=&resource=clients`` (a ``LIKE`` on account no, name, external id and
  mobile, as Fineract's SearchReadPlatformServiceImpl), ``GET /clients?externalId=``,
  ``/clients/{id}``, ``/clients/{id}/accounts``, ``/loans`` (pages of loans without their
  associations, ``offset`` and ``limit``), ``/loans/{id}``, ``/loanproducts/{id}``,
  ``/currencies``.

Every request needs HTTP Basic auth (else the 401 envelope of
``error_unauthenticated_401_apidoc.json``) and the ``Fineract-Platform-TenantId`` header (else a
400 envelope). For tests: ``delay`` (seconds before answering), ``script(*canned)`` (the next
answers, e.g. a 503, a 400 envelope or a malformed body), ``requests`` (each request made).
Call ``close`` before the server stops, so no request is left sleeping.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import Flask, Response, request

from bot.demo import DEMO_CLIENTS, DemoClient, DemoLoan, DemoProduct
from bot.fineract.mapping import MappingPolicy
from bot.loans.schedule import build_schedule
from bot.loans.terms import (
    AmountKind,
    Charge,
    ChargeCategory,
    ChargeTiming,
    Frequency,
    InterestMethod,
    LoanTerms,
    PenaltyKind,
    PenaltyRule,
    PrepaymentInterest,
    PrepaymentRule,
    RatePeriod,
    Savings,
)
from bot.money import minor_units, round_money
from bot.settings import PROJECT_ROOT

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "fineract"
API = "/fineract-provider/api/v1"
TENANT = "default"
USERNAME = "mifos"
PASSWORD = "password"  # Fineract's demo login (its README)
ZERO = Decimal(0)


def fixture(name: str) -> Any:
    """A sample of tests/fixtures/fineract, numbers as Decimal (as the client parses them)."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"), parse_float=Decimal)


def to_json(value: Any) -> str:
    """JSON with Decimals written as numbers, as Fineract writes its BigDecimals."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{to_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(to_json(v) for v in value) + "]"
    return json.dumps(value)


def day(date: dt.date) -> list[int]:
    return [date.year, date.month, date.day]


def enum_value(id_: int, code: str, value: str) -> dict[str, Any]:
    return {"id": id_, "code": code, "value": value}


# --- the demo data set in Fineract's shapes ----------------------------------------------

_FREQUENCY = {  # Wazi frequency -> (periodFrequencyType id, repaymentEvery)
    Frequency.DAILY: (0, 1),
    Frequency.WEEKLY: (1, 1),
    Frequency.FORTNIGHTLY: (1, 2),
    Frequency.MONTHLY: (2, 1),
    Frequency.QUARTERLY: (2, 3),
}
_PERIOD_NAMES = {0: "days", 1: "weeks", 2: "months", 3: "years", 4: "whole_term"}
_RATE_FREQUENCY = {RatePeriod.WEEK: 1, RatePeriod.MONTH: 2, RatePeriod.YEAR: 3, RatePeriod.TERM: 4}
_ACTIVE = {
    "id": 300,
    "code": "loanStatusType.active",
    "value": "Active",
    "pendingApproval": False,
    "waitingForDisbursal": False,
    "active": True,
    "closedObligationsMet": False,
    "closedWrittenOff": False,
    "closedRescheduled": False,
    "closed": False,
    "overpaid": False,
}
_CHARGE_TIME = {
    1: ("chargeTimeType.disbursement", "Disbursement"),
    8: ("chargeTimeType.instalmentFee", "Installment Fee"),
    9: ("chargeTimeType.overdueInstallment", "Overdue Installment Fee"),
}
_CALCULATION = {
    1: ("chargeCalculationType.flat", "Flat"),
    2: ("chargeCalculationType.percent.of.amount", "% Amount"),
}
_TX_FLAGS = ("disbursement", "repaymentAtDisbursement", "repayment", "accrual")


def currency_json(code: str) -> dict[str, Any]:
    return {
        "code": code,
        "name": code,
        "decimalPlaces": minor_units(code),
        "inMultiplesOf": 0,
        "displaySymbol": code,
        "nameCode": f"currency.{code}",
        "displayLabel": code,
    }


def _frequency_type(kind: str, unit: int) -> dict[str, Any]:
    name = _PERIOD_NAMES[unit]
    return enum_value(unit, f"{kind}.periodFrequencyType.{name}", name.capitalize())


def _charge_json(
    charge_id: int, name: str, kind: AmountKind, amount: Decimal, time: int, currency: str
) -> dict[str, Any]:
    calculation = 1 if kind is AmountKind.FIXED else 2
    return {
        "id": charge_id,
        "name": name,
        "active": True,
        "penalty": time == 9,
        "currency": currency_json(currency),
        "amount": amount,
        "chargeTimeType": enum_value(time, *_CHARGE_TIME[time]),
        "chargeAppliesTo": enum_value(1, "chargeAppliesTo.loan", "Loan"),
        "chargeCalculationType": enum_value(calculation, *_CALCULATION[calculation]),
        "chargePaymentMode": enum_value(0, "chargepaymentmode.regular", "Regular"),
    }


def _transaction(
    tx_id: int, kind: tuple[int, str, str], date: dt.date, currency: str, **portions: Decimal
) -> dict[str, Any]:
    type_id, flag, value = kind
    parts = {
        key: portions.get(key, ZERO)
        for key in (
            "principalPortion",
            "interestPortion",
            "feeChargesPortion",
            "penaltyChargesPortion",
        )
    }
    return {
        "id": tx_id,
        "officeId": 1,
        "officeName": "Head Office",
        "type": {
            **enum_value(type_id, f"loanTransactionType.{flag}", value),
            **{name: name == flag for name in _TX_FLAGS},
        },
        "date": day(date),
        "currency": currency_json(currency),
        "amount": portions.get("amount", sum(parts.values(), ZERO)),
        **parts,
        "overpaymentPortion": ZERO,
        "manuallyReversed": False,
    }


@dataclass
class FineractData:
    """What the fake serves, by id, and the policy that reads the demo loans back."""

    clients: dict[int, dict[str, Any]] = field(default_factory=dict)
    accounts: dict[int, dict[str, Any]] = field(default_factory=dict)
    loans: dict[int, dict[str, Any]] = field(default_factory=dict)
    products: dict[int, dict[str, Any]] = field(default_factory=dict)
    policy: MappingPolicy = field(default_factory=MappingPolicy)
    demo_loan_ids: dict[str, int] = field(default_factory=dict)  # account no -> loan id
    demo_client_ids: dict[str, int] = field(default_factory=dict)  # E.164 phone -> client id


def demo_terms(spec: DemoLoan) -> LoanTerms:
    """The engine's terms of a demo loan, as ``bot.demo.seed`` stores them."""
    product = spec.product
    return LoanTerms(
        principal=spec.principal,
        currency=spec.currency,
        disbursement_date=spec.disbursement_date,
        first_due_date=spec.first_due_date,
        frequency=spec.frequency,
        installments=spec.installments,
        interest_method=product.interest_method,
        rate=product.interest_rate,
        rate_period=product.rate_period,
        charges=tuple(
            Charge(c.name, c.kind, c.amount, c.timing, c.category) for c in product.charges
        ),
        savings=Savings(
            deposit_kind=product.savings_deposit_kind,
            deposit_amount=product.savings_deposit_amount,
        ),
        penalty=PenaltyRule(
            kind=product.penalty_kind,
            grace_days=product.penalty_grace_days,
            amount=product.penalty_amount,
        ),
        prepayment=PrepaymentRule(interest=product.prepayment_interest),
    )


class _Builder:
    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.data = FineractData()
        self.insurance: set[int] = set()
        self.deducted: set[int] = set()
        self.charge_ids: dict[tuple[str, str], int] = {}
        self.next_tx = 5000

    def charge_id(self, product: DemoProduct, name: str) -> int:
        return self.charge_ids.setdefault((product.code, name), 300 + len(self.charge_ids))

    def product(self, product_id: int, spec: DemoProduct, loan: DemoLoan) -> dict[str, Any]:
        if spec.interest_method is InterestMethod.FLAT:
            interest_type = enum_value(1, "interestType.flat", "Flat")
        else:
            interest_type = enum_value(0, "interestType.declining.balance", "Declining Balance")
        if spec.interest_method is InterestMethod.DECLINING_EQUAL_PRINCIPAL:
            amortization = enum_value(0, "amortizationType.equal.principal", "Equal principal")
        else:
            amortization = enum_value(
                1, "amortizationType.equal.installments", "Equal installments"
            )
        unit, every = _FREQUENCY[loan.frequency]
        charges = []
        for demo_charge in spec.charges:
            if demo_charge.timing not in (ChargeTiming.UPFRONT, ChargeTiming.DEDUCTED):
                raise ValueError(f"{demo_charge.timing} has no Fineract charge time here")
            charge_id = self.charge_id(spec, demo_charge.name)
            if demo_charge.category is ChargeCategory.INSURANCE:
                self.insurance.add(charge_id)
            if demo_charge.timing is ChargeTiming.DEDUCTED:
                self.deducted.add(charge_id)
            charges.append(
                _charge_json(
                    charge_id,
                    demo_charge.name,
                    demo_charge.kind,
                    demo_charge.amount,
                    1,
                    loan.currency,
                )
            )
        overdue = []
        if spec.penalty_kind is not PenaltyKind.NONE:
            kinds = {PenaltyKind.FIXED: AmountKind.FIXED}
            kind = kinds.get(spec.penalty_kind, AmountKind.PERCENT_OF_PRINCIPAL)
            if spec.penalty_kind is PenaltyKind.DAILY_PERCENT_OF_OVERDUE:
                raise ValueError("no Fineract overdue charge is a daily percent here")
            overdue.append(
                _charge_json(
                    self.charge_id(spec, "Late payment penalty"),
                    "Late payment penalty",
                    kind,
                    spec.penalty_amount,
                    9,
                    loan.currency,
                )
            )
        recalculation: dict[str, Any] = {}
        declining = spec.interest_method is not InterestMethod.FLAT
        if spec.prepayment_interest is PrepaymentInterest.ACCRUED_TO_DATE and declining:
            recalculation = {
                "preClosureInterestCalculationStrategy": enum_value(
                    1,
                    "loanPreClosureInterestCalculationStrategy.tillPreClosureDate",
                    "Till Pre-Close Date",
                )
            }
        elif spec.prepayment_interest is not PrepaymentInterest.CURRENT_PERIOD:
            raise ValueError(f"{spec.prepayment_interest} has no Fineract product here")
        guarantee = spec.savings_deposit_kind is AmountKind.PERCENT_OF_PRINCIPAL
        if spec.savings_deposit_kind is AmountKind.FIXED:
            raise ValueError("a fixed savings deposit has no Fineract product here")
        return {
            "id": product_id,
            "name": spec.name,
            "shortName": spec.code[-4:],
            "status": "loanProduct.active",
            "currency": currency_json(loan.currency),
            "principal": loan.principal,
            "numberOfRepayments": loan.installments,
            "repaymentEvery": every,
            "repaymentFrequencyType": _frequency_type("repaymentFrequency", unit),
            "interestRatePerPeriod": spec.interest_rate,
            "interestRateFrequencyType": _frequency_type(
                "interestRateFrequency", _RATE_FREQUENCY[spec.rate_period]
            ),
            "amortizationType": amortization,
            "interestType": interest_type,
            "interestCalculationPeriodType": enum_value(
                1,
                "interestCalculationPeriodType.same.as.repayment.period",
                "Same as repayment period",
            ),
            "transactionProcessingStrategyCode": "mifos-standard-strategy",
            "transactionProcessingStrategyName": "Penalties, Fees, Interest, Principal order",
            "graceOnArrearsAgeing": spec.penalty_grace_days,
            "charges": charges,
            "overdueCharges": overdue,
            "isInterestRecalculationEnabled": bool(recalculation),
            "interestRecalculationData": recalculation or None,
            "holdGuaranteeFunds": guarantee,
            "productGuaranteeData": {
                "mandatoryGuarantee": spec.savings_deposit_amount,
                "minimumGuaranteeFromOwnFunds": spec.savings_deposit_amount,
                "minimumGuaranteeFromGuarantor": ZERO,
            }
            if guarantee
            else None,
            "multiDisburseLoan": False,
        }

    def client(self, client_id: int, spec: DemoClient, office_id: int) -> dict[str, Any]:
        first, _, last = spec.name.partition(" ")
        return {
            "id": client_id,
            "accountNo": f"{client_id:09d}",
            "externalId": f"WAZI-DEMO-{client_id}",
            "status": enum_value(300, "clientStatusType.active", "Active"),
            "active": True,
            "activationDate": day(dt.date(2026, 1, 5)),
            "firstname": first,
            "lastname": last,
            "displayName": spec.name,
            "mobileNo": spec.phone.removeprefix("+"),
            "dateOfBirth": day(spec.date_of_birth),
            "officeId": office_id,
            "officeName": spec.branch.name,
            "staffId": office_id + 50,
            "staffName": spec.loan_officer_name,
        }

    def loan(
        self, loan_id: int, client: dict[str, Any], product: dict[str, Any], spec: DemoLoan
    ) -> dict[str, Any]:
        cur = spec.currency
        schedule = build_schedule(demo_terms(spec))
        disbursement = schedule.disbursement
        fees_at_disbursement = disbursement.upfront + disbursement.deducted
        periods: list[dict[str, Any]] = [
            {
                "dueDate": day(spec.disbursement_date),
                "principalDisbursed": spec.principal,
                "principalLoanBalanceOutstanding": spec.principal,
                "feeChargesDue": fees_at_disbursement,
                "feeChargesPaid": fees_at_disbursement,
                "totalOriginalDueForPeriod": fees_at_disbursement,
                "totalDueForPeriod": fees_at_disbursement,
                "totalPaidForPeriod": fees_at_disbursement,
                "totalActualCostOfLoanForPeriod": fees_at_disbursement,
            }
        ]
        transactions = [
            _transaction(
                self.tx_id(),
                (1, "disbursement", "Disbursement"),
                spec.disbursement_date,
                cur,
                amount=spec.principal,
            )
        ]
        if fees_at_disbursement:
            transactions.append(
                _transaction(
                    self.tx_id(),
                    (5, "repaymentAtDisbursement", "Repayment (at time of disbursement)"),
                    spec.disbursement_date,
                    cur,
                    feeChargesPortion=fees_at_disbursement,
                )
            )
        loan_charges = [
            {
                **{k: v for k, v in c.items() if k not in ("id", "active", "chargeAppliesTo")},
                "id": 900 + i,
                "chargeId": c["id"],
                "percentage": c["amount"] if c["chargeCalculationType"]["id"] == 2 else ZERO,
                "amountOrPercentage": c["amount"],
                "amountPaid": c["amount"],
                "amountWaived": ZERO,
                "amountOutstanding": ZERO,
                "paid": True,
            }
            for i, c in enumerate(product["charges"])
        ]
        for c, row in zip(loan_charges, product["charges"], strict=True):
            if row["chargeCalculationType"]["id"] == 2:  # the amount charged, not the percent
                c["amount"] = c["amountPaid"] = disbursement_amount(spec, row["amount"])
        parts = ("principal", "interest", "fees", "penalties")
        paid = dict.fromkeys(parts, ZERO)
        totals = dict.fromkeys(parts, ZERO)
        start = spec.disbursement_date
        for row in schedule.rows:
            late = spec.late.get(row.number)
            paid_on = row.due_date + dt.timedelta(days=late.days_late if late else 0)
            is_paid = row.number <= spec.paid_installments and paid_on <= self.today
            fees = row.fees + row.tax + row.savings
            penalty = late.penalty if (late and is_paid) else ZERO
            due = row.principal + row.interest + fees + penalty
            for key, amount in (
                ("principal", row.principal),
                ("interest", row.interest),
                ("fees", fees),
                ("penalties", penalty),
            ):
                totals[key] += amount
                if is_paid:
                    paid[key] += amount
            periods.append(
                {
                    "period": row.number,
                    "fromDate": day(start),
                    "dueDate": day(row.due_date),
                    **({"obligationsMetOnDate": day(paid_on)} if is_paid else {}),
                    "complete": is_paid,
                    "daysInPeriod": (row.due_date - start).days,
                    "principalOriginalDue": row.principal,
                    "principalDue": row.principal,
                    "principalPaid": row.principal if is_paid else ZERO,
                    "principalOutstanding": ZERO if is_paid else row.principal,
                    "principalLoanBalanceOutstanding": row.balance,
                    "interestOriginalDue": row.interest,
                    "interestDue": row.interest,
                    "interestPaid": row.interest if is_paid else ZERO,
                    "interestOutstanding": ZERO if is_paid else row.interest,
                    "feeChargesDue": fees,
                    "feeChargesPaid": fees if is_paid else ZERO,
                    "penaltyChargesDue": penalty,
                    "penaltyChargesPaid": penalty,
                    "totalOriginalDueForPeriod": row.principal + row.interest + fees,
                    "totalDueForPeriod": due,
                    "totalPaidForPeriod": due if is_paid else ZERO,
                    "totalOutstandingForPeriod": ZERO if is_paid else due,
                    "totalActualCostOfLoanForPeriod": row.interest + fees + penalty,
                    "totalInstallmentAmountForPeriod": row.principal + row.interest,
                }
            )
            start = row.due_date
            if is_paid:
                transactions.append(
                    _transaction(
                        self.tx_id(),
                        (2, "repayment", "Repayment"),
                        paid_on,
                        cur,
                        principalPortion=row.principal,
                        interestPortion=row.interest,
                        feeChargesPortion=fees,
                        penaltyChargesPortion=penalty,
                    )
                )
            if late and is_paid:
                loan_charges.append(
                    {
                        **_charge_json(
                            product["overdueCharges"][0]["id"],
                            "Late payment penalty",
                            AmountKind.FIXED,
                            late.penalty,
                            9,
                            cur,
                        ),
                        "id": 950 + row.number,
                        "chargeId": product["overdueCharges"][0]["id"],
                        "dueDate": day(row.due_date),
                        "amountPaid": late.penalty,
                        "amountOutstanding": ZERO,
                        "paid": True,
                    }
                )
        unit, every = _FREQUENCY[spec.frequency]
        outstanding = {key: totals[key] - paid[key] for key in totals}
        expected = sum(totals.values(), ZERO)
        repaid = sum(paid.values(), ZERO)
        return {
            "id": loan_id,
            "accountNo": spec.account_no,
            "externalId": f"WAZI-{spec.account_no}",
            "status": _ACTIVE,
            "clientId": client["id"],
            "clientAccountNo": client["accountNo"],
            "clientName": client["displayName"],
            "clientOfficeId": client["officeId"],
            "loanProductId": product["id"],
            "loanProductName": product["name"],
            "loanType": enum_value(1, "accountType.individual", "Individual"),
            "currency": currency_json(cur),
            "principal": spec.principal,
            "approvedPrincipal": spec.principal,
            "proposedPrincipal": spec.principal,
            "termFrequency": spec.installments * every,
            "termPeriodFrequencyType": _frequency_type("termFrequency", unit),
            "numberOfRepayments": spec.installments,
            "repaymentEvery": every,
            "repaymentFrequencyType": product["repaymentFrequencyType"],
            "interestRatePerPeriod": product["interestRatePerPeriod"],
            "interestRateFrequencyType": product["interestRateFrequencyType"],
            "isFloatingInterestRate": False,
            "amortizationType": product["amortizationType"],
            "interestType": product["interestType"],
            "interestCalculationPeriodType": product["interestCalculationPeriodType"],
            "transactionProcessingStrategyCode": product["transactionProcessingStrategyCode"],
            "transactionProcessingStrategyName": product["transactionProcessingStrategyName"],
            "graceOnPrincipalPayment": 0,
            "graceOnInterestPayment": 0,
            "graceOnArrearsAgeing": product["graceOnArrearsAgeing"],
            "expectedFirstRepaymentOnDate": day(spec.first_due_date),
            "timeline": {
                "submittedOnDate": day(spec.disbursement_date),
                "approvedOnDate": day(spec.disbursement_date),
                "expectedDisbursementDate": day(spec.disbursement_date),
                "actualDisbursementDate": day(spec.disbursement_date),
                "expectedMaturityDate": day(schedule.rows[-1].due_date),
            },
            "summary": {
                "currency": currency_json(cur),
                "principalDisbursed": spec.principal,
                "principalPaid": paid["principal"],
                "principalOutstanding": outstanding["principal"],
                "interestCharged": totals["interest"],
                "interestPaid": paid["interest"],
                "interestOutstanding": outstanding["interest"],
                "feeChargesCharged": totals["fees"] + fees_at_disbursement,
                "feeChargesDueAtDisbursementCharged": fees_at_disbursement,
                "feeChargesPaid": paid["fees"] + fees_at_disbursement,
                "feeChargesOutstanding": outstanding["fees"],
                "penaltyChargesCharged": totals["penalties"],
                "penaltyChargesPaid": paid["penalties"],
                "penaltyChargesOutstanding": ZERO,
                "totalExpectedRepayment": expected,
                "totalRepayment": repaid,
                "totalOutstanding": expected - repaid,
            },
            "repaymentSchedule": {
                "currency": currency_json(cur),
                "loanTermInDays": (schedule.rows[-1].due_date - spec.disbursement_date).days,
                "totalPrincipalDisbursed": spec.principal,
                "totalPrincipalExpected": spec.principal,
                "totalInterestCharged": totals["interest"],
                "totalFeeChargesCharged": totals["fees"] + fees_at_disbursement,
                "totalPenaltyChargesCharged": totals["penalties"],
                "totalRepaymentExpected": expected,
                "totalRepayment": repaid,
                "totalOutstanding": expected - repaid,
                "periods": periods,
            },
            "transactions": transactions,
            "charges": loan_charges,
            "overdueCharges": product["overdueCharges"],
            "isInterestRecalculationEnabled": product["isInterestRecalculationEnabled"],
            "interestRecalculationData": product["interestRecalculationData"],
            "multiDisburseLoan": False,
            "inArrears": False,
        }

    def tx_id(self) -> int:
        self.next_tx += 1
        return self.next_tx


def disbursement_amount(spec: DemoLoan, percent: Decimal) -> Decimal:
    return round_money(spec.principal * percent / 100, spec.currency)


def demo_data(today: dt.date) -> FineractData:
    """The five demo clients, their loans and products as Fineract would serve them on
    ``today``, and the mapping policy that says which of their charges are insurance and
    which are withheld at disbursement."""
    builder = _Builder(today)
    data = builder.data
    for n, spec in enumerate(DEMO_CLIENTS, 1):
        client_id, office_id = 100 + n, 10 + n
        client = builder.client(client_id, spec, office_id)
        data.clients[client_id] = client
        data.demo_client_ids[spec.phone] = client_id
        loan_accounts = []
        for k, loan_spec in enumerate(spec.loans):
            loan_id = 1000 + 10 * n + k
            product_id = 200 + 10 * n + k
            product = builder.product(product_id, loan_spec.product, loan_spec)
            data.products[product_id] = product
            loan = builder.loan(loan_id, client, product, loan_spec)
            data.loans[loan_id] = loan
            data.demo_loan_ids[loan_spec.account_no] = loan_id
            loan_accounts.append(
                {
                    "id": loan_id,
                    "accountNo": loan["accountNo"],
                    "externalId": loan["externalId"],
                    "productId": product_id,
                    "productName": product["name"],
                    "status": _ACTIVE,
                    "loanType": loan["loanType"],
                    "loanCycle": k + 1,
                    "currency": loan["currency"],
                    "loanBalance": loan["summary"]["totalOutstanding"],
                    "amountPaid": loan["summary"]["totalRepayment"],
                    "inArrears": False,
                }
            )
        data.accounts[client_id] = {"loanAccounts": loan_accounts, "savingsAccounts": []}
    data.policy = MappingPolicy(
        insurance_charge_ids=frozenset(builder.insurance),
        deducted_charge_ids=frozenset(builder.deducted),
    )
    return data


def with_fixtures(data: FineractData) -> FineractData:
    """The demo data plus the captured and documented samples."""
    client = fixture("client.json")
    data.clients[client["id"]] = client
    data.clients[27] = fixture("client_apidoc.json")
    data.accounts[client["id"]] = fixture("client_accounts.json")
    for name in ("loan_with_associations.json", "loan_retrieve_apidoc.json"):
        loan = fixture(name)
        data.loans[loan["id"]] = loan
    product = fixture("loan_product_with_charges.json")
    data.products[product["id"]] = product
    return data


# --- the server ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Canned:
    """A scripted answer: status, raw body, content type."""

    status: int
    body: str
    content_type: str = "application/json"

    @staticmethod
    def envelope(name: str) -> Canned:
        """A Fineract error envelope from the fixtures, with its own status."""
        body = fixture(name)
        return Canned(int(body["httpStatusCode"]), to_json(body))


@dataclass(frozen=True)
class Seen:
    """One request the fake received."""

    path: str  # below the API root, e.g. "loans/1011"
    args: dict[str, str]
    tenant: str | None
    username: str | None


def _error(status: int, message: str, code: str) -> Response:
    body = {
        "developerMessage": message,
        "httpStatusCode": str(status),
        "defaultUserMessage": message,
        "userMessageGlobalisationCode": code,
        "errors": [],
    }
    return Response(to_json(body), status, content_type="application/json")


class FakeFineract:
    """The fake server's state and its Flask app; see the module."""

    def __init__(self, today: dt.date) -> None:
        self.data = with_fixtures(demo_data(today))
        self.requests: list[Seen] = []
        self.delay = 0.0
        self._script: list[Canned] = []
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._idle = threading.Condition(self._lock)
        self._in_flight = 0
        self.flask_app = self._make_app()

    def script(self, *answers: Canned) -> None:
        """Answer the next requests with these, in order (after auth is checked)."""
        with self._lock:
            self._script.extend(answers)

    def close(self, timeout: float = 5.0) -> None:
        """Wake every delayed request and wait until all are answered."""
        self._closed.set()
        with self._idle:
            self._idle.wait_for(lambda: self._in_flight == 0, timeout)

    def app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        with self._lock:
            self._in_flight += 1
        try:
            yield from self.flask_app(environ, start_response)
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def requests_to(self, path: str) -> list[Seen]:
        with self._lock:
            return [seen for seen in self.requests if seen.path == path]

    def _make_app(self) -> Flask:
        app = Flask(__name__)

        @app.before_request
        def check() -> Response | None:
            path = request.path.removeprefix(API).strip("/")
            auth = request.authorization
            with self._lock:
                self.requests.append(
                    Seen(
                        path,
                        dict(request.args),
                        request.headers.get("Fineract-Platform-TenantId"),
                        auth.username if auth else None,
                    )
                )
            if self.delay:
                self._closed.wait(self.delay)
            if not request.path.startswith(API + "/"):
                return _error(404, "Not found", "error.msg.resource.not.found")
            if auth is None or (auth.username, auth.password) != (USERNAME, PASSWORD):
                body = fixture("error_unauthenticated_401_apidoc.json")
                return Response(to_json(body), 401, content_type="application/json")
            if request.headers.get("Fineract-Platform-TenantId") != TENANT:
                return _error(
                    400,
                    "No tenant identifier found: Add request header of "
                    "'Fineract-Platform-TenantId'",
                    "error.msg.tenant.identifier.invalid",
                )
            with self._lock:
                canned = self._script.pop(0) if self._script else None
            if canned is not None:
                return Response(canned.body, canned.status, content_type=canned.content_type)
            return None

        def found(value: Any, what: str, id_: int) -> Response:
            if value is None:
                return _error(
                    404,
                    f"{what} with identifier {id_} does not exist",
                    f"error.msg.{what.lower()}.id.invalid",
                )
            return Response(to_json(value), 200, content_type="application/json")

        @app.get(f"{API}/search")
        def search() -> Response:
            query = request.args.get("query", "")
            exact = request.args.get("exactMatch") == "true"
            hits = []
            if "clients" in request.args.get("resource", "clients").split(","):
                for client in self.data.clients.values():
                    fields = [
                        str(client.get(k) or "")
                        for k in ("accountNo", "displayName", "externalId", "mobileNo")
                    ]
                    if any((f == query) if exact else (query in f) for f in fields):
                        hits.append(
                            {
                                "entityId": client["id"],
                                "entityAccountNo": client.get("accountNo"),
                                "entityExternalId": client.get("externalId"),
                                "entityName": client["displayName"],
                                "entityType": "CLIENT",
                                "parentId": client.get("officeId"),
                                "parentName": client.get("officeName"),
                                "entityMobileNo": client.get("mobileNo"),
                                "entityStatus": client.get("status"),
                            }
                        )
            return Response(to_json(hits), 200, content_type="application/json")

        @app.get(f"{API}/clients")
        def clients() -> Response:
            external = request.args.get("externalId")
            items = [
                c
                for c in self.data.clients.values()
                if external is None or external in str(c.get("externalId") or "")
            ]
            page = {"totalFilteredRecords": len(items), "pageItems": items}
            return Response(to_json(page), 200, content_type="application/json")

        @app.get(f"{API}/clients/<int:client_id>")
        def client(client_id: int) -> Response:
            return found(self.data.clients.get(client_id), "Client", client_id)

        @app.get(f"{API}/clients/<int:client_id>/accounts")
        def accounts(client_id: int) -> Response:
            if client_id not in self.data.clients:
                return found(None, "Client", client_id)
            value = self.data.accounts.get(client_id, {"loanAccounts": [], "savingsAccounts": []})
            return found(value, "Client", client_id)

        @app.get(f"{API}/loans")
        def loans() -> Response:
            offset = int(request.args.get("offset", "0"))
            limit = int(request.args.get("limit", "200"))
            ordered = [self.data.loans[key] for key in sorted(self.data.loans)]
            items = [
                {k: v for k, v in loan.items() if k not in ("repaymentSchedule", "transactions")}
                for loan in ordered[offset : offset + limit]
            ]
            page = {"totalFilteredRecords": len(ordered), "pageItems": items}
            return Response(to_json(page), 200, content_type="application/json")

        @app.get(f"{API}/loans/<int:loan_id>")
        def loan(loan_id: int) -> Response:
            value = copy.deepcopy(self.data.loans.get(loan_id))
            if value is not None:
                wanted = set(request.args.get("associations", "").split(","))
                if "all" not in wanted:
                    for key in ("repaymentSchedule", "transactions", "charges"):
                        if key not in wanted:
                            value.pop(key, None)
            return found(value, "Loan", loan_id)

        @app.get(f"{API}/loanproducts/<int:product_id>")
        def product(product_id: int) -> Response:
            return found(self.data.products.get(product_id), "LoanProduct", product_id)

        @app.get(f"{API}/currencies")
        def currencies() -> Response:
            codes = sorted({loan["currency"]["code"] for loan in self.data.loans.values()})
            options = [currency_json(code) for code in codes]
            body = {"selectedCurrencyOptions": options, "currencyOptions": options}
            return Response(to_json(body), 200, content_type="application/json")

        return app
