"""The Alembic migrations build exactly the schema that bot/db/models.py describes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from bot.db.migrate import ALEMBIC_INI, alembic_config, current_revision, upgrade
from bot.db.models import Base
from bot.db.session import make_engine

HEAD = "0010"  # the newest migration


def _schema(engine: Engine) -> dict[str, Any]:
    """Every table's columns and named constraints, as the database reports them."""
    insp = inspect(engine)
    schema = {}
    for table in insp.get_table_names():
        if table == "alembic_version":
            continue
        schema[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(table)
            ],
            "pk": insp.get_pk_constraint(table)["name"],
            "checks": sorted((c["name"], c["sqltext"]) for c in insp.get_check_constraints(table)),
            "uniques": sorted(
                (u["name"], tuple(u["column_names"])) for u in insp.get_unique_constraints(table)
            ),
            "fks": sorted(
                (f["name"], f["referred_table"], f["options"].get("ondelete"))
                for f in insp.get_foreign_keys(table)
            ),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in insp.get_indexes(table)
            ),
        }
    return schema


@pytest.fixture
def other_empty_url(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A second empty database on the same backend as ``db_url``."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path}/other.sqlite3"
    return request.getfixturevalue("postgres_database")()


def test_upgrade_head_leaves_nothing_for_autogenerate(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_upgrade_head_builds_the_same_schema_as_create_all(
    db_url: str, other_empty_url: str
) -> None:
    """Also compares what autogenerate ignores: CHECK constraint names and conditions."""
    upgrade(db_url)
    migrated, created = make_engine(db_url), make_engine(other_empty_url)
    try:
        Base.metadata.create_all(created)
        migrated_schema, created_schema = _schema(migrated), _schema(created)
    finally:
        migrated.dispose()
        created.dispose()
    assert set(migrated_schema) == set(Base.metadata.tables)
    assert migrated_schema == created_schema
    assert ("ck_loan_products_prepayment_fee_kind") in dict(
        migrated_schema["loan_products"]["checks"]
    )


def test_upgrade_is_repeatable_and_downgrade_drops_every_table(db_url: str) -> None:
    upgrade(db_url)
    upgrade(db_url)  # nothing left to do: no error
    engine = make_engine(db_url)
    try:
        assert current_revision(engine) == HEAD
        command.downgrade(alembic_config(db_url), "base")
        assert inspect(engine).get_table_names() == ["alembic_version"]
        assert current_revision(engine) is None
        upgrade(db_url)
        assert set(inspect(engine).get_table_names()) == {*Base.metadata.tables, "alembic_version"}
    finally:
        engine.dispose()


def test_one_linear_history() -> None:
    script = ScriptDirectory.from_config(Config(str(ALEMBIC_INI)))
    assert script.get_heads() == [HEAD]
    assert [rev.revision for rev in script.walk_revisions()] == [
        "0010",
        "0009",
        "0008",
        "0007",
        "0006",
        "0005",
        "0004",
        "0003",
        "0002",
        "0001",
    ]


def test_env_takes_the_url_from_settings_when_the_config_has_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "from-settings.sqlite3"
    monkeypatch.setenv("WAZI_DATABASE_URL", f"sqlite:///{target}")
    config = Config(str(ALEMBIC_INI))
    config.attributes["configure_logger"] = False
    assert not config.get_main_option("sqlalchemy.url")

    command.upgrade(config, "head")

    engine = make_engine(f"sqlite:///{target}")
    try:
        assert current_revision(engine) == HEAD
    finally:
        engine.dispose()


def test_a_url_with_a_percent_sign_survives_the_config_file() -> None:
    url = "postgresql+psycopg://wazi:p%40ss@127.0.0.1/wazi"
    assert alembic_config(url).get_main_option("sqlalchemy.url") == url
