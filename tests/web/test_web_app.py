"""The app factory, the chat page, and ``python -m bot.web`` start-up errors."""

from __future__ import annotations

import html

import pytest
from flask.testing import FlaskClient

from bot.i18n import gettext
from bot.web import chat_page, create_app
from bot.web.__main__ import main


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No WAZI_* variables from the developer's shell leak into a test."""
    for name in ("WAZI_RASA_URL", "WAZI_TODAY", "WAZI_SECRET_KEY", "WAZI_WEB_PORT"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_factory_reads_settings_from_environment(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("WAZI_RASA_URL", "http://127.0.0.1:5999/")
    clean_env.setenv("WAZI_TODAY", "2026-11-25")
    clean_env.setenv("WAZI_SECRET_KEY", "from-env")

    app = create_app()

    assert app.config["RASA_URL"] == "http://127.0.0.1:5999"
    assert app.config["SECRET_KEY"] == "from-env"
    assert "Demo date: 2026-11-25" in app.test_client().get("/").get_data(as_text=True)


def test_secret_key_is_random_per_app_when_unset(clean_env: pytest.MonkeyPatch) -> None:
    first, second = create_app(), create_app()

    assert first.config["SECRET_KEY"]
    assert first.config["SECRET_KEY"] != second.config["SECRET_KEY"]


def test_test_config_replaces_settings(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("WAZI_TODAY", "not a date")  # would fail if settings were read

    app = create_app({"RASA_URL": "http://127.0.0.1:1", "TESTING": True})

    assert app.config["RASA_URL"] == "http://127.0.0.1:1"
    assert app.testing


def test_page_shows_chat_and_demo_date(client: FlaskClient) -> None:
    response = client.get("/")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "Demo date: 2026-11-25" in html
    assert 'id="message"' in html
    assert 'id="new-conversation"' in html
    assert "/static/chat.js" in html
    assert "/static/chat.css" in html
    assert "http" not in html.replace("http-equiv", "")  # no CDN or other outside links


def test_page_shows_real_date_when_not_overridden(make_app, fake_rasa) -> None:
    client = make_app(fake_rasa.url, TODAY_OVERRIDE=None).test_client()

    html = client.get("/").get_data(as_text=True)

    assert "Demo date" not in html
    assert "Today: " in html


@pytest.mark.parametrize("filename", ["chat.js", "chat.css"])
def test_static_files_are_served(client: FlaskClient, filename: str) -> None:
    response = client.get(f"/static/{filename}")

    assert response.status_code == 200
    assert response.data
    response.close()


def test_main_exits_2_with_one_line_on_bad_setting(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clean_env.setenv("WAZI_WEB_PORT", "eighty")

    assert main() == 2

    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "WAZI_WEB_PORT" in err


@pytest.mark.parametrize(
    ("accept", "language"),
    [
        ("sw-KE,sw;q=0.9,en;q=0.8", "sw"),
        ("fr-SN", "fr"),
        ("de-DE,es;q=0.5", "es"),  # German is not spoken here: the next choice
        ("hi-IN", "hi"),
        ("de-DE", "en"),  # none of Wazi's: English
        ("", "en"),
    ],
)
def test_the_page_speaks_the_browsers_language(
    client: FlaskClient, accept: str, language: str
) -> None:
    page = html.unescape(client.get("/", headers={"Accept-Language": accept}).get_data(True))

    assert f'<html lang="{language}">' in page
    assert f"<title>{gettext(language, chat_page.TITLE)}</title>" in page
    assert gettext(language, chat_page.DEMO_DATE) % {"date": "2026-11-25"} in page
    assert f'placeholder="{gettext(language, chat_page.TYPE_A_MESSAGE)}"' in page
    assert f'data-network-error="{gettext(language, chat_page.NETWORK_ERROR)}"' in page
    assert f'data-server-error="{gettext(language, chat_page.SERVER_ERROR)}"' in page
    assert f">{gettext(language, chat_page.SEND)}</button>" in page
    if language != "en":
        assert chat_page.TYPE_A_MESSAGE not in page and chat_page.SEND not in page
