"""The batch's record in the store: claims, leases, takeovers, attempts, and storing only what a batch still holds.
Run on SQLite and, when one answers, PostgreSQL."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from deescalate.batch.ledger import LEASE_S, MAX_ATTEMPTS, Ledger
from deescalate.batch.sources import WorkItem, plan_sources
from deescalate.batch.work import Outcome
from deescalate.encounter.readers import read_encounter
from deescalate.settings import Settings
from deescalate.store.db import open_store
from deescalate.store.encounters import AnalysedEncounter
from deescalate.store.models import BatchItem, BatchState, StoredEncounter
from tests.batch.conftest import text_backlog

ELSEWHERE = "other-host:4242:aaaa"  # a batch on another machine


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    factory = open_store(db_url)
    yield factory
    factory.kw["bind"].dispose()


@pytest.fixture(scope="module")
def items(tmp_path_factory: pytest.TempPathFactory) -> list[WorkItem]:
    folder = tmp_path_factory.mktemp("ledger")
    text_backlog(folder, 3)
    return plan_sources([folder], settings=Settings()).items


def ok(item: WorkItem) -> Outcome:
    return Outcome(item.key, AnalysedEncounter.of(read_encounter(Path(item.members[0].path))))


def rows(sessions: sessionmaker[Session]) -> dict[str, BatchItem]:
    with sessions() as session:
        return {row.key: row for row in session.scalars(select(BatchItem))}


def age_claims(sessions: sessionmaker[Session], seconds: float) -> None:
    with sessions.begin() as session:
        session.execute(update(BatchItem).values(claimed_at=datetime.now(UTC) - timedelta(seconds=seconds)))


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_ledger_new_items_are_claimed_once(sessions: sessionmaker[Session], items: list[WorkItem]) -> None:
    first, second = Ledger(sessions, owner=ELSEWHERE), Ledger(sessions)
    todo_first, todo_second = first.sort(items).todo, second.sort(items).todo  # both see nothing stored yet
    assert [h.attempts for h in first.claim(todo_first)] == [1, 1, 1]
    assert second.claim(todo_second) == []  # taken first by the other batch
    assert {r.claimed_by for r in rows(sessions).values()} == {ELSEWHERE}


@pytest.mark.parametrize(("age", "taken_over"), [(LEASE_S - 30, False), (LEASE_S + 30, True)])
def test_ledger_another_hosts_claim_is_kept_until_its_lease_runs_out(
    sessions: sessionmaker[Session], items: list[WorkItem], age: float, taken_over: bool
) -> None:
    Ledger(sessions, owner=ELSEWHERE).claim(Ledger(sessions).sort(items).todo)
    age_claims(sessions, age)
    triage = Ledger(sessions).sort(items)
    assert (len(triage.todo), triage.elsewhere) == ((3, 0) if taken_over else (0, 3))


@pytest.mark.parametrize(("alive", "taken_over"), [(True, False), (False, True)])
def test_ledger_claim_of_a_process_gone_from_this_host_is_taken_over_at_once(
    sessions: sessionmaker[Session], items: list[WorkItem], alive: bool, taken_over: bool
) -> None:
    host = socket.gethostname()
    pid = 1 if alive else dead_pid()  # pid 1 (init) is alive and is not this process
    Ledger(sessions, owner=f"{host}:{pid}:bbbb").claim(Ledger(sessions).sort(items).todo)
    ledger = Ledger(sessions)
    triage = ledger.sort(items)
    assert (len(triage.todo), triage.elsewhere) == ((3, 0) if taken_over else (0, 3))
    if taken_over:
        assert [h.attempts for h in ledger.claim(triage.todo)] == [2, 2, 2]  # the interrupted try counts


def test_ledger_item_interrupted_max_times_fails_with_e157(
    sessions: sessionmaker[Session], items: list[WorkItem]
) -> None:
    for n in range(MAX_ATTEMPTS):
        held = Ledger(sessions, owner=f"{socket.gethostname()}:{dead_pid()}:{n}").claim(
            Ledger(sessions).sort(items).todo
        )
        assert [h.attempts for h in held] == [n + 1] * 3
    triage = Ledger(sessions).sort(items)
    assert triage.todo == [] and len(triage.failed_before) == 3
    assert all(line.endswith("[E157]") and f"each of {MAX_ATTEMPTS} tries" in line for line in triage.failed_before)
    assert {r.state for r in rows(sessions).values()} == {BatchState.failed.value}


def test_ledger_store_keeps_only_what_the_batch_still_holds(
    sessions: sessionmaker[Session], items: list[WorkItem]
) -> None:
    slow = Ledger(sessions, owner=ELSEWHERE)
    slow.claim(slow.sort(items).todo)
    age_claims(sessions, LEASE_S + 30)  # the slow batch stopped renewing: another takes over
    fast = Ledger(sessions)
    fast.claim(fast.sort(items).todo)
    assert fast.store([(i, ok(i)) for i in items[:2]]) == set()
    assert slow.store([(i, ok(i)) for i in items]) == {i.key for i in items}  # its results are dropped
    with sessions() as session:
        stored = session.scalars(select(StoredEncounter)).all()
    found = rows(sessions)
    assert len(stored) == 2
    assert sorted(found[i.key].encounter_id or 0 for i in items[:2]) == sorted(s.id for s in stored)
    assert found[items[2].key].state == BatchState.running.value  # still the fast batch's to finish


def test_ledger_failed_item_keeps_its_error_and_is_retried_only_when_asked(
    sessions: sessionmaker[Session], items: list[WorkItem]
) -> None:
    ledger = Ledger(sessions)
    ledger.claim(ledger.sort(items).todo)
    line = f"{items[0].label}: broken [E020]"
    ledger.store([(items[0], Outcome(items[0].key, error=line)), *((i, ok(i)) for i in items[1:])])
    again = Ledger(sessions).sort(items)
    assert (again.todo, again.done, again.failed_before) == ([], 2, [line])
    retried = Ledger(sessions).sort(items, retry_failed=True)
    assert [h.item.key for h in retried.todo] == [items[0].key]
    assert [h.attempts for h in Ledger(sessions).claim(retried.todo)] == [1]  # a fresh count after --retry-failed


def test_ledger_retry_counts_attempts_up_to_the_limit(sessions: sessionmaker[Session], items: list[WorkItem]) -> None:
    ledger = Ledger(sessions)
    ledger.claim(ledger.sort(items[:1]).todo)
    assert [ledger.retry(items[0]) for _ in range(MAX_ATTEMPTS)] == [*range(2, MAX_ATTEMPTS + 1), None]
    assert Ledger(sessions, owner=ELSEWHERE).retry(items[0]) is None  # not its claim
