"""The shipped migrations build exactly the schema of store/models.py, and running them again changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, func, inspect, select, text

from deescalate.errors import Code, ConfigError
from deescalate.store.db import alembic_config, make_engine, open_store, upgrade
from deescalate.store.models import Base, Call

TABLES = {"premises", "calls", "persons", "call_persons", "flags", "users", "encounters", "findings", "reviews"}
TABLES |= {"jobs", "briefings", "briefing_points", "briefing_reviews", "training_sessions", "training_turns"}
TABLES |= {"originals", "api_tokens", "audit_log", "audit_head"}
TABLES |= {"batch_items"}


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        return list(compare_metadata(context, Base.metadata))


def test_migrations_schema_matches_models(db_url: str) -> None:
    factory = open_store(db_url)
    engine = factory.kw["bind"]
    try:
        assert _differences(engine) == []
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()


def test_migrations_head_is_the_only_revision_chain() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
    assert script.get_revision("0001").down_revision is None


def test_migrations_idempotent(db_url: str) -> None:
    first = open_store(db_url)
    with first.begin() as session:
        session.add(Call(number="24-1", received_at=datetime(2024, 1, 1, tzinfo=UTC)))
    first.kw["bind"].dispose()

    again = open_store(db_url)  # second run: nothing to do, data kept
    engine = again.kw["bind"]
    try:
        upgrade(engine)  # and a third
        with engine.connect() as conn:
            head = ScriptDirectory.from_config(alembic_config()).get_current_head()
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [head]
        with again() as session:
            assert session.scalar(select(func.count()).select_from(Call)) == 1
        assert _differences(engine) == []
    finally:
        engine.dispose()


def test_migrations_downgrade_to_base_and_up_again(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "base")
        assert not TABLES & set(inspect(engine).get_table_names())
        upgrade(engine)
        assert _differences(engine) == []
    finally:
        engine.dispose()


def test_migrations_in_memory_sqlite() -> None:
    factory = open_store("sqlite://")
    with factory() as session:  # the same in-memory database the migrations ran on
        assert session.scalar(select(func.count()).select_from(Call)) == 0
    assert _differences(factory.kw["bind"]) == []


def test_migrations_unknown_revision_is_one_line_config_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/newer.db"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(ConfigError) as caught:
        open_store(url)
    assert caught.value.code is Code.E087
    assert "\n" not in str(caught.value) and "newer.db" in str(caught.value)


def test_migrations_audit_revision_keeps_what_is_stored(db_url: str) -> None:
    """0007 adds its columns in place: encounters, findings, reviews and jobs stored before it all stay."""
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0005_jobs")
        now = datetime(2026, 1, 1, tzinfo=UTC)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (id, username, role, password_hash, created_at) "
                    "VALUES (1, 'sam', 'admin', 'x', :t)"
                ),
                {"t": now},
            )
            conn.execute(
                text(
                    "INSERT INTO encounters (id, uploaded_by, encounter, source_name, created_at, status) "
                    "VALUES (1, 'sam', '{}', 'e.json', :t, 'analysed')"
                ),
                {"t": now},
            )
            conn.execute(
                text(
                    "INSERT INTO findings (id, encounter_id, record, label, checklist_item, utterance_id, status) "
                    "VALUES (1, 1, '{}', 'command', 'C3', 'u1', 'confirmed')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO reviews (finding_id, reviewer, decision, comment, at) "
                    "VALUES (1, 'sam', 'confirm', '', :t)"
                ),
                {"t": now},
            )
        upgrade(engine)
        with engine.connect() as conn:
            counts = [
                conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                for t in ("users", "encounters", "findings", "reviews")
            ]  # noqa: S608
            assert counts == [1, 1, 1, 1]
            assert conn.execute(text("SELECT source_sha256 FROM encounters")).scalar() is None
            assert conn.execute(text("SELECT count, last_id FROM audit_head")).one() == (0, 0)
    finally:
        engine.dispose()
