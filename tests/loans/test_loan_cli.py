"""``wazi loan quote`` and ``wazi loan rate``, run as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

WAZI = Path(sys.executable).with_name("wazi")

L4001 = {
    "principal": "30000.00",
    "currency": "INR",
    "disbursement_date": "2026-07-01",
    "first_payment_date": "2026-07-15",
    "frequency": "fortnightly",
    "installments": 24,
    "interest_method": "declining_equal_installment",
    "rate": "26",
    "rate_period": "year",
    "fees": [{"name": "processing", "kind": "fixed", "amount": "354.00", "when": "upfront"}],
    "penalty": {"kind": "fixed", "grace_days": 2, "amount": "100.00"},
}


def wazi(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(WAZI), *args], capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture
def terms_file(tmp_path: Path) -> Path:
    path = tmp_path / "terms.json"
    path.write_text(json.dumps(L4001))
    return path


def test_quote_json_with_payments_and_today(terms_file: Path, tmp_path: Path) -> None:
    first = json.loads(wazi("loan", "quote", str(terms_file), "--json").stdout)
    installment = first["schedule"][0]["total"]
    # Annuity: 30,000 x r / (1 - (1 + r)^-24), r = 26% / 26 = 1% a fortnight: 1,412.20.
    assert installment == "1412.20"
    payments = [{"date": row["due_date"], "amount": row["total"]} for row in first["schedule"][:10]]
    payments[4] = {"date": "2026-09-12", "amount": "1512.20"}  # 3 days late, with the 100 fee
    payments_file = tmp_path / "payments.json"
    payments_file.write_text(json.dumps(payments))

    result = wazi(
        "loan",
        "quote",
        str(terms_file),
        "--payments",
        str(payments_file),
        "--today",
        "2026-11-25",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["status"]["next_due"]["number"] == 11
    assert data["status"]["next_due"]["due_date"] == "2026-12-02"
    assert data["status"]["overdue"] == []
    assert data["status"]["total_due_today"] == "0.00"
    assert data["status"]["outstanding_principal"] == first["schedule"][9]["balance"]
    # 354 paid upfront is 1.18% of 30,000, spread over an average balance of about half the
    # principal for 48 weeks: roughly 2.5 points on top of the 26% nominal rate.
    assert 28 < float(data["apr_percent"]) < 29
    assert float(data["eir_percent"]) > float(data["apr_percent"])


def test_quote_table(terms_file: Path) -> None:
    result = wazi("loan", "quote", str(terms_file), "--today", "2026-11-25")
    assert result.returncode == 0
    assert "1412.20" in result.stdout
    assert "APR" in result.stdout
    assert "overdue: #1 due 2026-07-15" in result.stdout  # nothing paid in this quote


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"principal": "-1"}, "principal"),
        ({"installments": 0}, "installments"),
        ({"frequency": "hourly"}, "frequency"),
        ({"first_payment_date": "2026-02-30"}, "first_payment_date"),
    ],
)
def test_bad_terms_are_one_line_naming_the_field_exit_2(
    tmp_path: Path, change: dict, field: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({**L4001, **change}))
    result = wazi("loan", "quote", str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(f"wazi: error: {field}: ")


def test_missing_key_and_unreadable_files(tmp_path: Path) -> None:
    path = tmp_path / "terms.json"
    path.write_text(json.dumps({k: v for k, v in L4001.items() if k != "currency"}))
    assert wazi("loan", "quote", str(path)).stderr.strip() == "wazi: error: currency: missing"
    path.write_text("{not json")
    assert "not valid JSON" in wazi("loan", "quote", str(path)).stderr
    missing = wazi("loan", "quote", str(tmp_path / "nope.json"))
    assert missing.returncode == 2 and "No such file" in missing.stderr
    # Found by fuzzing the terms parser: each is one line and exit 2, no traceback.
    path.write_bytes(b'{"principal": "\xff"}')
    latin = wazi("loan", "quote", str(path))
    assert latin.returncode == 2 and latin.stderr.strip().endswith("not UTF-8 text")
    path.write_text('{"principal": ' + "9" * 5000 + "}")
    huge = wazi("loan", "quote", str(path))
    assert huge.returncode == 2 and "not usable JSON" in huge.stderr
    assert huge.stderr.splitlines() == [huge.stderr.strip()]


def test_rate_of_period_flows(tmp_path: Path) -> None:
    # 10,000 repaid by 12 monthly payments of 888.49 (1% a month): APR 12.00%, EIR 12.68%.
    flows = [{"amount": "10000", "period": 0}] + [
        {"amount": "-888.49", "period": k} for k in range(1, 13)
    ]
    path = tmp_path / "flows.json"
    path.write_text(json.dumps({"periods_per_year": 12, "flows": flows}))
    result = wazi("loan", "rate", str(path))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert abs(float(data["apr_percent"]) - 12.0) < 0.01
    assert abs(float(data["eir_percent"]) - 12.68) < 0.01
    assert "eir_actual_days_percent" not in data


def test_rate_refuses_flows_with_no_rate(tmp_path: Path) -> None:
    path = tmp_path / "flows.json"
    path.write_text(
        json.dumps(
            {
                "unit_period": "month",
                "flows": [
                    {"amount": "-1", "date": "2026-01-01"},
                    {"amount": "-1", "date": "2026-02-01"},
                ],
            }
        )
    )
    result = wazi("loan", "rate", str(path))
    assert result.returncode == 2
    assert result.stderr.startswith("wazi: error: ")
    assert len(result.stderr.splitlines()) == 1
