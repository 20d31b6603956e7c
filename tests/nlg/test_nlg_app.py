"""The NLG endpoint Rasa calls for every response."""

from __future__ import annotations

import pytest

from bot.i18n import gettext
from bot.nlg import create_app
from bot.nlg.responses import Button, Response, load_responses

RESPONSES = {
    "utter_help": Response(
        "I can answer questions about your own loan.",
        (Button("Next payment", "/ask_next_payment"),),
    ),
    "utter_hello_name": Response("Hello {name}, {missing}!"),
}


@pytest.fixture
def client():
    return create_app({"TESTING": True, "RESPONSES": RESPONSES}).test_client()


def _body(response: str, language: str | None = None, **extra):
    return {
        "response": response,
        "arguments": extra.pop("arguments", {}),
        "tracker": {"sender_id": "x", "slots": {"language": language, **extra}},
        "channel": {"name": "rest"},
    }


def test_every_domain_response_is_loaded() -> None:
    responses = load_responses()
    assert "utter_greet" in responses
    assert [b.payload for b in responses["utter_greet"].buttons] == [
        "/ask_next_payment",
        "/ask_balance",
    ]
    assert len(responses["utter_choose_language"].buttons) == 5


@pytest.mark.parametrize("language", ["sw", "fr", "es", "hi"])
def test_real_responses_are_translated(language: str) -> None:
    app = create_app({"TESTING": True})
    english = load_responses()["utter_greet"]
    data = app.test_client().post("/nlg", json=_body("utter_greet", language)).get_json()
    assert data["text"] == gettext(language, english.text)
    assert data["text"] != english.text
    assert data["buttons"][0]["payload"] == "/ask_next_payment"
    assert data["buttons"][0]["title"] != english.buttons[0].title


def test_english_and_unknown_languages_get_the_source_text(client) -> None:
    for language in (None, "en", "xx"):
        data = client.post("/nlg", json=_body("utter_help", language)).get_json()
        assert data["text"] == "I can answer questions about your own loan."


def test_an_argument_language_wins_over_the_slot() -> None:
    app = create_app({"TESTING": True})
    body = _body("utter_greet", "en", arguments={"language": "sw"})
    text = app.test_client().post("/nlg", json=body).get_json()["text"]
    assert text == gettext("sw", load_responses()["utter_greet"].text)


def test_placeholders_filled_from_slots(client) -> None:
    data = client.post("/nlg", json=_body("utter_hello_name", "en", name="Amina")).get_json()
    assert data["text"] == "Hello Amina, !"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (None, 400),
        ({"tracker": {}}, 400),
        ({"response": 5}, 400),
        ({"response": "utter_nope"}, 404),
    ],
)
def test_bad_requests_get_a_clear_4xx(client, body, status) -> None:
    response = (
        client.post("/nlg", json=body)
        if body is not None
        else client.post("/nlg", data="not json", content_type="text/plain")
    )
    assert response.status_code == status
    assert response.get_json()["error"]


def test_health(client) -> None:
    assert client.get("/health").get_json() == {"status": "ok", "responses": 2}
