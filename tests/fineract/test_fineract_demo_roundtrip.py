"""The five demo clients served by the fake Fineract read back to what the database holds."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.db.models import Client, Loan
from bot.demo import DEMO_CLIENTS
from bot.fineract.client import FineractClient
from bot.fineract.mapping import client_record, differences, loan_ids, loan_record
from bot.loan_answers import client_loans, engine_payments
from bot.loan_records import terms_for
from bot.loans.schedule import build_schedule
from bot.loans.status import loan_status
from tests.conftest import DEMO_TODAY
from tests.fineract.fake_fineract import FakeFineract, demo_data

DEMO_LOANS = [loan.account_no for client in DEMO_CLIENTS for loan in client.loans]
DATA = demo_data(DEMO_TODAY)


@pytest.mark.parametrize("account_no", DEMO_LOANS)
def test_each_demo_loan_maps_to_the_terms_and_schedule_of_the_database(
    demo_engine: Engine, account_no: str
) -> None:
    loan_json = DATA.loans[DATA.demo_loan_ids[account_no]]
    product = DATA.products[loan_json["loanProductId"]]
    record = loan_record(loan_json, product, DATA.policy)
    with Session(demo_engine) as session:
        stored = session.scalars(select(Loan).filter_by(account_no=account_no)).one()
        terms = terms_for(stored)
    assert record.terms == terms
    assert build_schedule(record.terms) == build_schedule(terms)
    assert record.schedule is not None
    assert differences(record.schedule, build_schedule(record.terms)) == []
    assert record.account_no == account_no


def test_the_demo_set_uses_every_charge_timing_penalty_and_savings_it_claims() -> None:
    """So that the round trip above covers what it should: withheld and upfront fees, an
    insurance premium, both penalty kinds, guarantee savings, both prepayment rules."""
    terms = [
        loan_record(loan, DATA.products[loan["loanProductId"]], DATA.policy).terms
        for loan in DATA.loans.values()
    ]
    assert {c.when.value for t in terms for c in t.charges} == {"deducted", "upfront"}
    assert {c.category.value for t in terms for c in t.charges} == {"fee", "insurance"}
    assert {t.penalty.kind.value for t in terms} == {"none", "fixed", "percent_of_installment"}
    assert any(t.savings.deposit_amount for t in terms)
    assert {t.prepayment.interest.value for t in terms} == {"accrued_to_date", "current_period"}


def test_the_demo_clients_over_http_give_the_loans_and_payments_of_the_database(
    demo_engine: Engine, make_client: Callable[..., FineractClient], fake_fineract: FakeFineract
) -> None:
    fineract = make_client()
    for spec in DEMO_CLIENTS:
        (found,) = fineract.find_clients_by_mobile(spec.phone)
        person = client_record(found)
        assert (person.display_name, person.mobile) == (spec.name, spec.phone)
        assert person.date_of_birth == spec.date_of_birth
        records = []
        for loan_id in loan_ids(fineract.client_accounts(person.id)):
            loan_json = fineract.loan(loan_id)
            product = fineract.loan_product(loan_json["loanProductId"])
            records.append(loan_record(loan_json, product, fake_fineract.data.policy))
        with Session(demo_engine) as session:
            client_id = session.scalars(select(Client.id).filter_by(phone=spec.phone)).one()
            views = client_loans(session, client_id, DEMO_TODAY).loans
        assert [r.account_no for r in records] == [v.account_no for v in views]
        for record, view in zip(records, views, strict=True):
            schedule = build_schedule(record.terms)
            assert schedule == view.schedule
            assert record.payments == view.payments
            standing = loan_status(schedule, engine_payments(record.payments), DEMO_TODAY)
            assert standing == view.standing
