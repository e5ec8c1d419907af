"""The batch itself: sort the plan against the store, feed chunks to an engine, store the results in batches.

The batch process does the little that must be in one place (claims, store writes, progress) and leaves the
costly steps to the workers. Text items travel in chunks, so a worker spends its time analysing rather than
waiting for the next item; a recording or an incident with one travels alone. Results are stored in batches of
up to ``WRITE_BATCH`` items or every ``WRITE_EVERY_S`` seconds, one transaction each.
"""

from __future__ import annotations

import os
import signal
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from deescalate.batch.engines import Chunk, Engine, make_engine
from deescalate.batch.ledger import LEASE_RENEW_S, MAX_ATTEMPTS, Held, Ledger
from deescalate.batch.sources import Plan, WorkItem
from deescalate.batch.work import Outcome, WorkerOptions
from deescalate.errors import Code, InputError
from deescalate.settings import Settings

MAX_CHUNK = 16  # text items per chunk: enough to keep a worker busy ~0.5 s, few enough to balance the tail
IN_FLIGHT_PER_WORKER = 2  # chunks queued per worker: one running, one ready, no more held in memory
WRITE_BATCH = 64
WRITE_EVERY_S = 0.5
WAIT_S = 0.25


@dataclass(frozen=True)
class BatchOptions:
    engine: str = "local"
    workers: int = 1
    address: str | None = None
    rules_config: Path | None = None
    retry_failed: bool = False


@dataclass(frozen=True, slots=True)
class Tick:
    """Progress after each store write."""

    stored: int
    failed: int
    total: int  # items this run set out to do
    audio_seconds: float


@dataclass
class Summary:
    engine: str
    workers: int
    planned: int = 0  # distinct work items in the sources
    already_done: int = 0
    stored: int = 0
    failed: list[str] = field(default_factory=list)  # this run's failures, one line each
    failed_before: list[str] = field(default_factory=list)  # failed in an earlier run, not retried
    elsewhere: int = 0  # held by another running batch
    retried: int = 0
    lost_claims: int = 0  # results another batch stored first
    duplicates: list[str] = field(default_factory=list)
    bad_rows: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # about the input of items stored (W015 ...), one line each
    audio_seconds: float = 0.0
    elapsed_s: float = 0.0

    @property
    def clean(self) -> bool:
        """Everything in the sources is stored: nothing failed, now or in an earlier batch, and no row was bad."""
        return not (self.failed or self.failed_before or self.bad_rows)


def run_batch(
    *,
    plan: Plan,
    sessions: sessionmaker[Session],
    settings: Settings,
    options: BatchOptions,
    on_progress: Callable[[Tick], None] | None = None,
    engine: Engine | None = None,
) -> Summary:
    """Process what PLAN holds that the store has not got; ENGINE, when given, instead of one made from OPTIONS."""
    started = time.monotonic()
    ledger = Ledger(sessions)
    triage = ledger.sort(plan.items, retry_failed=options.retry_failed)
    summary = Summary(
        engine=engine.name if engine else options.engine,
        workers=engine.workers if engine else options.workers,
        planned=len(plan.items),
        already_done=triage.done,
        failed_before=triage.failed_before,
        elsewhere=triage.elsewhere,
        duplicates=plan.duplicates,
        bad_rows=plan.bad_rows,
    )
    if triage.todo:
        own = engine is None
        used = engine or make_engine(
            options.engine,
            options=WorkerOptions(settings=for_workers(settings), rules_config=options.rules_config),
            workers=options.workers,
            address=options.address,
        )
        try:
            _Run(used, ledger, settings, summary, on_progress).run(triage.todo)
        finally:
            if own:
                used.close()
    summary.elapsed_s = time.monotonic() - started
    return summary


def for_workers(settings: Settings) -> Settings:
    """The settings workers get: without the secret key or the database URL (its password), which they never use
    and which on Ray would travel to every node's object store."""
    return replace(settings, secret_key="", database_url="")


class _Run:
    def __init__(
        self,
        engine: Engine,
        ledger: Ledger,
        settings: Settings,
        summary: Summary,
        on_progress: Callable[[Tick], None] | None,
    ) -> None:
        self.engine = engine
        self.ledger = ledger
        self.summary = summary
        self.kill_after = settings.batch_test_kill_after
        self.on_progress = on_progress or (lambda _tick: None)
        self.results: list[tuple[WorkItem, Outcome]] = []
        self.last_write = time.monotonic()
        self.last_renew = time.monotonic()
        self.total = 0
        self.chunks = 0

    def run(self, todo: list[Held]) -> None:
        self.total = len(todo)
        queue: deque[Held] = deque(todo)
        retries: deque[WorkItem] = deque()  # claimed already, their next attempt counted
        limit = IN_FLIGHT_PER_WORKER * self.engine.workers
        self.on_progress(self._tick())
        try:
            self._loop(queue, retries, limit)
        except KeyboardInterrupt:  # what the workers finished is kept; what was in flight is taken up next time
            self._write()
            raise
        self._write()

    def _loop(self, queue: deque[Held], retries: deque[WorkItem], limit: int) -> None:
        while queue or retries or self.engine.in_flight():
            while (queue or retries) and self.engine.in_flight() < limit:
                # a lost chunk's items come back one at a time, so the one that kills its worker is found alone
                items = [retries.popleft()] if retries else self._claim(queue)
                if items:
                    self.chunks += 1
                    self.engine.submit(Chunk(self.chunks, tuple(items)))
            for chunk, outcomes in self.engine.wait(WAIT_S):
                for item, outcome in self._outcomes(chunk, outcomes):
                    if outcome.error is not None and outcome.retry and self.ledger.retry(item) is not None:
                        self.summary.retried += 1
                        retries.append(item)
                    else:
                        self.results.append((item, outcome))
            self._maybe_write()

    def _claim(self, queue: deque[Held]) -> list[WorkItem]:
        taken = self._take(queue)
        held = self.ledger.claim(taken)
        if len(held) < len(taken):  # another batch took those first and is doing them now
            self.summary.elsewhere += len(taken) - len(held)
            self.total -= len(taken) - len(held)
        return [h.item for h in held]

    def _take(self, queue: deque[Held]) -> list[Held]:
        """The next chunk: one item with a recording, or up to MAX_CHUNK transcripts (smaller near the end, so the
        last chunks spread over every worker)."""
        if queue[0].item.media:
            return [queue.popleft()]
        size = max(1, min(MAX_CHUNK, len(queue) // (IN_FLIGHT_PER_WORKER * self.engine.workers * 2)))
        taken: list[Held] = []
        while queue and len(taken) < size and not queue[0].item.media:
            taken.append(queue.popleft())
        return taken

    def _outcomes(self, chunk: Chunk, outcomes: list[Outcome] | None) -> list[tuple[WorkItem, Outcome]]:
        if outcomes is not None:
            return list(zip(chunk.items, outcomes, strict=True))
        # the worker was lost: each item gets another try unless it is out of them
        return [
            (
                item,
                Outcome(
                    item.key,
                    error=InputError(
                        Code.E156, f"the worker running it was lost (tries: up to {MAX_ATTEMPTS})", file=item.label
                    ).one_line(),
                    retry=True,
                ),
            )
            for item in chunk.items
        ]

    def _maybe_write(self) -> None:
        now = time.monotonic()
        if now - self.last_renew > LEASE_RENEW_S:
            self.ledger.renew()
            self.last_renew = now
        if len(self.results) >= WRITE_BATCH or (self.results and now - self.last_write >= WRITE_EVERY_S):
            self._write()

    def _write(self) -> None:
        self.last_write = time.monotonic()
        if not self.results:
            return
        batch, self.results = self.results, []
        lost = self.ledger.store(batch)
        self.summary.lost_claims += len(lost)
        for item, outcome in batch:
            if item.key in lost:
                continue
            self.summary.warnings.extend(outcome.warnings)
            if outcome.error is None:
                self.summary.stored += 1
                self.summary.audio_seconds += outcome.audio_seconds
            else:
                self.summary.failed.append(outcome.error)
        self.on_progress(self._tick())
        if self.kill_after and self.summary.stored >= self.kill_after:
            os.kill(os.getpid(), signal.SIGKILL)  # tests only (DEESCALATE_BATCH_TEST_KILL_AFTER): a real kill -9

    def _tick(self) -> Tick:
        return Tick(self.summary.stored, len(self.summary.failed), self.total, self.summary.audio_seconds)
