"""The real Rasa server and action server reading loans from Fineract (issue 8), end to end.

A second stack runs with ``WAZI_LOAN_SOURCE=fineract`` against the fake Fineract server of
tests/fineract, served on loopback by a thread of this test process (its own work folder and
database; the seeded demo rows there are taken over as the Fineract clients' mirrors). Each
demo client, in their own language, verifies with phone and date of birth and asks next
payment, balance, overdue amount and total cost (APR and effective rate) on both stacks: every
answer from Fineract is the built-in database's answer, text for text, and the loans were read
from the fake. While the fake answers 503 to everything, a new conversation gets "I can't see
your loan right now" in the client's language and no figure.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.models import Client
from bot.db.session import make_engine, session_scope
from bot.demo import DEMO_CLIENTS
from bot.devstack import Chat, Stack, StackError, wazi_stack
from bot.i18n import gettext, money, percent, reply_locale
from bot.loan_answers import ClientLoans, client_loans
from bot.loan_source import UNAVAILABLE
from bot.loans.cost import loan_rates
from bot.training import model_path
from tests.fineract.fake_fineract import API, PASSWORD, TENANT, USERNAME, FakeFineract
from tests.web.conftest import serve

pytestmark = pytest.mark.e2e

TODAY = dt.date(2026, 11, 25)  # bot.devstack.DEMO_TODAY, the stacks' WAZI_TODAY
CLIENTS = [
    # phone, birth date as typed, language, first question in the client's own words
    ("+254712000001", "12/04/1988", "sw", "rejesho langu lijalo ni lini"),
    ("+525512000002", "30/11/1979", "es", "cuando es mi proximo pago"),
    ("+221770000003", "1992-02-20", "fr", "quand est mon prochain paiement"),
    ("+919812000004", "07/07/1985", "hi", "meri agli kist kab hai"),
    ("+256772000005", "1990-12-01", "en", "when is my next payment"),
]
FOLLOW_UPS = ["/ask_balance", "/ask_overdue", "/ask_total_cost"]  # total cost: APR and EIR


class Outage:
    """The fake behind a switch: while ``down``, every request is answered 503."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self.down = threading.Event()
        self.refused: list[str] = []  # the path of each request answered 503

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not self.down.is_set():
            return self.app(environ, start_response)
        self.refused.append(environ.get("PATH_INFO", ""))
        start_response("503 SERVICE UNAVAILABLE", [("Content-Type", "text/html")])
        return [b"<html><body>503 Service Unavailable</body></html>"]


@pytest.fixture(scope="module")
def fake() -> FakeFineract:
    return FakeFineract(TODAY)


@pytest.fixture(scope="module")
def outage(fake: FakeFineract) -> Outage:
    return Outage(fake.app)


@pytest.fixture(scope="module")
def fineract_stack(
    fake: FakeFineract, outage: Outage, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """Actions, NLG and Rasa with the loan source Fineract: the fake, on loopback."""
    work = tmp_path_factory.mktemp("fineract-stack")
    policy = fake.data.policy
    with serve(outage) as base:
        env = {
            "WAZI_LOAN_SOURCE": "fineract",
            "WAZI_FINERACT_URL": base + API,
            "WAZI_FINERACT_TENANT": TENANT,
            "WAZI_FINERACT_USERNAME": USERNAME,
            "WAZI_FINERACT_PASSWORD": PASSWORD,
            "WAZI_FINERACT_TIMEOUT": "5",
            "WAZI_FINERACT_INSURANCE_CHARGES": _ids(policy.insurance_charge_ids),
            "WAZI_FINERACT_DEDUCTED_CHARGES": _ids(policy.deducted_charge_ids),
        }
        try:
            with wazi_stack(model_path(), work, env=env) as running:
                yield running
        except StackError as exc:
            pytest.fail(str(exc))
        finally:
            fake.close()


def _ids(ids: Iterable[int]) -> str:
    return ",".join(str(i) for i in sorted(ids))


def _messages(replies: list[dict]) -> list[tuple[str, list[str]]]:
    """What the client sees of a turn: each message's text and its buttons' payloads, but for
    a lesson offered after an answer: that depends on the lessons the client has finished on
    that stack (tests/e2e/test_lessons_e2e.py takes some on the shared ``stack``)."""
    seen = [(m.get("text", ""), [b["payload"] for b in m.get("buttons", [])]) for m in replies]
    return [(text, buttons) for text, buttons in seen if not _offers_lesson(buttons)]


def _offers_lesson(payloads: list[str]) -> bool:
    return any(payload.startswith("/lesson_open") for payload in payloads)


def _database_loans(stack: Stack, phone: str) -> ClientLoans:
    engine = make_engine(stack.database_url)
    try:
        with session_scope(engine) as session:
            client = session.scalars(select(Client).where(Client.phone == phone)).one()
            return client_loans(session, client.id, TODAY)
    finally:
        engine.dispose()


@pytest.mark.parametrize(("phone", "born", "language", "question"), CLIENTS)
def test_a_demo_client_gets_the_same_answers_from_fineract_as_from_the_database(
    stack: Stack,
    fineract_stack: Stack,
    fake: FakeFineract,
    phone: str,
    born: str,
    language: str,
    question: str,
) -> None:
    ours, theirs = stack.chat("db"), fineract_stack.chat("fineract")

    def both(text: str) -> list[dict]:
        """Say ``text`` on both stacks: the same messages must come back, text and buttons.
        The built-in database's replies are returned."""
        want, got = ours.say(text), theirs.say(text)
        assert got and want, text
        assert _messages(got) == _messages(want), text
        return want

    loans_before = len(fake.requests_to(f"clients/{fake.data.demo_client_ids[phone]}/accounts"))
    both("/choose_language" + json.dumps({"language": language}))
    both(question)  # the phone number question, in that language
    both(phone)  # the date of birth question
    replies = both(born)  # the next payment, or which loan (Grace has two)
    if replies[0].get("buttons"):
        replies = both(replies[0]["buttons"][0]["payload"])
    next_payment = replies[0]["text"]
    answers = [both(payload)[0]["text"] for payload in FOLLOW_UPS]

    # The Fineract stack read this client's loans from the fake, not from its own tables.
    loan_reads = fake.requests_to(f"clients/{fake.data.demo_client_ids[phone]}/accounts")
    assert len(loan_reads) > loans_before
    unavailable = gettext(language, UNAVAILABLE)
    assert all(unavailable not in text for text in [next_payment, *answers])

    # And the answers carry the loan engine's figures: the next installment, the EIR.
    loans = _database_loans(stack, phone)
    account = next(v.account_no for v in loans.loans if v.account_no in next_payment)
    view = loans.find(account)
    locale = reply_locale(language, loans.locale)
    assert money(view.standing.next_due.remaining, view.currency, locale) in next_payment
    assert percent(loan_rates(view.schedule).eir_percent, locale) in answers[-1]


@pytest.mark.parametrize(("phone", "born", "language", "question"), CLIENTS)
def test_while_fineract_answers_503_the_client_is_told_their_loan_cannot_be_seen(
    stack: Stack,
    fineract_stack: Stack,
    outage: Outage,
    phone: str,
    born: str,
    language: str,
    question: str,
) -> None:
    chat: Chat = fineract_stack.chat("fineract-down")
    chat.say("/choose_language" + json.dumps({"language": language}))
    chat.say(question)
    chat.say(phone)
    outage.down.set()
    try:
        refused_before = len(outage.refused)
        replies = chat.say(born)
        refused = len(outage.refused) - refused_before
    finally:
        outage.down.clear()

    unavailable = gettext(language, UNAVAILABLE)
    if language != "en":
        assert unavailable != UNAVAILABLE  # translated: the catalog was read
    texts = [m.get("text", "") for m in replies]
    assert unavailable in texts
    assert refused == 3  # the search, retried twice, and nothing after it
    # No figure: none of the client's amounts, currency or account numbers appears.
    loans = _database_loans(stack, phone)
    locale = reply_locale(language, loans.locale)
    said = "\n".join(texts)
    for view in loans.loans:
        assert view.account_no not in said
        assert view.currency not in said
        assert money(view.standing.next_due.remaining, view.currency, locale) not in said
    spec = next(c for c in DEMO_CLIENTS if c.phone == phone)
    assert spec.name not in said
    log = fineract_stack.servers["actions"].log.read_text(errors="replace")
    assert "identity check not possible, loan source unavailable" in log
