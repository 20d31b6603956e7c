"""`make run`'s process list: the channel adapters join only when their settings are set."""

from __future__ import annotations

import pytest

from bot import procfile
from bot.settings import SettingError, load

SECRET = "s" * 32
WHATSAPP = {
    "WAZI_WHATSAPP_TOKEN": "token",
    "WAZI_WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
    "WAZI_WHATSAPP_APP_SECRET": "app-secret",
    "WAZI_WHATSAPP_VERIFY_TOKEN": "verify-me",
}


@pytest.fixture(autouse=True)
def _no_channel_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WAZI_CHANNEL_SECRET", "WAZI_TELEGRAM_TOKEN", *WHATSAPP):
        monkeypatch.delenv(name, raising=False)


def names(text: str) -> list[str]:
    return [line.split(":", 1)[0] for line in text.splitlines()]


def test_without_channel_settings_only_the_core_processes_run() -> None:
    assert names(procfile.procfile(load())) == ["rasa", "actions", "nlg", "web"]


def test_each_channel_joins_when_its_settings_are_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAZI_CHANNEL_SECRET", SECRET)
    monkeypatch.setenv("WAZI_TELEGRAM_TOKEN", "123:abc")
    assert names(procfile.procfile(load()))[4:] == ["telegram"]
    for name, value in WHATSAPP.items():
        monkeypatch.setenv(name, value)
    text = procfile.procfile(load())
    assert names(text)[4:] == ["telegram", "whatsapp"]
    assert "whatsapp: .venv/bin/python -m bot.channels.whatsapp" in text


def test_whatsapp_needs_all_four_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAZI_CHANNEL_SECRET", SECRET)
    for name, value in list(WHATSAPP.items())[:3]:
        monkeypatch.setenv(name, value)
    assert "whatsapp" not in names(procfile.procfile(load()))


def test_a_channel_without_the_signing_secret_is_a_one_line_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WAZI_TELEGRAM_TOKEN", "123:abc")
    with pytest.raises(SettingError, match="WAZI_CHANNEL_SECRET"):
        procfile.procfile(load())
    assert procfile.main() == 2
    assert capsys.readouterr().err.strip().count("\n") == 0


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("WAZI_CHANNEL_SECRET", "short", "at least 32"),
        ("WAZI_TELEGRAM_WEBHOOK_URL", "ftp://example.org/hook", "http(s) URL"),
        ("WAZI_TELEGRAM_WEBHOOK_SECRET", "has spaces in it", "A-Z a-z 0-9"),
        ("WAZI_WHATSAPP_LISTEN", "8001", "host:port"),
    ],
)
def test_bad_channel_settings_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, problem: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingError, match=name) as caught:
        load()
    assert problem in str(caught.value)
