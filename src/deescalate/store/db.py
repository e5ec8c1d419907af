"""Opening the records store: the database URL, the engine, migrations, sessions.

SQLite (a file, or in memory for tests) and PostgreSQL (through psycopg 3) are
supported. Opening a store always brings its schema up to date first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.util import CommandError
from sqlalchemy import ColumnElement, Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from deescalate.errors import Code, ConfigError
from deescalate.settings import PREFIX, Settings, get_settings

# Drivers we install and test; a bare "postgresql://" would pick psycopg2, which we do not ship.
_DRIVERS = {
    "sqlite": "sqlite",
    "sqlite+pysqlite": "sqlite",
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
}


def database_url(settings: Settings | None = None) -> str:
    """The store's URL from settings (DEESCALATE_DATABASE_URL), checked and with our driver filled in."""
    raw = (settings or get_settings()).database_url
    return _checked(raw)


def _checked(raw: str) -> str:
    name = f"{PREFIX}DATABASE_URL"
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError(
            Code.E080, f"{name}={raw!r} is not a database URL; use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB"
        ) from None
    driver = _DRIVERS.get(url.drivername)
    if driver is None:
        shown = url.render_as_string(hide_password=True)
        raise ConfigError(
            Code.E080,
            f"{name}={shown!r}: scheme {url.drivername!r} is not supported; "
            "use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB",
        )
    return url.set(drivername=driver).render_as_string(hide_password=False)


def within_days(column: Any, date_from: date | None, date_to: date | None) -> list[ColumnElement[bool]]:
    """Conditions keeping COLUMN (a UTC time) on the days DATE_FROM to DATE_TO, both included; None is open."""
    conditions = []
    if date_from:
        conditions.append(column >= datetime.combine(date_from, time(), UTC))
    if date_to:
        conditions.append(column < datetime.combine(date_to + timedelta(days=1), time(), UTC))
    return conditions


def is_sqlite(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def is_in_memory(url: str | URL) -> bool:
    """An in-memory SQLite database: each new engine on it would be another, empty database."""
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite connections get WAL, foreign keys and synchronous=NORMAL,
    PostgreSQL connections the UTC time zone."""
    engine = create_engine(_checked(url))
    if is_sqlite(engine.url):
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        event.listen(engine, "connect", _postgresql_utc)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")  # an in-memory database answers "memory": harmless
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _postgresql_utc(dbapi_connection: Any, _record: Any) -> None:
    """Times come back in UTC whatever the server's own zone (every stored time is UTC)."""
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'UTC'")
    dbapi_connection.commit()  # a SET inside a transaction that is rolled back would be undone


def open_store(url: str | None = None) -> sessionmaker[Session]:
    """Open the store at URL (default: from settings), migrate it to the newest schema, return a session factory."""
    engine = make_engine(url or database_url())
    try:
        upgrade(engine)
    except (SQLAlchemyError, CommandError) as exc:
        engine.dispose()
        shown = engine.url.render_as_string(hide_password=True)
        orig = getattr(exc, "orig", None) or exc
        first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
        raise ConfigError(Code.E087, f"cannot open the database {shown}: {first}") from None
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the migrations shipped in this package (no alembic.ini needed).

    The connection, when given, is handed to migrations/env.py through config.attributes,
    so an in-memory SQLite database is migrated on the very connection that uses it.
    """
    config = Config()
    config.set_main_option("script_location", "deescalate.store:migrations")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the migrations up to REVISION (a no-op when the schema is already there)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


@cache
def _default_store(url: str) -> sessionmaker[Session]:
    return open_store(url)


@contextmanager
def session_scope(factory: sessionmaker[Session] | None = None) -> Iterator[Session]:
    """A session that commits when the block ends and rolls back if it raises.

    Without a factory the store named by the settings is opened (once per process).
    """
    session = (factory or _default_store(database_url()))()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
