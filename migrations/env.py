"""Alembic's entry point: which database, and which tables the migrations should produce.

The URL comes from the settings (``WAZI_DATABASE_URL``) unless the Alembic config already
carries one (``sqlalchemy.url``), which is how ``bot.db.migrate`` and the tests point it
elsewhere. SQLite cannot alter tables in place, so its migrations run in batch mode.
"""

from __future__ import annotations

import logging
from logging.config import fileConfig

from alembic import context

from bot import settings
from bot.db.models import Base
from bot.db.session import make_engine

logger = logging.getLogger(__name__)

config = context.config
target_metadata = Base.metadata

# Programmatic callers (bot.db.migrate) keep their own logging setup.
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    return config.get_main_option("sqlalchemy.url") or settings.load().database_url


def run_migrations_offline() -> None:
    """Emit the SQL to stdout instead of running it (``alembic upgrade head --sql``)."""
    url = database_url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(database_url())
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=connection.dialect.name == "sqlite",
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
