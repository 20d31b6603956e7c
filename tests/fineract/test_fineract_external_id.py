"""A client Wazi already knows by the institution's own client number (Fineract's
``externalId``): the identity check takes that row rather than making a mirror, the row keeps
its number, and its loans are found in Fineract by that number."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import Client
from bot.demo import DEMO_CLIENTS
from bot.loan_source import FineractLoans
from tests.conftest import DEMO_TODAY
from tests.fineract.fake_fineract import FakeFineract

AMINA = DEMO_CLIENTS[0]


def test_a_client_known_by_the_institutions_number_is_found_by_it(
    session: Session, make_source: Callable[..., FineractLoans], fake_fineract: FakeFineract
) -> None:
    fineract_id = fake_fineract.data.demo_client_ids[AMINA.phone]
    number = fake_fineract.data.clients[fineract_id]["externalId"]
    known = Client(
        name="Amina N.",
        phone="+254700000000",  # an old number: the row is found by the client number
        date_of_birth=AMINA.date_of_birth,
        locale="sw_KE",
        external_id=number,
    )
    session.add(known)
    session.flush()

    found = make_source().find_client(session, [AMINA.phone], AMINA.date_of_birth)
    assert found is known
    assert (known.external_id, known.phone, known.name) == (number, AMINA.phone, AMINA.name)
    assert session.scalar(select(func.count(Client.id))) == 1

    fresh = make_source()  # another process: it must look the number up in Fineract
    before = len(fake_fineract.requests)
    loans = fresh.client_loans(session, known.id, DEMO_TODAY)
    assert [view.account_no for view in loans.loans] == [loan.account_no for loan in AMINA.loans]
    first, *rest = fake_fineract.requests[before:]
    assert (first.path, first.args.get("externalId")) == ("clients", number)
    assert f"clients/{fineract_id}/accounts" in [seen.path for seen in rest]
