"""The settings module: defaults, one-line errors naming the setting, and the README table."""

from __future__ import annotations

import datetime as dt

import pytest

from bot import settings
from bot.settings import PROJECT_ROOT, SettingError


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for setting in settings.SETTINGS:
        monkeypatch.delenv(setting.name, raising=False)
    return monkeypatch


def test_defaults(clean_env: pytest.MonkeyPatch) -> None:
    loaded = settings.load()
    assert loaded.database_url == f"sqlite:///{PROJECT_ROOT / 'data' / 'wazi.sqlite3'}"
    assert loaded.today_override is None
    assert loaded.today() == dt.date.today()
    assert (loaded.actions_port, loaded.web_port) == (5055, 8000)
    assert loaded.rasa_url == "http://127.0.0.1:5005"
    assert (loaded.verify_max_failures, loaded.verify_lock_minutes) == (3, 15)


def test_wazi_today_replaces_today(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("WAZI_TODAY", "2026-11-25")
    assert settings.load().today() == dt.date(2026, 11, 25)


def test_data_dir_moves_the_default_database(clean_env: pytest.MonkeyPatch, tmp_path) -> None:
    clean_env.setenv("WAZI_DATA_DIR", str(tmp_path))
    assert settings.load().database_url == f"sqlite:///{tmp_path / 'wazi.sqlite3'}"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WAZI_TODAY", "25/11/2026"),
        ("WAZI_TODAY", "2026-02-30"),
        ("WAZI_DATABASE_URL", "wazi.sqlite3"),
        ("WAZI_RASA_URL", "localhost:5005"),
        ("WAZI_ACTIONS_PORT", "fifty"),
        ("WAZI_WEB_PORT", "70000"),
        ("WAZI_VERIFY_MAX_FAILURES", "0"),
        ("WAZI_PHONE_REGIONS", "KEN"),
        ("WAZI_LOG_LEVEL", "LOUD"),
        ("WAZI_COMPLAINT_ESCALATE", "fraud,theft"),
        ("WAZI_COMPLAINT_ESCALATE", ","),
    ],
)
def test_a_bad_setting_is_named_in_one_line(
    clean_env: pytest.MonkeyPatch, name: str, value: str
) -> None:
    clean_env.setenv(name, value)
    with pytest.raises(SettingError) as caught:
        settings.load()
    assert caught.value.name == name
    message = str(caught.value)
    assert message.startswith(f"{name}: ")
    assert "\n" not in message


def test_readme_settings_table_is_the_generated_one() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert settings.markdown_table() in readme
    for setting in settings.SETTINGS:
        assert f"`{setting.name}`" in readme


def test_complaint_escalation_is_the_institutions_choice(clean_env: pytest.MonkeyPatch) -> None:
    from bot.complaints.rules import Category

    default = settings.load().complaint_policy()
    assert default.escalate_at_once == {Category.HARASSMENT, Category.FRAUD, Category.PRIVACY}
    clean_env.setenv("WAZI_COMPLAINT_ESCALATE", " Fraud , insurance ")
    chosen = settings.load().complaint_policy()
    assert chosen.escalate_at_once == {Category.FRAUD, Category.INSURANCE}
    clean_env.setenv("WAZI_COMPLAINT_ESCALATE", "none")
    assert settings.load().complaint_policy().escalate_at_once == frozenset()
    clean_env.setenv("WAZI_COMPLAINT_ESCALATE", "theft")
    with pytest.raises(SettingError, match="unknown complaint category 'theft'; use "):
        settings.load()
