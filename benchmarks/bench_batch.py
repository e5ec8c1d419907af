"""Batch throughput on each engine with 1 and 2 workers (a script, not a test).

Text: a synthetic backlog of encounters (the training corpus's 256, each copied with its own id and times so every
file has its own content and key), stored into a fresh SQLite store (or PostgreSQL with --pg URL) per run.
Audio: copies of the bundled body-camera recording, each at its own gain (so each is its own item), transcribed
with the bundled tiny.en model. Each figure is printed with the machine's load (`uptime`) when it was measured:
on a shared machine the load says how much of the cores the batch had.

    .venv/bin/python benchmarks/bench_batch.py [--encounters 10000] [--audio 6] [--engines local,ray]
                                              [--workers 1,2] [--pg postgresql+psycopg://postgres@127.0.0.1/test]

Rates are the steady state (from the first stored result to the last), so start-up (spawning workers, starting
Ray, loading the analyzer) is left out; the wall time with start-up is printed beside them. Peak memory is the
batch process with every process under it (workers; Ray's own processes when the batch started Ray). CPU per item
(workers, and the batch process) and the cores the batch had on average (CPU seconds over wall seconds) say what a
figure would be on idle cores: with 2 workers on 2 busy cores the wall rate follows the share others leave.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from sqlalchemy import text

from deescalate.batch.runner import BatchOptions, Tick, run_batch
from deescalate.batch.sources import plan_sources
from deescalate.settings import Settings
from deescalate.store.db import open_store

ROOT = Path(__file__).resolve().parents[1]
TRAIN = sorted((ROOT / "corpus" / "train").glob("*/*.json"))


def text_backlog(folder: Path, count: int) -> int:
    """COUNT encounter files; returns their utterances."""
    folder.mkdir(parents=True)
    sources = [json.loads(p.read_text()) for p in TRAIN]
    utterances = 0
    for n in range(count):
        data = dict(sources[n % len(sources)])
        shift = 0.01 * (n // len(sources))  # a different time base: other bytes, the same conversation
        data["id"] = f"synthetic-{n:05d}"
        data["utterances"] = [{**u, "start": round(u["start"] + shift, 3)} for u in data["utterances"]]
        for u in data["utterances"]:
            if u.get("end") is not None:
                u["end"] = round(u["end"] + shift, 3)
        utterances += len(data["utterances"])
        (folder / f"{data['id']}.json").write_text(json.dumps(data))
    return utterances


def audio_backlog(folder: Path, count: int) -> float:
    """COUNT recordings; returns their seconds of audio."""
    from deescalate.audio.decode import SAMPLE_RATE, load_audio
    from deescalate.audio.synth import write_wav
    from deescalate.examples import audio_paths

    folder.mkdir(parents=True)
    audio = load_audio(audio_paths()[0], Settings())
    for n in range(count):
        write_wav(folder / f"bodycam-{n:02d}.wav", audio * (1.0 - 0.02 * n))
    return count * audio.size / SAMPLE_RATE


class Sampler:
    """Samples this process and everything under it: peak resident memory, and CPU seconds per process (so the
    figures can say how much of the machine the batch had, whatever else ran on it)."""

    def __init__(self, every_s: float = 0.5) -> None:
        self.every_s = every_s
        self.peak = 0
        self.cpu: dict[int, float] = {}
        self.me = psutil.Process()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._start_cpu = sum(self.me.cpu_times()[:2])
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.cpu[self.me.pid] = sum(self.me.cpu_times()[:2]) - self._start_cpu

    @property
    def batch_cpu(self) -> float:
        return self.cpu.get(self.me.pid, 0.0)

    @property
    def worker_cpu(self) -> float:
        return sum(v for pid, v in self.cpu.items() if pid != self.me.pid)

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0
            for p in self.me.children(recursive=True):
                with contextlib.suppress(psutil.Error):  # a worker that ended between the listing and the reading
                    total += p.memory_info().rss
                    self.cpu[p.pid] = sum(p.cpu_times()[:2])
            self.peak = max(self.peak, total + self.me.memory_info().rss)
            self._stop.wait(self.every_s)


@dataclass
class Figure:
    engine: str
    workers: int
    items: int
    steady_rate: float
    wall_s: float
    audio_seconds: float
    peak_mb: float
    load: str
    batch_cpu_s: float  # the batch process itself: claims, store writes, progress
    worker_cpu_s: float  # every process under it (workers; Ray's own processes when it started Ray)


def measure(folder: Path, engine: str, workers: int, url: str) -> Figure:
    settings = Settings()
    plan = plan_sources([folder], settings=settings)
    factory = open_store(url)
    ticks: list[tuple[float, Tick]] = []
    start = time.perf_counter()
    with Sampler() as sampler:
        summary = run_batch(
            plan=plan,
            sessions=factory,
            settings=settings,
            options=BatchOptions(engine=engine, workers=workers),
            on_progress=lambda tick: ticks.append((time.perf_counter(), tick)),
        )
    wall = time.perf_counter() - start
    load = uptime_load()
    factory.kw["bind"].dispose()
    assert summary.stored == len(plan.items) and not summary.failed, summary.failed[:3]
    stored = [(t, tick) for t, tick in ticks if tick.stored > 0]
    (t0, first), (t1, last) = stored[0], stored[-1]
    steady = (last.stored - first.stored) / (t1 - t0) if t1 > t0 else float("nan")
    return Figure(
        engine,
        workers,
        summary.stored,
        steady,
        wall,
        summary.audio_seconds,
        sampler.peak / 2**20,
        load,
        sampler.batch_cpu,
        sampler.worker_cpu,
    )


def uptime_load() -> str:
    out = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout
    return out.split("load average:")[-1].strip() if "load average" in out else "?"


def fresh_store(base: Path, pg: str | None, name: str) -> str:
    if pg is None:
        return f"sqlite:///{base / name}.db"
    from sqlalchemy import create_engine

    schema = f"bench_batch_{os.getpid()}_{name}".replace("-", "_")
    admin = create_engine(pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return f"{pg}?options=-csearch_path%3D{schema}"


def line(kind: str, f: Figure, unit: str) -> str:
    if kind == "audio":
        rate = f"{f.audio_seconds / 60 / (f.wall_s / 60):5.2f} audio min per wall min (wall, start-up included)"
    else:
        rate = f"{f.steady_rate:7.1f} {unit}/s steady, wall {f.wall_s:6.1f} s"
    per_item = f.worker_cpu_s / f.items * 1000, f.batch_cpu_s / f.items * 1000
    cpu = f"CPU per item: workers {per_item[0]:.0f} ms, batch process {per_item[1]:.1f} ms"
    share = (f.worker_cpu_s + f.batch_cpu_s) / f.wall_s
    return (
        f"{kind:5} {f.engine:5} {f.workers} worker(s): {rate}; {cpu}; cores had {share:.2f}; "
        f"peak memory {f.peak_mb:,.0f} MB; load {f.load}"
    )


def report(kind: str, figures: list[Figure]) -> None:
    """How much a second worker adds, per engine."""
    by_engine: dict[str, dict[int, Figure]] = {}
    for f in figures:
        by_engine.setdefault(f.engine, {})[f.workers] = f
    for engine, runs in by_engine.items():
        if 1 in runs and 2 in runs:
            one, two = runs[1], runs[2]
            ratio = one.wall_s / two.wall_s if kind == "audio" else two.steady_rate / one.steady_rate
            print(f"{kind:5} {engine:5} 2 workers / 1 worker: {ratio:.2f}x")


def every_run(base: Path, kind: str, engines: list[str], workers: list[int], pg: str | None, unit: str) -> list[Figure]:
    """The backlog under BASE/KIND on every engine with every number of workers, each into a fresh store; each
    figure is printed as soon as it is measured (a long run shows its progress)."""
    figures = []
    for engine in engines:
        for count in workers:
            figures.append(measure(base / kind, engine, count, fresh_store(base, pg, f"{kind}-{engine}-{count}")))
            print(line(kind, figures[-1], unit), flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encounters", type=int, default=10_000)
    parser.add_argument("--audio", type=int, default=6, help="recordings (0: no audio run)")
    parser.add_argument("--engines", default="local,ray")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--pg", default=None, help="a PostgreSQL URL to store into instead of SQLite")
    args = parser.parse_args()
    engines = args.engines.split(",")
    workers = [int(w) for w in args.workers.split(",")]
    print(f"machine: {os.cpu_count()} cores; load before: {uptime_load()}")
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        base = Path(tmp)
        if args.encounters:
            utterances = text_backlog(base / "text", args.encounters)
            print(f"text: {args.encounters:,} encounters, {utterances:,} utterances, store {args.pg or 'SQLite'}")
            figures = every_run(base, "text", engines, workers, args.pg, "encounters")
            report("text", figures)
            per_utterance = utterances / args.encounters
            best = max(f.steady_rate for f in figures)
            print(f"text  best: {best * per_utterance:,.0f} utterances/s ({per_utterance:.0f} per encounter)")
        if args.audio:
            seconds = audio_backlog(base / "audio", args.audio)
            print(f"audio: {args.audio} recordings, {seconds / 60:.1f} min, tiny.en on CPU")
            report("audio", every_run(base, "audio", engines, workers, args.pg, "recordings"))


if __name__ == "__main__":
    main()
