"""The Fineract client against the fake server: auth, tenant, retries, errors."""

from __future__ import annotations

import socket
from collections.abc import Callable
from decimal import Decimal

import pytest

from bot.fineract.client import (
    FineractClient,
    FineractNotFound,
    FineractRefused,
    FineractUnavailable,
)
from tests.fineract.fake_fineract import TENANT, USERNAME, Canned, FakeFineract

Make = Callable[..., FineractClient]
AMINA_LOAN = 1010  # L-1001


def test_a_loan_is_read_with_its_associations_auth_and_tenant(
    make_client: Make, fake_fineract: FakeFineract
) -> None:
    loan = make_client().loan(AMINA_LOAN)
    assert loan["accountNo"] == "L-1001"
    assert loan["principal"] == Decimal("50000.00")
    assert isinstance(loan["repaymentSchedule"]["periods"][1]["interestDue"], Decimal)
    assert {"repaymentSchedule", "transactions", "charges"} <= loan.keys()
    (seen,) = fake_fineract.requests_to(f"loans/{AMINA_LOAN}")
    assert seen.args == {"associations": "repaymentSchedule,transactions,charges"}
    assert (seen.tenant, seen.username) == (TENANT, USERNAME)


def test_clients_are_found_by_mobile_through_the_search_api(
    make_client: Make, fake_fineract: FakeFineract
) -> None:
    fineract = make_client()
    (client,) = fineract.find_clients_by_mobile("+254712000001")
    assert client["displayName"] == "Amina Njeri"
    (search,) = fake_fineract.requests_to("search")
    assert search.args == {"query": "712000001", "resource": "clients", "exactMatch": "false"}
    assert fineract.find_clients_by_mobile("+254712000009") == []


def test_a_mobile_number_stored_in_national_form_is_matched(
    make_client: Make, fake_fineract: FakeFineract
) -> None:
    fake_fineract.data.clients[101]["mobileNo"] = "0712000001"
    (client,) = make_client().find_clients_by_mobile("+254712000001")
    assert client["id"] == 101


def test_a_client_by_external_id_is_an_exact_match(make_client: Make) -> None:
    fineract = make_client()
    client = fineract.client_by_external_id("WAZI-DEMO-103")
    assert client is not None and client["displayName"] == "Aïssatou Diop"
    assert fineract.client_by_external_id("WAZI-DEMO-10") is None  # Fineract's LIKE matches 5


def test_products_accounts_and_currencies_are_read(make_client: Make) -> None:
    fineract = make_client()
    assert [a["accountNo"] for a in fineract.client_accounts(105)["loanAccounts"]] == [
        "L-5001",
        "L-5002",
    ]
    assert fineract.loan_product(1)["name"] == "Income Generating Loan"
    places = {c["code"]: c["decimalPlaces"] for c in fineract.currencies()}
    assert places["XOF"] == 0 and places["KES"] == 2


def test_wrong_credentials_are_refused_without_the_password_in_the_message(
    make_client: Make, fake_fineract: FakeFineract
) -> None:
    with pytest.raises(FineractRefused) as error:
        make_client(password="not-the-Secret-42").loan(AMINA_LOAN)
    message = str(error.value)
    assert error.value.status == 401
    assert "not-the-Secret-42" not in message and "\n" not in message
    assert message == (
        f"Fineract loans/{AMINA_LOAN}: HTTP 401, the credentials were refused: "
        "Unauthenticated. Please login."
    )
    assert len(fake_fineract.requests) == 1  # never retried


def test_a_wrong_tenant_is_refused(make_client: Make) -> None:
    with pytest.raises(FineractRefused) as error:
        make_client(tenant="other").client(101)
    assert error.value.status == 400
    assert "Fineract-Platform-TenantId" in (error.value.user_message or "")


def test_a_400_envelope_carries_the_user_message_and_the_parameters(
    make_client: Make, fake_fineract: FakeFineract
) -> None:
    fake_fineract.script(Canned.envelope("error_validation_400_apidoc.json"))
    with pytest.raises(FineractRefused) as error:
        make_client().client(101)
    assert error.value.status == 400
    assert error.value.user_message == "Validation errors exist."
    assert error.value.parameters == ("name", "openingDate", "parentId")
    assert str(error.value).endswith("(parameters: name, openingDate, parentId)")
    assert len(fake_fineract.requests) == 1


def test_a_missing_resource_is_not_found_and_not_retried(
    make_client: Make, fake_fineract: FakeFineract
) -> None:
    with pytest.raises(FineractNotFound, match="loans/999: not found"):
        make_client().loan(999)
    assert len(fake_fineract.requests) == 1


def test_a_timeout_is_retried_with_backoff_then_unavailable(
    make_client: Make, fake_fineract: FakeFineract
) -> None:
    fake_fineract.delay = 2.0
    fineract = make_client(timeout=0.2, retries=2, backoff=0.25)
    with pytest.raises(FineractUnavailable) as error:
        fineract.loan(AMINA_LOAN)
    assert str(error.value) == f"Fineract loans/{AMINA_LOAN}: timed out after 3 attempts"
    assert len(fake_fineract.requests_to(f"loans/{AMINA_LOAN}")) == 3
    assert make_client.sleeps == [0.25, 0.5]  # type: ignore[attr-defined]


def test_503_then_502_then_success_is_retried_to_the_answer(
    make_client: Make, fake_fineract: FakeFineract
) -> None:
    fake_fineract.script(Canned(503, "Service Unavailable", "text/plain"), Canned(502, ""))
    assert make_client().loan(AMINA_LOAN)["id"] == AMINA_LOAN
    assert len(fake_fineract.requests) == 3
    assert make_client.sleeps == [0.01, 0.02]  # type: ignore[attr-defined]


def test_5xx_on_every_attempt_is_unavailable(
    make_client: Make, fake_fineract: FakeFineract
) -> None:
    fake_fineract.script(*[Canned(504, "")] * 3)
    with pytest.raises(FineractUnavailable, match="HTTP 504 after 3 attempts"):
        make_client().client(101)
    assert len(fake_fineract.requests) == 3


def test_a_500_is_unavailable_at_once(make_client: Make, fake_fineract: FakeFineract) -> None:
    fake_fineract.script(Canned(500, "{}"))
    with pytest.raises(FineractUnavailable, match="HTTP 500"):
        make_client().client(101)
    assert len(fake_fineract.requests) == 1


@pytest.mark.parametrize(
    ("body", "problem"),
    [("<html>Bad gateway</html>", "the body is not JSON"), ("[1, 2]", "expected a JSON object")],
)
def test_a_malformed_body_is_unavailable(
    make_client: Make, fake_fineract: FakeFineract, body: str, problem: str
) -> None:
    fake_fineract.script(Canned(200, body))
    with pytest.raises(FineractUnavailable, match=problem):
        make_client().loan(AMINA_LOAN)


def test_an_unreachable_server_is_unavailable_after_the_retries() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps: list[float] = []
    with (
        FineractClient(
            f"http://127.0.0.1:{port}/fineract-provider/api/v1",
            TENANT,
            USERNAME,
            "password",
            timeout=1.0,
            backoff=0.01,
            sleep=sleeps.append,
        ) as fineract,
        pytest.raises(FineractUnavailable) as error,
    ):
        fineract.client(101)
    assert str(error.value) == "Fineract clients/101: unreachable (ConnectError) after 3 attempts"
    assert sleeps == [0.01, 0.02]
