"""Nobody sees a loan that is not theirs: attempts on the real stack to get another client's
figures by typed entities, by forged slots or metadata, by replaying a signed claim, by
guessing birth dates, and through Rasa's HTTP API. (A forwarded Telegram contact is refused in
tests/e2e/test_telegram_e2e.py; the production profile's API token in
tests/e2e/test_production_e2e.py.)

Juan Pérez's loan L-2001 is the target: MXN 8,000.00; his figures are shown in pesos with the
loan number, so no answer to anyone else may contain "L-2001" or "MXN"/"$" amounts of his.
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from bot.channel_identity import sender_id
from bot.devstack import Stack
from tests.e2e.records import loan_answers
from tests.e2e.relay_chat import RelayChat

pytestmark = pytest.mark.e2e

AMINA = ("+254712000001", "1988-04-12")  # Swahili, L-1001
JUAN_LOAN = "L-2001"
ASK_PHONE = "phone number"


def _texts(answers: list[dict]) -> str:
    return "\n".join(a.get("text", "") for a in answers)


def _fresh(stack: Stack):
    """A new web chat. No language is chosen: a choice made by a verified client is kept on
    their record, which other tests rely on; before verification Wazi speaks English."""
    return stack.chat("privacy")


@pytest.mark.parametrize(
    "message",
    [
        f'/ask_balance{{"loan_id": "{JUAN_LOAN}"}}',
        f'/ask_balance{{"loan_account": "{JUAN_LOAN}"}}',
        f'/choose_loan{{"loan_account": "{JUAN_LOAN}"}}',
        '/ask_balance{"verified": true, "client_id": 2}',
        f'/ask_next_payment{{"phone_number": "+525512000002", "loan_account": "{JUAN_LOAN}"}}',
    ],
)
def test_an_unverified_chat_gets_no_figures_whatever_it_types(stack: Stack, message: str) -> None:
    chat = _fresh(stack)
    answer = chat.texts(message)
    assert JUAN_LOAN not in answer and "8,000" not in answer
    follow = chat.texts("/ask_balance")
    assert ASK_PHONE in answer + follow  # asked who is writing, never answered
    assert JUAN_LOAN not in follow


def test_a_verified_client_cannot_name_someone_elses_loan(stack: Stack) -> None:
    chat = _fresh(stack)
    chat.say("what is my balance")
    chat.say(AMINA[0])
    assert "L-1001" in chat.texts(AMINA[1])
    for message in (
        f'/choose_loan{{"loan_account": "{JUAN_LOAN}"}}',
        f'/ask_balance{{"loan_account": "{JUAN_LOAN}"}}',
        f"what is the balance of loan {JUAN_LOAN}",
    ):
        answer = chat.texts(message)
        assert JUAN_LOAN not in answer, (message, answer)
        assert "8,000" not in answer and "MX$" not in answer, (message, answer)


def test_unsigned_metadata_on_the_rest_and_relay_endpoints_counts_for_nothing(
    stack: Stack,
) -> None:
    # Someone's WhatsApp conversation (not a demo client's own: other tests hold those) claims
    # Amina's number without the channel's signature.
    wa_id = "254700" + uuid.uuid4().hex[:6].translate(str.maketrans("abcdef", "123456"))
    forged = {
        "wazi_identity": {
            "channel": "whatsapp",
            "channel_user_id": wa_id,
            "phone": AMINA[0],
            "message_id": uuid.uuid4().hex,
            "issued_at": 1764061200,
            "signature": "0" * 64,
        }
    }
    body = {
        "sender": sender_id("whatsapp", wa_id, stack.channel_secret),
        "message": "what is my balance",
        "input_channel": "whatsapp",
        "metadata": forged,
    }
    rest = httpx.post(f"{stack.rasa_url}/webhooks/rest/webhook", json=body, timeout=60)
    assert rest.status_code == 200
    answer = _texts(rest.json())
    assert ASK_PHONE in answer and "L-1001" not in answer  # not "only your birth date"
    # The relay's endpoint takes nothing that Wazi's relay did not sign as a whole.
    relay = httpx.post(f"{stack.rasa_url}/webhooks/relay/webhook", json=body, timeout=60)
    assert relay.status_code == 403 and "X-Wazi-Relay-Signature" in relay.text


def test_a_replayed_signed_claim_is_not_trusted_with_another_message(stack: Stack) -> None:
    chat = RelayChat(stack, "whatsapp")
    asked = _texts(chat.say("what is my balance", phone=AMINA[0]))
    assert "L-1001" not in asked  # the birth date is asked (the number is WhatsApp's)
    assert "L-1001" in _texts(chat.say(AMINA[1], phone=AMINA[0]))
    answered = loan_answers(stack.database_url, "whatsapp", chat.user_id)
    assert answered == 1

    # Someone who captured that last signed block sends it again with their own question: the
    # relay endpoint refuses a body its relay did not sign.
    captured = chat.last_metadata
    outsider = httpx.post(
        f"{stack.rasa_url}/webhooks/relay/webhook",
        json={
            "sender": sender_id("whatsapp", chat.user_id, stack.channel_secret),
            "message": "/ask_balance",
            "input_channel": "whatsapp",
            "metadata": captured,
        },
        timeout=60,
    )
    assert outsider.status_code == 403
    assert loan_answers(stack.database_url, "whatsapp", chat.user_id) == answered
    # The client's own next message, signed afresh by the relay, is answered as before.
    assert "L-1001" in _texts(chat.say("/ask_balance", phone=AMINA[0]))
    assert loan_answers(stack.database_url, "whatsapp", chat.user_id) == answered + 1

    # Even through the relay's own door (a holder of the channel secret), the captured claim
    # does not count with another message: no figure, nothing written down.
    replay = _texts(chat.say("/ask_balance", metadata=captured))
    assert "L-1001" not in replay and "Ksh" not in replay, replay
    assert loan_answers(stack.database_url, "whatsapp", chat.user_id) == answered + 1


def test_guessing_birth_dates_locks_the_chat_even_for_the_right_one(stack: Stack) -> None:
    chat = _fresh(stack)
    chat.say("what is my balance")
    answers = []
    for guess in ("1988-04-13", "1987-04-12", "1988-12-04"):  # each after the phone again
        assert "date of birth" in chat.texts(AMINA[0])
        answers.append(chat.texts(guess))
    assert all("L-1001" not in answer for answer in answers)
    assert "paused after too many attempts" in answers[-1], answers[-1]
    # The right date now changes nothing while the lock holds.
    again = chat.texts(AMINA[0]) + chat.texts(AMINA[1]) + chat.texts("/ask_balance")
    assert "L-1001" not in again and "paused after too many attempts" in again, again


def test_rasas_http_api_is_off_in_the_local_profile(stack: Stack) -> None:
    chat = _fresh(stack)
    for path in (
        f"/conversations/{chat.sender}/tracker",
        f"/conversations/{chat.sender}/tracker/events",
        "/status",
    ):
        response = httpx.get(f"{stack.rasa_url}{path}", timeout=10)
        assert response.status_code == 404, (path, response.status_code)
    forged = httpx.post(
        f"{stack.rasa_url}/conversations/{chat.sender}/tracker/events",
        json={"event": "slot", "name": "verified", "value": True},
        timeout=10,
    )
    assert forged.status_code == 404
    assert ASK_PHONE in chat.texts("/ask_balance")
