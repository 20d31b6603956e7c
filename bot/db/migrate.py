"""Bring a database up to the latest schema with Alembic (``alembic upgrade head``)."""

from __future__ import annotations

import logging

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from bot.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"


def alembic_config(url: str) -> Config:
    """Alembic's configuration from the project's alembic.ini, pointed at ``url``."""
    config = Config(str(ALEMBIC_INI))
    # ConfigParser interpolates '%', which URL-encoded passwords contain.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    # Keep the caller's logging; alembic.ini's [loggers] are for the alembic command line.
    config.attributes["configure_logger"] = False
    return config


def upgrade(url: str) -> None:
    """Apply every migration not yet applied to the database at ``url``."""
    logger.info("upgrading the database schema to head")
    command.upgrade(alembic_config(url), "head")


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None for a database never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
