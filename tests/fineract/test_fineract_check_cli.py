"""``wazi fineract check`` run as a user runs it, against the fake Fineract server."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.demo import DEMO_CLIENTS
from tests.cli_run import run_wazi
from tests.fineract.fake_fineract import PASSWORD, TENANT, USERNAME, FakeFineract


@pytest.fixture
def check_env(fineract_url: str, fake_fineract: FakeFineract, tmp_path: Path) -> dict[str, str]:
    policy = fake_fineract.data.policy
    return {
        "WAZI_DATA_DIR": str(tmp_path),
        "WAZI_TODAY": "2026-11-25",
        "WAZI_FINERACT_URL": fineract_url,
        "WAZI_FINERACT_TENANT": TENANT,
        "WAZI_FINERACT_USERNAME": USERNAME,
        "WAZI_FINERACT_PASSWORD": PASSWORD,
        "WAZI_FINERACT_DEDUCTED_CHARGES": ",".join(map(str, policy.deducted_charge_ids)),
        "WAZI_FINERACT_INSURANCE_CHARGES": ",".join(map(str, policy.insurance_charge_ids)),
    }


def test_the_check_says_what_wazi_sees_with_personal_data_masked(
    check_env: dict[str, str],
) -> None:
    result = run_wazi("fineract", "check", **check_env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"Fineract reachable: {check_env['WAZI_FINERACT_URL']} (tenant {TENANT}, user {USERNAME})"
    )
    assert lines[1:3] == ["clients visible: 7", "active loans visible: 8 (of 8 loans)"]
    # The two captured samples use what Wazi refuses to guess: each is named, then skipped.
    assert lines[3].startswith("loan id 1: Wazi cannot read it: Fineract charges: ")
    assert lines[4] == "loan id 29: Wazi cannot read it: Fineract loanproducts/3: not found"
    assert lines[5] == (
        "sample loan: ****01, client A. N., KES, principal KES50,000.00, 12 installments, "
        "next due 2026-12-01"
    )
    amina = DEMO_CLIENTS[0]
    assert amina.name not in result.stdout and "L-1001" not in result.stdout
    assert PASSWORD not in result.stdout


def test_refused_credentials_are_one_line_and_exit_2(check_env: dict[str, str]) -> None:
    result = run_wazi("fineract", "check", **{**check_env, "WAZI_FINERACT_PASSWORD": "wrong"})
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "wazi: error: Fineract clients: HTTP 401, the credentials were refused: "
        "Unauthenticated. Please login."
    ]
    assert "wrong" not in result.stderr


def test_a_wrong_tenant_is_one_line_and_exit_2(check_env: dict[str, str]) -> None:
    result = run_wazi("fineract", "check", **{**check_env, "WAZI_FINERACT_TENANT": "other"})
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("wazi: error: Fineract clients: HTTP 400, ")


def test_unreachable_fineract_is_one_line_and_exit_1(check_env: dict[str, str]) -> None:
    closed = {**check_env, "WAZI_FINERACT_URL": "http://127.0.0.1:1/fineract-provider/api/v1"}
    result = run_wazi("fineract", "check", **closed)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "wazi: error: Fineract clients: unreachable (ConnectError) after 3 attempts"
    ]


def test_a_missing_setting_is_named(check_env: dict[str, str]) -> None:
    result = run_wazi("fineract", "check", **{**check_env, "WAZI_FINERACT_USERNAME": ""})
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "wazi: error: WAZI_FINERACT_USERNAME: must be set to check Fineract"
    ]
