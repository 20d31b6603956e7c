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
    assert loaded.verify_link_code is False
    assert loaded.verify_pin is False


def test_wazi_today_replaces_today(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("WAZI_TODAY", "2026-11-25")
    assert settings.load().today() == dt.date(2026, 11, 25)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), (" Yes ", True), ("1", True), ("ON", True), ("false", False), ("no", False)],
)
def test_the_linking_code_is_the_institutions_choice(
    clean_env: pytest.MonkeyPatch, value: str, expected: bool
) -> None:
    clean_env.setenv("WAZI_VERIFY_LINK_CODE", value)
    assert settings.load().verify_link_code is expected


def test_a_bad_linking_code_choice_says_what_is_expected(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("WAZI_VERIFY_LINK_CODE", "Sometimes")
    with pytest.raises(SettingError) as caught:
        settings.load()
    assert str(caught.value) == "WAZI_VERIFY_LINK_CODE: expected true or false, got 'Sometimes'"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), (" Yes ", True), ("1", True), ("ON", True), ("false", False), ("off", False)],
)
def test_pins_are_the_institutions_choice(
    clean_env: pytest.MonkeyPatch, value: str, expected: bool
) -> None:
    clean_env.setenv("WAZI_VERIFY_PIN", value)
    assert settings.load().verify_pin is expected


def test_a_bad_pin_choice_says_what_is_expected(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("WAZI_VERIFY_PIN", "for some")
    with pytest.raises(SettingError) as caught:
        settings.load()
    assert str(caught.value) == "WAZI_VERIFY_PIN: expected true or false, got 'for some'"


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
        ("WAZI_VERIFY_LINK_CODE", "maybe"),
        ("WAZI_VERIFY_PIN", "2"),
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


FINERACT = {
    "WAZI_LOAN_SOURCE": "fineract",
    "WAZI_FINERACT_URL": "https://mifos.example.org/fineract-provider/api/v1/",
    "WAZI_FINERACT_USERNAME": "wazi",
    "WAZI_FINERACT_PASSWORD": "s3cret",
}


def test_loans_come_from_the_database_unless_fineract_is_chosen(
    clean_env: pytest.MonkeyPatch,
) -> None:
    from bot.loan_source import DatabaseLoans, FineractLoans, loan_source

    default = settings.load()
    assert default.loan_source == "database"
    assert (default.fineract_tenant, default.fineract_timeout) == ("default", 10.0)
    assert isinstance(loan_source(default), DatabaseLoans)
    for name, value in {
        **FINERACT,
        "WAZI_LOAN_SOURCE": " Fineract ",
        "WAZI_FINERACT_TENANT": "mfi",
        "WAZI_FINERACT_TIMEOUT": "2.5",
        "WAZI_FINERACT_DEDUCTED_CHARGES": "301, 302",
        "WAZI_FINERACT_INSURANCE_CHARGES": "303",
    }.items():
        clean_env.setenv(name, value)
    chosen = settings.load()
    assert chosen.loan_source == "fineract"
    assert chosen.fineract_url == "https://mifos.example.org/fineract-provider/api/v1"
    assert (chosen.fineract_tenant, chosen.fineract_timeout) == ("mfi", 2.5)
    assert chosen.fineract_deducted_charges == {301, 302}
    assert chosen.fineract_insurance_charges == {303}
    source = loan_source(chosen)
    assert isinstance(source, FineractLoans)
    assert source.policy.deducted_charge_ids == {301, 302}
    source.fineract.close()


@pytest.mark.parametrize(
    "missing", ["WAZI_FINERACT_URL", "WAZI_FINERACT_USERNAME", "WAZI_FINERACT_PASSWORD"]
)
def test_fineract_without_its_address_or_login_is_named_in_one_line(
    clean_env: pytest.MonkeyPatch, missing: str
) -> None:
    for name, value in FINERACT.items():
        if name != missing:
            clean_env.setenv(name, value)
    with pytest.raises(SettingError) as caught:
        settings.load()
    assert caught.value.name == missing
    assert str(caught.value) == f"{missing}: must be set when WAZI_LOAN_SOURCE is fineract"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WAZI_LOAN_SOURCE", "mambu"),
        ("WAZI_FINERACT_URL", "mifos.example.org"),
        ("WAZI_FINERACT_TIMEOUT", "0"),
        ("WAZI_FINERACT_TIMEOUT", "ten"),
        ("WAZI_FINERACT_DEDUCTED_CHARGES", "301,fee"),
    ],
)
def test_a_bad_fineract_setting_is_named_in_one_line(
    clean_env: pytest.MonkeyPatch, name: str, value: str
) -> None:
    for key, default in FINERACT.items():
        clean_env.setenv(key, default)
    clean_env.setenv(name, value)
    with pytest.raises(SettingError) as caught:
        settings.load()
    assert caught.value.name == name
    assert "\n" not in str(caught.value)


def test_the_fineract_password_is_not_printed(clean_env: pytest.MonkeyPatch) -> None:
    from tests.cli_run import run_wazi

    result = run_wazi("settings", **FINERACT)
    assert result.returncode == 0, result.stderr
    assert "fineract_password = (set)" in result.stdout
    assert "s3cret" not in result.stdout
