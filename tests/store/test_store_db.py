"""Database URL from settings, SQLite connection settings, sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from deescalate.errors import Code, ConfigError
from deescalate.settings import Settings
from deescalate.store.db import database_url, make_engine, open_store, session_scope
from deescalate.store.models import Call


def test_db_url_defaults_to_local_sqlite_file() -> None:
    assert Settings().database_url == "sqlite:///deescalate.db"
    assert database_url(Settings.from_env({})) == "sqlite:///deescalate.db"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:////var/lib/deescalate/store.db", "sqlite:////var/lib/deescalate/store.db"),
        ("sqlite://", "sqlite://"),
        ("postgresql+psycopg://app:secret@db:5432/records", "postgresql+psycopg://app:secret@db:5432/records"),
        ("postgresql://app@db/records", "postgresql+psycopg://app@db/records"),  # the driver we ship
        ("postgres://app@db/records", "postgresql+psycopg://app@db/records"),
    ],
)
def test_db_url_from_environment(given: str, expected: str) -> None:
    assert database_url(Settings.from_env({"DEESCALATE_DATABASE_URL": given})) == expected


@pytest.mark.parametrize("given", ["mysql://app:secret@db/records", "oracle://x@y/z", "not a url"])
def test_db_url_refuses_unknown_scheme_in_one_line(given: str) -> None:
    with pytest.raises(ConfigError) as caught:
        database_url(Settings.from_env({"DEESCALATE_DATABASE_URL": given}))
    message = str(caught.value)
    assert caught.value.code is Code.E080
    assert "\n" not in message and "DEESCALATE_DATABASE_URL" in message
    assert "secret" not in message  # passwords are never echoed


def test_db_sqlite_connections_use_wal_foreign_keys_and_normal_sync(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/store.db")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
    finally:
        engine.dispose()


def test_db_session_scope_commits_or_rolls_back(tmp_path: Path) -> None:
    factory = open_store(f"sqlite:///{tmp_path}/store.db")
    at = datetime(2024, 5, 1, 12, tzinfo=UTC)
    with session_scope(factory) as session:
        session.add(Call(number="A1", received_at=at))
    with pytest.raises(RuntimeError), session_scope(factory) as session:
        session.add(Call(number="A2", received_at=at))
        raise RuntimeError("boom")
    with session_scope(factory) as session:
        assert session.scalars(select(Call.number)).all() == ["A1"]
    factory.kw["bind"].dispose()


def test_db_session_scope_without_factory_uses_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEESCALATE_DATABASE_URL", f"sqlite:///{tmp_path}/from-env.db")
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Call)) == 0
    assert (tmp_path / "from-env.db").is_file()


def test_db_postgresql_sessions_speak_utc(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW TIME ZONE")).scalar() == "UTC"
            conn.rollback()
            assert conn.execute(text("SELECT now()")).scalar().utcoffset() == timedelta(0)  # type: ignore[union-attr]
    finally:
        engine.dispose()
