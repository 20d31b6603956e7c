"""POST /api/chat and the health routes, through the test client against a fake Rasa."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from bot.web.chat import UNREACHABLE
from tests.channels.fake_telegram import is_ogg_opus

SENDER = "3f2b8c1e-7d4a-4c55-9e1a-0b6e4f2a9d10"


def test_relays_message_and_returns_rasa_messages(client: FlaskClient, fake_rasa) -> None:
    response = client.post("/api/chat", json={"sender": SENDER, "message": "hi there"})

    assert response.status_code == 200
    assert response.get_json() == {
        "messages": [
            {
                "recipient_id": SENDER,
                "text": "Hello",
                "buttons": [
                    {"title": "Yes", "payload": "/affirm"},
                    {"title": "No", "payload": "/deny"},
                ],
            }
        ]
    }
    assert fake_rasa.received == [{"sender": SENDER, "message": "hi there"}]


def test_relays_button_payload(client: FlaskClient, fake_rasa) -> None:
    response = client.post("/api/chat", json={"sender": SENDER, "message": "/affirm"})

    assert response.status_code == 200
    assert response.get_json()["messages"][0]["text"] == "Great, you said yes.\nAnything else?"
    assert fake_rasa.received[-1] == {"sender": SENDER, "message": "/affirm"}


def test_empty_rasa_answer_is_an_empty_list(client: FlaskClient, fake_rasa) -> None:
    fake_rasa.raw_body = "[]"

    response = client.post("/api/chat", json={"sender": SENDER, "message": "hi"})

    assert response.status_code == 200
    assert response.get_json() == {"messages": []}


def test_message_of_exactly_2000_characters_is_accepted(client: FlaskClient) -> None:
    response = client.post("/api/chat", json={"sender": SENDER, "message": "a" * 2000})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        pytest.param({"data": "not json", "content_type": "text/plain"}, "JSON object", id="text"),
        pytest.param(
            {"data": "{broken", "content_type": "application/json"}, "JSON object", id="bad-json"
        ),
        pytest.param({"json": ["a", "list"]}, "JSON object", id="json-list"),
        pytest.param({"json": {"message": "hi"}}, "'sender' is missing", id="no-sender"),
        pytest.param({"json": {"sender": "", "message": "hi"}}, "'sender' is missing", id="empty"),
        pytest.param({"json": {"sender": 12345678, "message": "hi"}}, "'sender'", id="sender-int"),
        pytest.param({"json": {"sender": SENDER}}, "'message' is missing", id="no-message"),
        pytest.param({"json": {"sender": SENDER, "message": ""}}, "'message'", id="empty-msg"),
        pytest.param({"json": {"sender": SENDER, "message": "  \n"}}, "'message'", id="blank"),
        pytest.param({"json": {"sender": SENDER, "message": None}}, "'message'", id="null-msg"),
        pytest.param(
            {"json": {"sender": SENDER, "message": "a" * 2001}}, "at most 2000", id="too-long"
        ),
        pytest.param({"json": {"sender": "short", "message": "hi"}}, "8 to 64", id="sender-short"),
        pytest.param({"json": {"sender": "a" * 65, "message": "hi"}}, "8 to 64", id="sender-long"),
        pytest.param(
            {"json": {"sender": "has space 123", "message": "hi"}}, "8 to 64", id="sender-space"
        ),
        pytest.param(
            {"json": {"sender": "abcdefgh\n", "message": "hi"}}, "8 to 64", id="sender-newline"
        ),
        pytest.param(
            {"json": {"sender": "../../etc/pw", "message": "hi"}}, "8 to 64", id="sender-path"
        ),
    ],
)
def test_bad_requests_get_400_with_a_clear_error(
    client: FlaskClient, fake_rasa, kwargs: dict, error: str
) -> None:
    response = client.post("/api/chat", **kwargs)

    assert response.status_code == 400
    assert error in response.get_json()["error"]
    assert fake_rasa.received == []


def test_body_too_large_gets_json_413(client: FlaskClient) -> None:
    response = client.post("/api/chat", data="x" * 100_000, content_type="application/json")

    assert response.status_code == 413
    assert "error" in response.get_json()


def test_get_on_api_gets_json_405(client: FlaskClient) -> None:
    response = client.get("/api/chat")

    assert response.status_code == 405
    assert "error" in response.get_json()


def test_rasa_unreachable_gives_502_and_logs_no_message_text(
    make_app, closed_port_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_app(closed_port_url).test_client()

    with caplog.at_level(logging.WARNING, logger="bot.web"):
        response = client.post(
            "/api/chat", json={"sender": SENDER, "message": "my secret loan question"}
        )

    assert response.status_code == 502
    assert response.get_json() == {"error": UNREACHABLE}
    assert "ConnectError" in caplog.text
    assert "secret" not in caplog.text
    assert SENDER not in caplog.text


@pytest.mark.parametrize(
    ("status", "raw_body", "reason"),
    [
        pytest.param(500, None, "HTTP 500", id="server-error"),
        pytest.param(200, "<html>oops</html>", "not JSON", id="not-json"),
        pytest.param(200, '{"text": "hi"}', "not a list", id="not-a-list"),
        pytest.param(200, '["hi"]', "not a list", id="list-of-strings"),
    ],
)
def test_rasa_errors_give_502(
    client: FlaskClient,
    fake_rasa,
    caplog: pytest.LogCaptureFixture,
    status: int,
    raw_body: str | None,
    reason: str,
) -> None:
    fake_rasa.status = status
    fake_rasa.raw_body = raw_body

    with caplog.at_level(logging.WARNING, logger="bot.web"):
        response = client.post("/api/chat", json={"sender": SENDER, "message": "hi"})

    assert response.status_code == 502
    assert response.get_json() == {"error": UNREACHABLE}
    assert reason in caplog.text


def test_rasa_too_slow_gives_502(make_app, fake_rasa) -> None:
    fake_rasa.delay = 1.0
    client = make_app(fake_rasa.url, RASA_TIMEOUT=0.2).test_client()

    response = client.post("/api/chat", json={"sender": SENDER, "message": "hi"})

    assert response.status_code == 502
    assert response.get_json() == {"error": UNREACHABLE}


def test_health(client: FlaskClient) -> None:
    response = client.get("/health")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_health_rasa_up(client: FlaskClient) -> None:
    response = client.get("/health/rasa")

    assert response.status_code == 200
    assert response.get_json() == {"rasa": "up"}


def test_health_rasa_down(make_app, closed_port_url: str) -> None:
    response = make_app(closed_port_url).test_client().get("/health/rasa")

    assert response.status_code == 503
    assert response.get_json() == {"rasa": "down"}


# --- Lesson voice notes -----------------------------------------------------------------------

LESSON = "Ukichukua mkopo, unapewa ratiba ya marejesho. Ni jedwali la malipo yako. ▶"
AUDIO_PREFIX = "data:audio/ogg;base64,"


def voice_answer(*customs: dict) -> str:
    """Rasa's answer: the lesson text, then each custom as a message of its own."""
    messages = [{"recipient_id": SENDER, "text": LESSON}]
    messages += [{"recipient_id": SENDER, "custom": custom} for custom in customs]
    return json.dumps(messages)


def test_a_voice_note_comes_back_as_audio_data_with_a_label(
    client: FlaskClient,
    fake_rasa,
    monkeypatch: pytest.MonkeyPatch,
    spoken_voice_notes: list[tuple[str, str, bytes]],
) -> None:
    spoken = spoken_voice_notes
    fake_rasa.raw_body = voice_answer({"wazi_voice": {"text": LESSON, "language": "sw"}})

    response = client.post("/api/chat", json={"sender": SENDER, "message": "/lesson"})

    assert response.status_code == 200
    text, note = response.get_json()["messages"]
    assert text == {"recipient_id": SENDER, "text": LESSON}
    assert set(note) == {"recipient_id", "audio"}  # the custom itself is not passed on
    assert note["audio"]["src"].startswith(AUDIO_PREFIX)
    ogg = base64.b64decode(note["audio"]["src"].removeprefix(AUDIO_PREFIX), validate=True)
    [(said, language, made)] = spoken
    assert (said, language, ogg) == (LESSON, "sw", made)
    assert is_ogg_opus(ogg)
    label = note["audio"]["label"]
    assert label.startswith("Listen to this lesson part: Ukichukua mkopo, unapewa ratiba")
    assert label.endswith("…") and len(label) < len(LESSON) + 30


def test_a_voice_note_keeps_the_other_customs_and_drops_a_malformed_one(
    client: FlaskClient, fake_rasa, caplog: pytest.LogCaptureFixture
) -> None:
    fake_rasa.raw_body = voice_answer(
        {"wazi_voice": {"text": "Habari", "language": "sw"}, "something_else": {"a": 1}},
        {"wazi_voice": {"language": "sw"}},  # no text
    )

    with caplog.at_level(logging.WARNING, logger="bot.web"):
        response = client.post("/api/chat", json={"sender": SENDER, "message": "/lesson"})

    assert response.status_code == 200
    text, note = response.get_json()["messages"]  # the malformed one left nothing to show
    assert text["text"] == LESSON
    assert note["custom"] == {"something_else": {"a": 1}}
    assert note["audio"]["label"] == "Listen to this lesson part: Habari"
    assert "wazi_voice without a text left out" in caplog.text


def test_without_espeak_the_voice_note_is_left_out_and_the_text_stays(
    client: FlaskClient,
    fake_rasa,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # neither espeak-ng nor opusenc here
    fake_rasa.raw_body = voice_answer({"wazi_voice": {"text": LESSON, "language": "sw"}})

    with caplog.at_level(logging.WARNING, logger="bot.channels.custom"):
        response = client.post("/api/chat", json={"sender": SENDER, "message": "/lesson"})

    assert response.status_code == 200
    assert response.get_json() == {"messages": [{"recipient_id": SENDER, "text": LESSON}]}
    assert "No voice note: espeak-ng or opusenc is not installed" in caplog.text


# --- Complaint news after Rasa's answers ------------------------------------------------------


def _complaint_with_news(database_url: str, sender: str) -> str:
    """A web chat's complaint, answered by staff; its ticket number."""
    import datetime as dt

    from bot.complaints import store
    from bot.complaints.rules import Category, Policy, Status
    from bot.db.models import ChatIdentity
    from bot.db.session import make_engine, session_scope

    now = dt.datetime(2026, 11, 26, 9, tzinfo=dt.UTC)
    staff = store.Actor("staff", "wanjiru")
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            person = ChatIdentity(channel="rest", channel_user_id=sender)
            session.add(person)
            session.flush()
            complaint = store.receive(
                session,
                person,
                Category.WRONG_CHARGE,
                "Nilitozwa ada mara mbili.",
                anonymous=False,
                loan=None,
                locale="sw",
                today=dt.date(2026, 11, 25),
                now=now,
                policy=Policy(),
            )
            store.reply(complaint, staff, "Tunaangalia risiti.", now)
            store.change_status(complaint, Status.RESOLVED, staff, now, "Tumerudisha KES 200.")
            return complaint.ticket_no or ""
    finally:
        engine.dispose()


def test_the_clients_next_message_shows_the_complaint_news_once(
    make_app, fake_rasa, migrated_url: str
) -> None:
    from bot.complaints import chat, news
    from bot.i18n import gettext
    from bot.web.dashboard.db import dispose

    ticket = _complaint_with_news(migrated_url, SENDER)
    app = make_app(fake_rasa.url, DATABASE_URL=migrated_url)
    try:
        client = app.test_client()
        first = client.post("/api/chat", json={"sender": SENDER, "message": "/affirm"})
        again = client.post("/api/chat", json={"sender": SENDER, "message": "/affirm"})
    finally:
        dispose(app)

    assert first.status_code == 200
    rasa, reply, answer = first.get_json()["messages"]
    assert rasa["text"] == "Great, you said yes.\nAnything else?"  # Rasa's answers come first
    assert reply == {
        "recipient_id": SENDER,
        "text": gettext("sw", news.REPLY_NEWS) % {"ticket": ticket, "text": "Tunaangalia risiti."},
    }
    assert answer["text"].splitlines()[1] == (
        gettext("sw", chat.ANSWER) % {"resolution": "Tumerudisha KES 200."}
    )
    assert answer["buttons"] == [
        {"title": gettext("sw", chat.SATISFIED), "payload": chat.feedback_payload(ticket, True)},
        {
            "title": gettext("sw", chat.NOT_SATISFIED),
            "payload": chat.feedback_payload(ticket, False),
        },
    ]
    assert again.get_json()["messages"] == [rasa]  # delivered: not said twice


def test_when_the_database_fails_rasas_answers_come_alone_and_the_news_waits(
    make_app, fake_rasa, migrated_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.web.dashboard.db import dispose

    _complaint_with_news(migrated_url, SENDER)
    down = make_app(fake_rasa.url, DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/wazi")
    try:
        with caplog.at_level(logging.WARNING, logger="bot.web"):
            response = down.test_client().post(
                "/api/chat", json={"sender": SENDER, "message": "/deny"}
            )
    finally:
        dispose(down)
    assert response.status_code == 200
    assert response.get_json() == {
        "messages": [{"recipient_id": SENDER, "text": "Alright, maybe later."}]
    }
    assert "complaint news left for later, the database failed (OperationalError)" in caplog.text
    assert SENDER not in caplog.text

    up = make_app(fake_rasa.url, DATABASE_URL=migrated_url)
    try:
        later = up.test_client().post("/api/chat", json={"sender": SENDER, "message": "/deny"})
    finally:
        dispose(up)
    assert len(later.get_json()["messages"]) == 3  # the news waited for this message
