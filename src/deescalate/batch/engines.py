"""Where work items run: ``local``, a pool of worker processes on this machine, or ``ray``, tasks and actors on a
Ray cluster. Both run the same steps (``batch.work``) on chunks of items and hand back the same outcomes; the batch
process keeps at most a few chunks per worker in flight (back-pressure), so memory stays bounded on any backlog.

A worker process (or Ray worker) builds its ``Worker`` once and keeps it: the analyzer is compiled once per worker,
the speech model loaded once per worker that meets a recording. On Ray, recordings go to transcription actors, one
per GPU when the cluster has GPUs (CUDA, float16), else up to one per worker on the CPUs.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from deescalate.batch.sources import WorkItem
from deescalate.batch.work import Outcome, WorkerOptions, worker_for
from deescalate.errors import Code, ConfigError

ENGINES = ("local", "ray")

# A worker whose batch process is gone (killed with SIGKILL, so it could not say so) notices within this long.
ORPHAN_CHECK_S = 1.0


@dataclass(frozen=True, slots=True)
class Chunk:
    number: int
    items: tuple[WorkItem, ...]


# A finished chunk: its outcomes, or None when the worker running it was lost (killed, out of memory, crashed).
Finished = tuple[Chunk, list[Outcome] | None]


class Engine(Protocol):
    name: str
    workers: int

    def submit(self, chunk: Chunk) -> None: ...

    def wait(self, timeout: float) -> list[Finished]:
        """The chunks finished by now, waiting up to TIMEOUT seconds for the first."""
        ...

    def in_flight(self) -> int: ...

    def close(self) -> None: ...


def check_engine(name: str, *, workers: int, address: str | None = None) -> None:
    """Refuse options that cannot work before any file is read."""
    if name not in ENGINES:
        raise ConfigError(Code.E155, f"--engine {name!r} is not an engine; use one of {', '.join(ENGINES)}")
    if workers < 1:
        raise ConfigError(Code.E160, f"--workers {workers} must be 1 or more")
    if name == "local" and address:
        raise ConfigError(Code.E160, f"--address {address} names a Ray cluster; it needs --engine ray")


def make_engine(name: str, *, options: WorkerOptions, workers: int, address: str | None = None) -> Engine:
    check_engine(name, workers=workers, address=address)
    if name == "local":
        return LocalEngine(options, workers)
    return RayEngine(options, workers, address)


def run_chunk(options: WorkerOptions, items: list[WorkItem]) -> list[Outcome]:
    return worker_for(options).run_chunk(items)


# --- local: a process pool ------------------------------------------------------------------------------------


def _start_local_worker(options: WorkerOptions, parent: int) -> None:
    worker_for(options)  # the analyzer is built now, while the batch lists its first chunks
    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True).start()


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK_S)
    os._exit(1)


class LocalEngine:
    name = "local"

    def __init__(self, options: WorkerOptions, workers: int) -> None:
        self.workers = workers
        # each worker's speech model gets its share of the cores, so two transcriptions do not fight for all of them
        threads = options.cpu_threads or max(1, (os.cpu_count() or 1) // workers)
        self.options = replace(options, cpu_threads=threads)
        self._futures: dict[Future[list[Outcome]], Chunk] = {}
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        # spawn, not fork: the batch process holds database connections and threads a forked child must not inherit
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_local_worker,
            initargs=(self.options, os.getpid()),
        )

    def submit(self, chunk: Chunk) -> None:
        self._futures[self._pool.submit(run_chunk, self.options, list(chunk.items))] = chunk

    def in_flight(self) -> int:
        return len(self._futures)

    def wait(self, timeout: float) -> list[Finished]:
        if not self._futures:
            return []
        done, _ = wait_futures(self._futures, timeout=timeout, return_when=FIRST_COMPLETED)
        finished: list[Finished] = []
        lost = False
        for future in done:
            chunk = self._futures.pop(future)
            try:
                finished.append((chunk, future.result()))
            except Exception:  # the pool broke (a worker died) or the result could not come back
                finished.append((chunk, None))
                lost = True
        if lost:  # a dead worker takes the whole pool with it: every chunk in it is lost, a new pool takes over
            finished.extend((chunk, None) for chunk in self._futures.values())
            self._futures.clear()
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()
        return finished

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


# --- ray: tasks for transcripts, actors for recordings ----------------------------------------------------------


class TranscriptionActor:
    """Holds a worker with its speech model loaded once; runs the items that hold recordings."""

    def __init__(self, options: WorkerOptions) -> None:
        self.worker = worker_for(options)
        self.worker.transcriber()

    def run(self, items: list[WorkItem]) -> list[Outcome]:
        return self.worker.run_chunk(items)


class RayEngine:
    name = "ray"

    def __init__(self, options: WorkerOptions, workers: int, address: str | None) -> None:
        try:
            import ray
        except ImportError:
            raise ConfigError(Code.E155, "the ray engine needs Ray: pip install 'deescalate[ray]'") from None
        self.ray = ray
        self.workers = workers
        self.options = options
        self._started = not ray.is_initialized()
        if self._started:
            _init_ray(ray, workers, address)
        resources = ray.cluster_resources()
        self.cpus = max(1, int(resources.get("CPU", 1)))
        self.gpus = int(resources.get("GPU", 0))
        self._task = ray.remote(run_chunk).options(num_cpus=1, max_retries=0)
        self._options = ray.put(options)
        self._actors: list[Any] = []
        self._load: dict[int, int] = {}  # actor index -> calls in flight
        self._refs: dict[Any, tuple[Chunk, int | None]] = {}

    def submit(self, chunk: Chunk) -> None:
        if not any(item.media for item in chunk.items):
            self._refs[self._task.remote(self._options, list(chunk.items))] = (chunk, None)
            return
        if not self._actors:
            self._start_actors()
        index = min(self._load, key=lambda n: self._load[n])
        self._load[index] += 1
        self._refs[self._actors[index].run.remote(list(chunk.items))] = (chunk, index)

    def _start_actors(self) -> None:
        if self.gpus:
            count, resources = self.gpus, {"num_gpus": 1, "num_cpus": 1}
            options = replace(self.options, device="cuda", compute_type="float16")
        else:
            # no CPU reserved: an actor holding a CPU while idle would keep transcript tasks from running
            count, resources = min(self.workers, self.cpus), {"num_cpus": 0}
            options = replace(self.options, cpu_threads=max(1, self.cpus // min(self.workers, self.cpus)))
        actor = self.ray.remote(TranscriptionActor).options(max_restarts=-1, max_task_retries=0, **resources)
        self._actors = [actor.remote(options) for _ in range(count)]
        self._load = {n: 0 for n in range(count)}

    def in_flight(self) -> int:
        return len(self._refs)

    def wait(self, timeout: float) -> list[Finished]:
        if not self._refs:
            return []
        ready, _ = self.ray.wait(list(self._refs), num_returns=1, timeout=timeout)
        if ready:  # and whatever else is ready by now, in one go
            ready, _ = self.ray.wait(list(self._refs), num_returns=len(self._refs), timeout=0)
        finished: list[Finished] = []
        for ref in ready:
            chunk, actor = self._refs.pop(ref)
            if actor is not None:
                self._load[actor] -= 1
            try:
                finished.append((chunk, self.ray.get(ref)))
            except self.ray.exceptions.RayError:  # the worker or actor died; Ray restarts actors
                finished.append((chunk, None))
        return finished

    def close(self) -> None:
        for actor in self._actors:
            self.ray.kill(actor)
        self._actors = []
        if self._started:
            self.ray.shutdown()


def _init_ray(ray: Any, workers: int, address: str | None) -> None:
    # the batch's own progress and summary say what happened; Ray's start-up notes would only break up the bar
    quiet: dict[str, Any] = {"logging_level": logging.ERROR, "log_to_driver": False}
    try:
        if address:
            ray.init(address=address, **quiet)
        else:
            # a Ray of our own on this machine, one CPU per worker; its workers import this deescalate
            package_root = str(Path(__file__).resolve().parents[2])
            path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH", "")) if p)
            ray.init(
                num_cpus=workers,
                include_dashboard=False,
                runtime_env={"env_vars": {"PYTHONPATH": path}},
                **quiet,
            )
    except Exception as exc:  # Ray's errors for an unreachable cluster vary by version and transport
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        where = f"the Ray cluster at {address}" if address else "a local Ray"
        raise ConfigError(Code.E155, f"cannot start {where}: {first}") from None
