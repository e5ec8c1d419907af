"""The batch's record in the store (table ``batch_items``): which work is done, failed, or held by a running batch.

Only the batch process writes here, never its workers. An item is claimed (a row in state ``running``, its
``attempts`` counted up) before it is handed to a worker, and its encounter is stored in the same transaction that
marks it ``done``, so a batch killed at any moment leaves each item either stored once or still to do:

- a ``running`` row whose batch process is gone (same host, process ended) or whose lease ran out (another host
  that stopped renewing it, ``LEASE_S``) is taken over by the next batch; one interrupted ``MAX_ATTEMPTS`` times
  is failed (E157) instead: it is likely what kills the batch;
- storing checks that this batch still holds the claim, so two batches that both took an item store it once.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from deescalate.batch.sources import WorkItem
from deescalate.batch.work import Outcome
from deescalate.errors import Code, InputError
from deescalate.store.encounters import Arrival, insert_analysed
from deescalate.store.models import BatchItem, BatchState, StoredEncounter

# An item killed with its batch this many times is not tried again (it may be what kills the batch).
MAX_ATTEMPTS = 3
# A claim not renewed for this long belongs to a batch that is gone; a live batch renews every LEASE_RENEW_S.
LEASE_S = 600.0
LEASE_RENEW_S = 60.0
UPLOADER = "batch"  # the review platform's "uploaded by" for everything a batch stores
_IN = 500  # keys per IN (...) query: well under every database's parameter limit


def _now() -> datetime:
    return datetime.now(UTC)


def owner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True, slots=True)
class Held:
    """Where an item's row stood when the batch sorted it, so the claim can check nobody moved it since."""

    item: WorkItem
    state: str | None = None  # None: no row yet
    claimed_by: str | None = None
    attempts: int = 0


@dataclass
class Sorted:
    todo: list[Held] = field(default_factory=list)
    done: int = 0
    failed_before: list[str] = field(default_factory=list)  # error lines of items that stay failed
    elsewhere: int = 0  # held by another live batch


class Ledger:
    def __init__(self, sessions: sessionmaker[Session], *, owner: str | None = None) -> None:
        self.sessions = sessions
        self.owner = owner or owner_name()
        self.host = self.owner.split(":", 1)[0]

    # --- before: what is left to do --------------------------------------------------------------------------

    def sort(self, items: list[WorkItem], *, retry_failed: bool = False) -> Sorted:
        """Which ITEMS are done, failed for good, held by another batch, or to do (in the order given)."""
        result = Sorted()
        rows = self._rows([i.key for i in items])
        now = _now()
        gave_up: list[tuple[str, str]] = []
        for item in items:
            row = rows.get(item.key)
            if row is None:
                result.todo.append(Held(item))
            elif row.state == BatchState.done.value:
                result.done += 1
            elif row.state == BatchState.failed.value:
                if retry_failed:
                    result.todo.append(Held(item, row.state, row.claimed_by, 0))
                else:
                    result.failed_before.append(row.error or f"{item.label}: failed")
            elif not self._abandoned(row, now):
                result.elsewhere += 1
            elif row.attempts >= MAX_ATTEMPTS:
                line = InputError(
                    Code.E157, f"the batch stopped during each of {row.attempts} tries", file=item.label
                ).one_line()
                gave_up.append((item.key, line))
                result.failed_before.append(line)
            else:
                result.todo.append(Held(item, row.state, row.claimed_by, row.attempts))
        if gave_up:
            with self.sessions.begin() as session:
                for key, line in gave_up:
                    session.execute(
                        update(BatchItem)
                        .where(BatchItem.key == key, BatchItem.state == BatchState.running.value)
                        .values(state=BatchState.failed.value, error=line, updated_at=now)
                    )
        return result

    def _rows(self, keys: list[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        columns = (
            BatchItem.key,
            BatchItem.state,
            BatchItem.claimed_by,
            BatchItem.claimed_at,
            BatchItem.attempts,
            BatchItem.error,
        )
        with self.sessions() as session:
            for part in _parts(keys):
                for row in session.execute(select(*columns).where(BatchItem.key.in_(part))):
                    found[row.key] = row
        return found

    def _abandoned(self, row: Any, now: datetime) -> bool:
        host, _, rest = row.claimed_by.partition(":")
        pid = rest.split(":", 1)[0]
        # our own pid in another batch's claim: that batch was a process before this one, so it is gone
        if host == self.host and pid.isdigit() and (int(pid) == os.getpid() or not _alive(int(pid))):
            return True
        claimed = row.claimed_at if row.claimed_at.tzinfo else row.claimed_at.replace(tzinfo=UTC)
        return now - claimed > timedelta(seconds=LEASE_S)

    # --- during: claims, results, leases ---------------------------------------------------------------------

    def claim(self, held: list[Held]) -> list[Held]:
        """Take the items for this batch, in one transaction; those another batch took first are left out.
        Each taken item comes back with the attempts it now has."""
        now = _now()
        taken: list[Held] = []
        with self.sessions.begin() as session:
            new = [h for h in held if h.state is None]
            if new:
                inserted = set(self._insert_new(session, new, now))
                taken.extend(
                    Held(h.item, BatchState.running.value, self.owner, 1) for h in new if h.item.key in inserted
                )
            for h in held:
                if h.state is None:
                    continue
                attempts = h.attempts + 1
                moved = session.execute(
                    update(BatchItem)
                    .where(
                        BatchItem.key == h.item.key, BatchItem.state == h.state, BatchItem.claimed_by == h.claimed_by
                    )
                    .values(
                        state=BatchState.running.value,
                        claimed_by=self.owner,
                        claimed_at=now,
                        updated_at=now,
                        attempts=attempts,
                        error=None,
                    )
                )
                if moved.rowcount == 1:  # type: ignore[attr-defined]
                    taken.append(Held(h.item, BatchState.running.value, self.owner, attempts))
        order = {h.item.key: n for n, h in enumerate(held)}
        return sorted(taken, key=lambda h: order[h.item.key])

    def _insert_new(self, session: Session, held: list[Held], now: datetime) -> list[str]:
        values = [
            {
                "key": h.item.key,
                "kind": h.item.kind,
                "source": h.item.source,
                "incident_id": h.item.incident_id,
                "state": BatchState.running.value,
                "attempts": 1,
                "claimed_by": self.owner,
                "claimed_at": now,
                "updated_at": now,
            }
            for h in held
        ]
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(BatchItem)
            .values(values)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(BatchItem.key)
        )
        return list(session.scalars(statement))

    def store(self, results: list[tuple[WorkItem, Outcome]]) -> set[str]:
        """Store the results of items this batch holds, in one transaction: each encounter with its findings, and
        its row marked done (or failed, with the error). Returns the keys this batch no longer held (left alone)."""
        now = _now()
        lost: set[str] = set()
        with self.sessions.begin() as session:
            analysed: list[tuple[WorkItem, Outcome]] = []
            for item, outcome in results:
                if outcome.analysed is not None:
                    analysed.append((item, outcome))
                elif not self._mark(session, item, state=BatchState.failed, error=outcome.error, now=now):
                    lost.add(item.key)
            ids = insert_analysed(
                session,
                [
                    (outcome.analysed, _arrival(item, now))
                    for item, outcome in analysed
                    if outcome.analysed is not None  # (for the type checker: all are)
                ],
            )
            for (item, outcome), encounter_id in zip(analysed, ids, strict=True):
                held = self._mark(
                    session,
                    item,
                    state=BatchState.done,
                    encounter_id=encounter_id,
                    audio_seconds=outcome.audio_seconds or None,
                    now=now,
                )
                if not held:  # another batch took the item over (our lease ran out): its result stands, not ours
                    session.execute(delete(StoredEncounter).where(StoredEncounter.id == encounter_id))
                    lost.add(item.key)
        return lost

    def _mark(self, session: Session, item: WorkItem, *, state: BatchState, now: datetime, **values: Any) -> bool:
        moved = session.execute(self._held(item).values(state=state.value, updated_at=now, **values))
        return bool(moved.rowcount == 1)  # type: ignore[attr-defined]

    def _held(self, item: WorkItem) -> Any:
        """An UPDATE of ITEM's row that only touches it while this batch holds it."""
        return update(BatchItem).where(
            BatchItem.key == item.key,
            BatchItem.claimed_by == self.owner,
            BatchItem.state == BatchState.running.value,
        )

    def retry(self, item: WorkItem) -> int | None:
        """Count one more attempt at an item this batch holds; None when it is out of attempts (or not held)."""
        with self.sessions.begin() as session:
            moved = session.execute(
                self._held(item)
                .where(BatchItem.attempts < MAX_ATTEMPTS)
                .values(attempts=BatchItem.attempts + 1, claimed_at=_now(), updated_at=_now())
                .returning(BatchItem.attempts)
            )
            return moved.scalar_one_or_none()

    def renew(self) -> None:
        """Keep this batch's claims: a lease not renewed for LEASE_S is another batch's to take."""
        with self.sessions.begin() as session:
            session.execute(
                update(BatchItem)
                .where(BatchItem.claimed_by == self.owner, BatchItem.state == BatchState.running.value)
                .values(claimed_at=_now())
            )


def stored_results(session: Session) -> Iterator[tuple[BatchItem, StoredEncounter | None]]:
    """Every batch row with its stored encounter (None when failed or held), for reports and tests."""
    rows = session.execute(
        select(BatchItem, StoredEncounter)
        .outerjoin(StoredEncounter, StoredEncounter.id == BatchItem.encounter_id)
        .order_by(BatchItem.id)
    )
    yield from rows


def _arrival(item: WorkItem, now: datetime) -> Arrival:
    return Arrival(
        uploaded_by=UPLOADER,
        source_name=_fit(" + ".join(m.name for m in item.members), 255),
        created_at=now,
        officer=item.officer,
    )


def _parts(keys: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(keys), _IN):
        yield keys[start : start + _IN]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _fit(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
