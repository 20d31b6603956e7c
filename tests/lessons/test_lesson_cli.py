"""``wazi lessons import`` and ``wazi lessons export``, run as a user runs them: a separate
process with its own environment, on a SQLite database in a temporary folder."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import func, select

from bot.cli import LESSONS_DIR
from bot.db import models
from bot.db.session import make_engine, session_scope
from bot.lessons.files import read_tree
from tests.cli_run import run_wazi

REPO = Path(__file__).resolve().parents[2]
BROKEN_ARG = "tests/lessons/broken"
IMPORTED = "lessons: 60 added, 0 changed, 0 unchanged (12 lessons)"
UNCHANGED = "lessons: 0 added, 0 changed, 60 unchanged (12 lessons)"


def lesson_rows(env: dict[str, str]) -> int:
    engine = make_engine(env["WAZI_DATABASE_URL"])
    try:
        with session_scope(engine) as session:
            return session.scalar(select(func.count()).select_from(models.Lesson)) or 0
    finally:
        engine.dispose()


def test_import_twice(sqlite_env: dict[str, str]) -> None:
    first = run_wazi("lessons", "import", **sqlite_env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [IMPORTED]
    assert lesson_rows(sqlite_env) == 60

    again = run_wazi("lessons", "import", "--dir", "locales/lessons", **sqlite_env)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == [UNCHANGED]
    assert lesson_rows(sqlite_env) == 60


def test_import_after_demo_seed_changes_nothing(sqlite_env: dict[str, str]) -> None:
    seeded = run_wazi("demo", "seed", **sqlite_env)
    assert seeded.returncode == 0, seeded.stderr
    assert "; lessons: 60 added, 0 changed;" in seeded.stdout.splitlines()[0]
    result = run_wazi("lessons", "import", **sqlite_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [UNCHANGED]


def test_import_of_broken_files_imports_nothing(sqlite_env: dict[str, str]) -> None:
    upgraded = run_wazi("db", "upgrade", **sqlite_env)
    assert upgraded.returncode == 0, upgraded.stderr
    result = run_wazi("lessons", "import", "--dir", BROKEN_ARG, **sqlite_env)
    assert result.returncode == 2
    assert result.stdout == ""
    *problems, last = result.stderr.splitlines()
    assert last == f"wazi: error: {len(problems)} problems in {BROKEN_ARG}; nothing imported"
    assert len(problems) >= 12  # one per mistake in tests/lessons/broken at least
    assert all(re.match(rf"{BROKEN_ARG}/[a-z-]+/[a-z]+\.yml:\d+: lesson ", p) for p in problems)
    assert any(
        p.endswith("quiz[1].answer: 'd' is not one of the choices (a, b, c)") for p in problems
    )
    # the correct files of that folder (every en.yml) were not imported either
    assert lesson_rows(sqlite_env) == 0


def test_import_of_a_missing_folder(sqlite_env: dict[str, str], tmp_path: Path) -> None:
    result = run_wazi("lessons", "import", "--dir", str(tmp_path / "nowhere"), **sqlite_env)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"wazi: error: {tmp_path / 'nowhere'}: no such folder"]


def test_export_writes_files_that_validate(sqlite_env: dict[str, str], tmp_path: Path) -> None:
    imported = run_wazi("lessons", "import", **sqlite_env)
    assert imported.returncode == 0, imported.stderr
    out = tmp_path / "exported"
    result = run_wazi("lessons", "export", str(out), **sqlite_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"60 lesson files written to {out}"]
    files = sorted(p.relative_to(out).as_posix() for p in out.glob("*/*.yml"))
    assert files == sorted(
        p.relative_to(LESSONS_DIR).as_posix() for p in LESSONS_DIR.glob("*/*.yml")
    )

    validated = run_wazi("lessons", "validate", "--dir", str(out))
    assert validated.returncode == 0, validated.stderr
    assert validated.stdout.splitlines() == ["12 lessons, 60 files: all valid"]

    again, problems = read_tree(out)
    shipped, _ = read_tree(LESSONS_DIR)
    assert problems == []
    assert sorted(again, key=lambda l_: (l_.slug, l_.language)) == sorted(
        shipped, key=lambda l_: (l_.slug, l_.language)
    )

    reimported = run_wazi("lessons", "import", "--dir", str(out), **sqlite_env)
    assert reimported.returncode == 0, reimported.stderr
    assert reimported.stdout.splitlines() == [UNCHANGED]


def test_export_of_an_empty_database(sqlite_env: dict[str, str], tmp_path: Path) -> None:
    assert run_wazi("db", "upgrade", **sqlite_env).returncode == 0
    result = run_wazi("lessons", "export", str(tmp_path / "out"), **sqlite_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"0 lesson files written to {tmp_path / 'out'}"]
    assert list((tmp_path).glob("out/*/*.yml")) == []


def test_export_to_an_unwritable_path_is_one_line(
    sqlite_env: dict[str, str], tmp_path: Path
) -> None:
    imported = run_wazi("lessons", "import", **sqlite_env)
    assert imported.returncode == 0, imported.stderr
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    result = run_wazi("lessons", "export", str(blocker / "out"), **sqlite_env)
    assert result.returncode == 2
    assert result.stdout == ""
    # the first lesson (position 1) is the first folder it could not make
    assert result.stderr.splitlines() == [
        f"wazi: error: {blocker / 'out' / 'what-is-interest'}: Not a directory"
    ]
    assert blocker.read_text() == "not a folder\n"
