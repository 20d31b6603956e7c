"""The ``wazi`` command, run as a user runs it: a separate process with its own environment."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.cli import LESSONS_DIR
from bot.db.models import LinkCode
from bot.db.session import make_engine
from tests.cli_run import WAZI, run_wazi


def test_bad_today_is_one_line_and_exit_2(sqlite_env: dict[str, str]) -> None:
    result = run_wazi("db", "check", **{**sqlite_env, "WAZI_TODAY": "25/11/2026"})
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("wazi: error: WAZI_TODAY")
    assert "25/11/2026" in result.stderr


def test_unreachable_database_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = run_wazi(
        "demo",
        "seed",
        WAZI_DATA_DIR=str(tmp_path),
        WAZI_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/x",
    )
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("wazi: error: WAZI_DATABASE_URL")


def test_unknown_driver_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = run_wazi(
        "db", "check", WAZI_DATA_DIR=str(tmp_path), WAZI_DATABASE_URL="nosuchdb://x/y"
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "wazi: error: WAZI_DATABASE_URL: unsupported database driver 'nosuchdb'"
    ]


def test_demo_seed_migrates_seeds_and_summarises(sqlite_env: dict[str, str]) -> None:
    lesson_files = len(list(LESSONS_DIR.glob("*/*.yml")))
    assert lesson_files >= 60  # 12 lessons in 5 languages
    summary = "demo data: 5 clients, 6 loans, 27 repayments (today 2026-11-25); lessons: "
    first = run_wazi("demo", "seed", **sqlite_env)
    assert first.returncode == 0, first.stderr
    seeded, *passwords = first.stdout.splitlines()
    assert seeded == f"{summary}{lesson_files} added, 0 changed; complaints: 4 added"
    assert [re.sub(r"password \S+ ", "password * ", line) for line in passwords] == [
        "dashboard user staff, password * (shown this once)",
        "dashboard user trainer, password * (shown this once)",
    ]

    again = run_wazi("demo", "seed", **sqlite_env)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == [f"{summary}0 added, 0 changed; complaints: 0 added"]

    check = run_wazi("db", "check", **sqlite_env)
    assert check.returncode == 0, check.stderr
    assert "revision 0010" in check.stdout


def test_db_upgrade_creates_the_schema(sqlite_env: dict[str, str]) -> None:
    result = run_wazi("db", "upgrade", **sqlite_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["database schema at revision 0010"]


def test_settings_markdown_lists_every_setting(sqlite_env: dict[str, str]) -> None:
    from bot.settings import markdown_table

    result = run_wazi("settings", "--markdown", **sqlite_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == markdown_table() + "\n"


def test_settings_shows_values_without_secrets(sqlite_env: dict[str, str]) -> None:
    env = {**sqlite_env, "WAZI_SECRET_KEY": "do-not-print-me"}
    result = run_wazi("settings", **env)
    assert result.returncode == 0, result.stderr
    assert "today_override = 2026-11-25" in result.stdout
    assert "secret_key = (set)" in result.stdout
    assert "do-not-print-me" not in result.stdout


def test_staff_add_and_its_one_line_refusals(sqlite_env: dict[str, str]) -> None:
    def add(username: str, password: str, role: str = "staff") -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(WAZI), "staff", "add", username, "--role", role, "--password-stdin"],
            input=password + "\n",
            capture_output=True,
            text=True,
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith("WAZI_")},
                **sqlite_env,
            },
            check=False,
        )

    added = add("wanjiru", "correct horse battery", "trainer")
    assert (added.returncode, added.stdout) == (0, "staff user wanjiru added (trainer)\n")
    for args, error in [
        (("wanjiru", "another long password"), "username 'wanjiru' is taken"),
        (("bob", "short"), "the password must have at least 10 characters"),
        (("Bad Name", "correct horse battery"), "username 'Bad Name': 2 to 64 lower-case"),
    ]:
        refused = add(*args)
        assert refused.returncode == 2
        assert refused.stderr.splitlines()[-1].startswith(f"wazi: error: {error}")
    wrong_role = add("amina", "correct horse battery", "boss")
    assert wrong_role.returncode == 2 and "'boss' is not one of" in wrong_role.stderr


def test_complaints_sweep_on_an_empty_database(sqlite_env: dict[str, str]) -> None:
    run_wazi("db", "upgrade", **sqlite_env)
    result = run_wazi("complaints", "sweep", **sqlite_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["0 complaints escalated (today 2026-11-25)"]


def test_link_code_issue_prints_a_new_code_once(sqlite_env: dict[str, str]) -> None:
    seeded = run_wazi("demo", "seed", **sqlite_env)
    assert seeded.returncode == 0, seeded.stderr
    result = run_wazi("link-code", "issue", "l-1001", "--by", "wanjiru", **sqlite_env)
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    shown = re.fullmatch(
        r"([2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}) \(for the client of L-1001, valid until "
        r"\d{4}-\d{2}-\d{2}\)",
        line,
    )
    assert shown is not None, line
    again = run_wazi("link-code", "issue", "L-1001", **sqlite_env)
    assert again.returncode == 0, again.stderr
    engine = make_engine(sqlite_env["WAZI_DATABASE_URL"])
    try:
        with Session(engine) as session:
            rows = session.scalars(select(LinkCode).order_by(LinkCode.id)).all()
            assert [(row.issued_by, row.voided_at is None) for row in rows] == [
                ("wanjiru", False),  # the second code replaced it
                ("cli", True),
            ]
            assert all(shown.group(1).replace("-", "") not in row.code_hash for row in rows)
    finally:
        engine.dispose()

    unknown = run_wazi("link-code", "issue", "L-9999", **sqlite_env)
    assert unknown.returncode == 2
    assert unknown.stdout == ""
    assert unknown.stderr.splitlines() == ["wazi: error: no loan has the account number 'L-9999'"]
