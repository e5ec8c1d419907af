"""The audit trail: an append-only table in which every row carries the hash of the one before it.

``hash = SHA-256(canonical JSON of the row's fields, prev_hash included)``. Ids are consecutive and given here,
and the one ``audit_head`` row holds the first and last id, the count and the last hash, so that ``verify`` names
the first row that was edited (its hash no longer matches), deleted in the middle (a gap in the ids) or at
the end (the head points past the newest row). Appends are serialised so two writers never fork the chain: the
head row is locked first (``SELECT ... FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), and the new row
and the head change in that one transaction.

A hash chain shows tampering by anyone who does not also rewrite every later row and the head; one who can do
that has the database itself. Keeping the head hash that ``verify`` prints somewhere else (a ticket, a log host)
closes that gap: ``verify(expected_head=...)`` checks it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.orm import Session

from deescalate.errors import Code, TamperError
from deescalate.store.db import is_sqlite, within_days
from deescalate.store.models import AuditHead, AuditRow

GENESIS = "0" * 64  # the previous hash of the first row ever written
HEAD_ID = 1
# the fields the hash covers, in the canonical serialisation's (sorted) order
HASHED = ("action", "actor", "at", "detail", "id", "prev_hash", "remote", "role", "status", "target")
VERIFY_BATCH = 1000  # rows read at a time: a years-long log is never loaded whole


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """What happened: who (actor and role), what (action, target, detail, the status answered), from where."""

    action: str
    actor: str | None = None
    role: str | None = None
    target: str | None = None
    remote: str | None = None
    status: int = 0
    detail: Mapping[str, Any] = field(default_factory=dict, hash=False)


def _stamp(at: datetime) -> str:
    """One text for a time whichever database returned it (SQLite gives naive UTC, PostgreSQL aware)."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(values: Mapping[str, Any]) -> str:
    """The row as the hash sees it: its fields as sorted, compact JSON, the time in one fixed form."""
    data = {name: values[name] for name in HASHED}
    data["at"] = _stamp(data["at"])
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def row_hash(values: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(values).encode("utf-8")).hexdigest()


def _values(row: AuditRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in (*HASHED, "hash")}


def _plain(detail: Mapping[str, Any]) -> dict[str, Any]:
    """The detail as JSON gives it back, so the hash computed now is the hash recomputed after a round trip."""
    plain: dict[str, Any] = json.loads(json.dumps(dict(detail), sort_keys=True, default=str, allow_nan=False))
    return plain


def _engine_of(bind: Engine | Connection | Session) -> Engine:
    if isinstance(bind, Session):
        bind = bind.get_bind()
    return bind.engine if isinstance(bind, Connection) else bind


@dataclass(frozen=True, slots=True)
class _Head:
    count: int
    first_id: int
    last_id: int
    base_hash: str
    last_hash: str


def _read_head(conn: Connection, *, lock: bool) -> _Head:
    query = select(AuditHead.count, AuditHead.first_id, AuditHead.last_id, AuditHead.base_hash, AuditHead.last_hash)
    query = query.where(AuditHead.id == HEAD_ID)
    return _Head(*conn.execute(query.with_for_update() if lock else query).one())


def _locked_head(conn: Connection) -> _Head:
    """Begin the one transaction that may change the chain: no other writer gets past here until it ends."""
    if is_sqlite(conn.engine.url):
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock now, before the head is read
    return _read_head(conn, lock=True)


class Chain:
    """The chain inside its one locked transaction (see ``chain``): rows appended or purged here commit together,
    with whatever else the caller does on ``conn``."""

    def __init__(self, conn: Connection, head: _Head) -> None:
        self.conn = conn
        self._head = head

    def append(self, event: AuditEvent, *, at: datetime | None = None) -> dict[str, Any]:
        head = self._head
        values: dict[str, Any] = {
            "id": head.last_id + 1,
            "at": (at or datetime.now(UTC)).astimezone(UTC),
            "actor": event.actor,
            "role": event.role,
            "action": event.action,
            "target": event.target,
            "remote": event.remote,
            "status": event.status,
            "detail": _plain(event.detail),
            "prev_hash": head.last_hash,
        }
        values["hash"] = row_hash(values)
        self.conn.execute(insert(AuditRow).values(values))
        self.conn.execute(
            update(AuditHead)
            .where(AuditHead.id == HEAD_ID)
            .values(last_id=values["id"], last_hash=values["hash"], count=AuditHead.count + 1)
        )
        self._head = _Head(head.count + 1, head.first_id, values["id"], head.base_hash, values["hash"])
        return values

    def drop_before(self, cutoff: datetime) -> int:
        """Delete the run of oldest rows written before CUTOFF and move the head's start to the first row kept
        (so the chain verifies from there). A row older than CUTOFF after a newer one (a clock set back) stays."""
        head = self._head
        newer = self.conn.scalar(select(func.min(AuditRow.id)).where(AuditRow.at >= cutoff))
        last_old = (newer - 1) if newer is not None else head.last_id
        removed = int(self.conn.scalar(select(func.count()).select_from(AuditRow).where(AuditRow.id <= last_old)) or 0)
        if not removed:
            return 0
        kept = self.conn.scalar(select(AuditRow.prev_hash).where(AuditRow.id == last_old + 1))
        base = kept if kept is not None else head.last_hash  # nothing kept: the next row links to the last one
        self.conn.execute(delete(AuditRow).where(AuditRow.id <= last_old))
        self.conn.execute(
            update(AuditHead)
            .where(AuditHead.id == HEAD_ID)
            .values(first_id=last_old + 1, base_hash=base, count=AuditHead.count - removed)
        )
        self._head = _Head(head.count - removed, last_old + 1, head.last_id, base, head.last_hash)
        return removed


@contextmanager
def chain(bind: Engine | Connection | Session) -> Iterator[Chain]:
    """A transaction of its own holding the chain's lock; it commits when the block ends. Open it only after the
    change it records is committed: on SQLite a write still open elsewhere holds the lock this waits for."""
    with _engine_of(bind).connect() as conn:
        yield Chain(conn, _locked_head(conn))
        conn.commit()


def append(bind: Engine | Connection | Session, event: AuditEvent, *, at: datetime | None = None) -> dict[str, Any]:
    """Write EVENT as the next row; returns the row."""
    with chain(bind) as locked:
        return locked.append(event, at=at)


def count_before(bind: Connection | Session, cutoff: datetime) -> int:
    """How many rows a purge with CUTOFF would delete, at most (what a dry run reports)."""
    return int(bind.scalar(select(func.count()).select_from(AuditRow).where(AuditRow.at < cutoff)) or 0)


# --- verification ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Verified:
    """An intact chain: how many rows, which ids, and the head hash to keep elsewhere."""

    rows: int
    first_id: int
    last_id: int
    head_hash: str


def _broken(problem: str, *, row: int, file: str = "audit_log") -> TamperError:
    return TamperError(Code.E139, problem, file=file, where=f"row {row}")


def _rows(session: Session) -> Iterator[AuditRow]:
    after = 0
    while True:
        batch = session.scalars(
            select(AuditRow).where(AuditRow.id > after).order_by(AuditRow.id).limit(VERIFY_BATCH)
        ).all()
        if not batch:
            return
        yield from batch
        after = batch[-1].id
        session.expunge_all()


def _span(first: int, last: int) -> str:
    return f"row {first}" if first == last else f"rows {first}-{last}"


def verify(session: Session, *, expected_head: str | None = None) -> Verified:
    """Check every row and the head; raise TamperError naming the first row that was changed, deleted or added."""
    head = session.get(AuditHead, HEAD_ID)
    if head is None:
        raise _broken("the audit head row is missing", row=HEAD_ID, file="audit_head")
    expected_id, prev, count = head.first_id, head.base_hash, 0
    for row in _rows(session):
        if row.id < expected_id:
            raise _broken(f"audit row {row.id} is older than the oldest row kept ({head.first_id}): added", row=row.id)
        if row.id > expected_id:
            after = f"row {expected_id - 1}" if expected_id > head.first_id else "the start of the log"
            raise _broken(
                f"audit {_span(expected_id, row.id - 1)} deleted: row {row.id} follows {after}", row=expected_id
            )
        if row.id > head.last_id:
            raise _broken(f"audit row {row.id} is past the newest row the head records ({head.last_id})", row=row.id)
        if row_hash(_values(row)) != row.hash:
            raise _broken(f"audit row {row.id} was changed: its hash no longer matches its contents", row=row.id)
        if row.prev_hash != prev:
            if row.id == head.first_id:
                raise _broken(f"audit row {row.id} does not link to the start the head records", row=row.id)
            raise _broken(
                f"audit row {row.id} no longer links to row {row.id - 1}: one of them was changed and its hash "
                "recomputed",
                row=row.id - 1,
            )
        prev, expected_id, count = row.hash, row.id + 1, count + 1
    if expected_id <= head.last_id:
        raise _broken(
            f"audit {_span(expected_id, head.last_id)} deleted: the head records row {head.last_id} as the newest, "
            f"the log ends at row {expected_id - 1}",
            row=expected_id,
        )
    if prev != head.last_hash or count != head.count:
        raise _broken(
            f"the audit head does not match the log: it records {head.count} rows ending in {head.last_hash[:12]}, "
            f"the log has {count} ending in {prev[:12]}",
            row=HEAD_ID,
            file="audit_head",
        )
    if expected_head is not None and expected_head != head.last_hash:
        raise _broken(
            f"the newest hash is {head.last_hash}, not {expected_head} as kept outside: the log was rewritten",
            row=HEAD_ID,
            file="audit_head",
        )
    return Verified(rows=count, first_id=head.first_id, last_id=head.last_id, head_hash=head.last_hash)


# --- search ----------------------------------------------------------------------------------------------------

MAX_PAGE = 500


def search(
    session: Session,
    *,
    actor: str | None = None,
    action: str | None = None,
    target: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Rows newest first. ACTION ending in '.' matches a family ('login.'); dates are UTC days, both included;
    BEFORE_ID pages back from a row."""
    query = select(AuditRow).order_by(AuditRow.id.desc()).limit(max(1, min(limit, MAX_PAGE)))
    if actor:
        query = query.where(AuditRow.actor == actor)
    if action:
        query = query.where(AuditRow.action.startswith(action) if action.endswith(".") else AuditRow.action == action)
    if target:
        query = query.where(AuditRow.target == target)
    query = query.where(*within_days(AuditRow.at, date_from, date_to))
    if before_id:
        query = query.where(AuditRow.id < before_id)
    return [{**_values(row), "at": _stamp(row.at)} for row in session.scalars(query)]


def count_since(
    session: Session, *, action: str, since: datetime, target: str | None = None, remote: str | None = None
) -> int:
    """How many ACTION rows since SINCE, for one target or one address (sign-in throttling reads it)."""
    query = select(func.count()).select_from(AuditRow).where(AuditRow.action == action, AuditRow.at >= since)
    if target is not None:
        query = query.where(AuditRow.target == target)
    if remote is not None:
        query = query.where(AuditRow.remote == remote)
    return int(session.scalar(query) or 0)


def last_at(session: Session, *, actions: tuple[str, ...], target: str) -> datetime | None:
    """When one of ACTIONS last happened to TARGET and was done (a sign-in that worked, an unlock): a request for
    it that was refused (answered 400 or more) does not count."""
    query = select(func.max(AuditRow.at)).where(
        AuditRow.action.in_(actions), AuditRow.target == target, AuditRow.status < 400
    )
    at = session.scalar(query)
    return at if at is None or at.tzinfo else at.replace(tzinfo=UTC)
