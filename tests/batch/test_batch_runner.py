"""The batch loop: chunks, retries of lost workers and crashing steps, bounded attempts, one store write per batch.

These run the real worker steps in this process through a small engine that can lose a chunk the way a killed
worker process loses it; the real engines run the same loop in test_batch_engines.py."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from deescalate.batch import runner, work
from deescalate.batch.engines import Chunk, Finished
from deescalate.batch.ledger import MAX_ATTEMPTS
from deescalate.batch.runner import BatchOptions, Summary, Tick, run_batch
from deescalate.batch.sources import Plan, plan_sources
from deescalate.batch.work import WorkerOptions, worker_for
from deescalate.settings import Settings
from deescalate.store.db import open_store
from deescalate.store.models import BatchItem, BatchState
from tests.batch.conftest import counts, text_backlog


class LosingEngine:
    """Runs chunks in this process; a chunk holding a file named in LOSE is lost (as if its worker were killed)
    that many times."""

    name = "inline"

    def __init__(self, settings: Settings, *, workers: int = 2, lose: dict[str, int] | None = None) -> None:
        self.workers = workers
        self.worker = worker_for(WorkerOptions(settings=settings))
        self.lose = Counter(lose or {})
        self.done: list[Finished] = []
        self.chunks: list[Chunk] = []

    def submit(self, chunk: Chunk) -> None:
        self.chunks.append(chunk)
        names = [Path(m.path).name for item in chunk.items for m in item.members]
        doomed = [n for n in names if self.lose[n] > 0]
        for n in doomed:
            self.lose[n] -= 1
        self.done.append((chunk, None if doomed else self.worker.run_chunk(list(chunk.items))))

    def wait(self, timeout: float) -> list[Finished]:
        done, self.done = self.done, []
        return done

    def in_flight(self) -> int:
        return len(self.done)

    def close(self) -> None:
        pass


@pytest.fixture
def sessions(sqlite_url: str) -> Iterator[sessionmaker[Session]]:
    factory = open_store(sqlite_url)
    yield factory
    factory.kw["bind"].dispose()


@pytest.fixture
def plan(tmp_path: Path) -> Plan:
    text_backlog(tmp_path / "in", 24)
    return plan_sources([tmp_path / "in"], settings=Settings())


def run(plan: Plan, sessions: sessionmaker[Session], engine: LosingEngine, ticks: list[Tick] | None = None) -> Summary:
    return run_batch(
        plan=plan,
        sessions=sessions,
        settings=Settings(),
        options=BatchOptions(),
        engine=engine,
        on_progress=(ticks.append if ticks is not None else None),
    )


def attempts(sessions: sessionmaker[Session]) -> dict[str, tuple[str, int, str | None]]:
    with sessions() as session:
        return {Path(r.source).name: (r.state, r.attempts, r.error) for r in session.scalars(select(BatchItem)).all()}


def test_runner_chunks_text_and_shrinks_them_near_the_end(plan: Plan, sessions: sessionmaker[Session]) -> None:
    engine = LosingEngine(Settings())
    ticks: list[Tick] = []
    summary = run(plan, sessions, engine, ticks)
    sizes = [len(c.items) for c in engine.chunks]
    assert sum(sizes) == 24 and max(sizes) > 1 and sizes[-1] < sizes[0]
    assert summary.stored == 24 and summary.failed == [] and ticks[-1] == Tick(24, 0, 24, 0.0)
    assert [t.stored for t in ticks] == sorted(t.stored for t in ticks)


def test_runner_item_of_a_lost_worker_is_retried_alone_and_stored_once(
    plan: Plan, sessions: sessionmaker[Session]
) -> None:
    victim = Path(plan.items[7].members[0].path).name
    engine = LosingEngine(Settings(), lose={victim: 1})
    summary = run(plan, sessions, engine)
    lost_chunk = next(c for c in engine.chunks if any(Path(i.members[0].path).name == victim for i in c.items))
    alone = [c for c in engine.chunks if [Path(i.members[0].path).name for i in c.items] == [victim]]
    assert len(lost_chunk.items) > 1 and len(alone) == 1  # its chunk-mates are retried one by one too
    assert summary.stored == 24 and summary.retried == len(lost_chunk.items)
    assert attempts(sessions)[victim] == (BatchState.done.value, 2, None)
    assert counts(str(sessions.kw["bind"].url)) == (24, 24, 0)


@pytest.mark.parametrize(("losses", "stored"), [(MAX_ATTEMPTS - 1, True), (MAX_ATTEMPTS, False)])
def test_runner_item_that_keeps_losing_its_worker_fails_after_max_attempts(
    plan: Plan, sessions: sessionmaker[Session], losses: int, stored: bool
) -> None:
    victim = Path(plan.items[0].members[0].path).name
    summary = run(plan, sessions, LosingEngine(Settings(), lose={victim: losses}))
    state, tries, error = attempts(sessions)[victim]
    assert (summary.stored, len(summary.failed)) == ((24, 0) if stored else (23, 1))
    assert tries == (losses + 1 if stored else MAX_ATTEMPTS)
    if stored:
        assert (state, error) == (BatchState.done.value, None)
    else:
        assert state == BatchState.failed.value and error is not None
        assert "the worker running it was lost" in error and error.endswith("[E156]") and victim in error


def test_runner_step_that_crashes_is_retried_then_recorded_with_its_error(
    plan: Plan, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    victim = Path(plan.items[3].members[0].path).name
    real = work.read_encounter

    def flaky(path: Path, **kwargs: Any) -> Any:
        if Path(path).name == victim:
            raise RuntimeError("disk hiccup")
        return real(path, **kwargs)

    monkeypatch.setattr(work, "read_encounter", flaky)
    summary = run(plan, sessions, LosingEngine(Settings()))
    assert summary.stored == 23 and summary.retried == MAX_ATTEMPTS - 1
    state, tries, error = attempts(sessions)[victim]
    assert (state, tries) == (BatchState.failed.value, MAX_ATTEMPTS)
    assert error is not None and error.endswith("[E156]") and "RuntimeError: disk hiccup" in error
    assert "\n" not in error


def test_runner_second_run_stores_nothing_again(plan: Plan, sessions: sessionmaker[Session]) -> None:
    first = run(plan, sessions, LosingEngine(Settings()))
    engine = LosingEngine(Settings())
    second = run(plan, sessions, engine)
    assert (first.stored, second.stored, second.already_done, engine.chunks) == (24, 0, 24, [])
    assert counts(str(sessions.kw["bind"].url)) == (24, 24, 0)


def test_runner_input_warnings_come_back_from_the_workers(tmp_path: Path, sessions: sessionmaker[Session]) -> None:
    folder = tmp_path / "in"
    text_backlog(folder, 1)
    overlapping = {
        "id": "overlap",
        "participants": [{"id": "O1", "role": "officer", "name": "Officer Diaz"}],
        "utterances": [
            {"id": "u1", "speaker": "O1", "start": 0.0, "end": 4.0, "text": "Sir, step back for me."},
            {"id": "u2", "speaker": "O1", "start": 3.0, "end": 5.0, "text": "Thank you."},
        ],
    }
    (folder / "overlap.json").write_text(json.dumps(overlapping))
    summary = run(plan_sources([folder], settings=Settings()), sessions, LosingEngine(Settings()))
    assert summary.stored == 2
    assert len(summary.warnings) == 1
    assert summary.warnings[0].startswith(f"{folder / 'overlap.json'}:") and summary.warnings[0].endswith("[W015]")


def test_runner_workers_get_neither_the_secret_key_nor_the_database_password(
    plan: Plan, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    given: list[WorkerOptions] = []

    def engine_for(name: str, *, options: WorkerOptions, workers: int, address: str | None) -> LosingEngine:
        given.append(options)
        return LosingEngine(options.settings)

    monkeypatch.setattr(runner, "make_engine", engine_for)
    secret = replace(Settings(), secret_key="k" * 40, database_url="postgresql://u:hunter2@db/x", whisper_model="m")
    summary = run_batch(plan=plan, sessions=sessions, settings=secret, options=BatchOptions())
    assert summary.stored == 24
    (options,) = given
    assert (options.settings.secret_key, options.settings.database_url) == ("", "")
    assert options.settings.whisper_model == "m"  # what workers do use travels
