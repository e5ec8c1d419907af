"""Alembic environment for the records store, run programmatically by deescalate.store.db.upgrade.

The caller passes its open connection in config.attributes["connection"] (so
SQLite files, in-memory SQLite and PostgreSQL all work the same way); without
one, the URL in the sqlalchemy.url option is used (for the alembic command line).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from deescalate.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection in config.attributes and no sqlalchemy.url option")
    from deescalate.store.db import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        run_migrations(conn)
    engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
