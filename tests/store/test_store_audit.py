"""The audit trail: rows chained by hash, every kind of tampering named by its row, appends that never fork."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from deescalate.errors import Code, TamperError
from deescalate.store import audit
from deescalate.store.audit import GENESIS, AuditEvent

T0 = datetime(2026, 1, 5, 9, 30, 0, 123456, tzinfo=UTC)


def _fill(engine: Engine, n: int = 5) -> list[dict[str, object]]:
    return [
        audit.append(
            engine,
            AuditEvent(
                action="encounter.view" if i % 2 else "login.failed",
                actor=f"user{i % 3}",
                role="supervisor",
                target=f"encounter:{i}",
                remote="10.0.0.7",
                status=200,
                detail={"redact": i % 2 == 0, "filters": {"officer": "olly"}},
            ),
            at=T0 + timedelta(days=i),
        )
        for i in range(n)
    ]


def _tamper(engine: Engine, *statements: str) -> None:
    """What someone with the database's own access can do: switch the append-only trigger off and edit."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_log_append_only"))
        for statement in statements:
            conn.execute(text(statement))


def _verify(factory: sessionmaker[Session], **kw: str) -> audit.Verified:
    with factory() as session:
        return audit.verify(session, **kw)


def test_audit_rows_link_to_the_previous_hash_and_verify(engine: Engine, factory: sessionmaker[Session]) -> None:
    rows = _fill(engine)
    assert [r["id"] for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0]["prev_hash"] == GENESIS
    assert all(later["prev_hash"] == earlier["hash"] for earlier, later in zip(rows, rows[1:], strict=False))
    result = _verify(factory)
    assert (result.rows, result.first_id, result.last_id, result.head_hash) == (5, 1, 5, rows[-1]["hash"])


@pytest.mark.parametrize(
    ("field", "value"),
    [("actor", "someone-else"), ("action", "encounter.export"), ("target", "encounter:99"), ("status", 403),
     ("remote", "10.0.0.8"), ("at", T0 + timedelta(microseconds=1)), ("detail", {"redact": True}),
     ("prev_hash", "f" * 64), ("role", "admin")],
)  # fmt: skip
def test_audit_hash_covers_every_field(field: str, value: object) -> None:
    row = {"id": 1, "at": T0, "actor": "sam", "role": "supervisor", "action": "encounter.view",
           "target": "encounter:1", "remote": "10.0.0.7", "status": 200, "detail": {"redact": False},
           "prev_hash": GENESIS}  # fmt: skip
    assert audit.row_hash({**row, field: value}) != audit.row_hash(row)
    assert audit.row_hash(dict(row)) == audit.row_hash(row)  # the same row hashes the same: the change differs


def test_audit_update_is_refused_by_the_database(engine: Engine) -> None:
    _fill(engine, 2)
    with pytest.raises(DBAPIError) as caught, engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'x' WHERE id = 1"))
    assert "append-only" in str(caught.value)


TAMPERING = [
    # (what was done, the statements, the row the message must name, words it must say)
    ("edit a field", ["UPDATE audit_log SET actor = 'mallory' WHERE id = 3"], 3, "was changed"),
    ("edit the first row", ["UPDATE audit_log SET status = 201 WHERE id = 1"], 1, "was changed"),
    ("delete a middle row", ["DELETE FROM audit_log WHERE id = 3"], 3, "row 4 follows row 2"),
    ("delete two middle rows", ["DELETE FROM audit_log WHERE id IN (2, 3)"], 2, "rows 2-3 deleted"),
    ("delete the last row", ["DELETE FROM audit_log WHERE id = 5"], 5, "the log ends at row 4"),
    ("delete the first row", ["DELETE FROM audit_log WHERE id = 1"], 1, "follows the start of the log"),
    (
        "replace a row's hash",
        ["UPDATE audit_log SET hash = (SELECT hash FROM audit_log WHERE id = 1) WHERE id = 3"],
        3,
        "was changed",
    ),
    ("add a row past the head", ["INSERT INTO audit_log SELECT 6, at, actor, role, action, target, remote, status, "
                                 "detail, prev_hash, hash FROM audit_log WHERE id = 5"], 6, "past the newest"),
    ("move the head", ["UPDATE audit_head SET count = 4"], 1, "head does not match"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "statements", "row", "words"), TAMPERING, ids=[t[0] for t in TAMPERING])
def test_audit_verify_names_the_first_broken_row(
    engine: Engine, factory: sessionmaker[Session], case: str, statements: list[str], row: int, words: str
) -> None:
    _fill(engine)
    _verify(factory)  # intact before
    _tamper(engine, *statements)
    with pytest.raises(TamperError) as caught:
        _verify(factory)
    error = caught.value
    assert error.code is Code.E139 and error.where == f"row {row}", error.one_line()
    assert words in error.detail and "\n" not in error.one_line()


def test_audit_recomputed_row_is_caught_by_the_next_link(engine: Engine, factory: sessionmaker[Session]) -> None:
    rows = _fill(engine)
    forged = {**rows[2], "actor": "mallory"}
    forged_hash = audit.row_hash(forged)  # the tamperer knows the scheme and fixes the row's own hash
    _tamper(engine, f"UPDATE audit_log SET actor = 'mallory', hash = '{forged_hash}' WHERE id = 3")
    with pytest.raises(TamperError) as caught:
        _verify(factory)
    assert caught.value.where == "row 3" and "row 4 no longer links to row 3" in caught.value.detail


def test_audit_whole_rewrite_is_caught_only_by_a_head_kept_elsewhere(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    rows = _fill(engine, 3)
    kept = _verify(factory).head_hash
    # rewrite the last row and the head consistently: the chain itself is whole again
    forged = {**rows[2], "actor": "mallory"}
    forged["hash"] = audit.row_hash(forged)
    _tamper(
        engine,
        f"UPDATE audit_log SET actor = 'mallory', hash = '{forged['hash']}' WHERE id = 3",
        f"UPDATE audit_head SET last_hash = '{forged['hash']}'",
    )
    assert _verify(factory).rows == 3
    with pytest.raises(TamperError, match="rewritten"):
        _verify(factory, expected_head=kept)


def test_audit_two_writers_never_fork_the_chain(engine: Engine, factory: sessionmaker[Session]) -> None:
    per_writer, writers = 25, 3
    start = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(name: str) -> None:
        start.wait()
        try:
            for i in range(per_writer):
                audit.append(engine, AuditEvent(action="encounter.view", actor=name, target=f"encounter:{i}"))
        except BaseException as exc:  # surfaced below: a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(f"w{n}",)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = _verify(factory)
    assert (result.rows, result.last_id) == (per_writer * writers, per_writer * writers)


def _purge(engine: Engine, cutoff: datetime) -> int:
    with audit.chain(engine) as locked:
        removed = locked.drop_before(cutoff)
        locked.append(AuditEvent(action="purge", actor="cli:ops", detail={"audit_rows": removed}))
    return removed


def test_audit_purge_keeps_the_chain_verifiable(engine: Engine, factory: sessionmaker[Session]) -> None:
    _fill(engine)  # rows at T0 + 0..4 days
    cutoff = T0 + timedelta(days=2)
    with factory() as session:
        assert audit.count_before(session, cutoff) == 2
    assert _purge(engine, cutoff) == 2
    result = _verify(factory)
    assert (result.rows, result.first_id, result.last_id) == (4, 3, 6)
    _tamper(engine, "DELETE FROM audit_log WHERE id = 3")  # the new first row is as guarded as any
    with pytest.raises(TamperError, match="follows the start"):
        _verify(factory)


def test_audit_purge_of_every_row_links_the_next_to_the_last(engine: Engine, factory: sessionmaker[Session]) -> None:
    _fill(engine, 3)
    assert _purge(engine, T0 + timedelta(days=30)) == 3
    audit.append(engine, AuditEvent(action="login.success"))
    assert _verify(factory).rows == 2  # the purge row and the one after


def test_audit_purge_keeps_an_old_row_written_after_a_newer_one(engine: Engine, factory: sessionmaker[Session]) -> None:
    _fill(engine, 2)
    audit.append(engine, AuditEvent(action="login.success"), at=T0 - timedelta(days=1))  # the clock set back
    assert _purge(engine, T0 + timedelta(hours=1)) == 1  # row 1 only: row 3 is after row 2, which is kept
    assert _verify(factory).first_id == 2


@pytest.mark.parametrize(
    ("filters", "ids"),
    [
        ({}, [5, 4, 3, 2, 1]),
        ({"actor": "user1"}, [5, 2]),
        ({"actor": "user"}, []),  # a name, not a prefix
        ({"action": "login.failed"}, [5, 3, 1]),
        ({"action": "login."}, [5, 3, 1]),  # a family
        ({"action": "login"}, []),
        ({"target": "encounter:3"}, [4]),
        ({"target": "encounter:"}, []),
        ({"date_from": (T0 + timedelta(days=3)).date()}, [5, 4]),
        ({"date_to": T0.date()}, [1]),
        ({"date_from": date(2026, 1, 7), "date_to": date(2026, 1, 7)}, [3]),
        ({"before_id": 3, "limit": 1}, [2]),
    ],
)
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the queries are plain; PostgreSQL runs the rest
def test_audit_search_filters(engine: Engine, factory: sessionmaker[Session], filters: dict, ids: list[int]) -> None:
    _fill(engine)
    with factory() as session:
        assert [r["id"] for r in audit.search(session, **filters)] == ids
