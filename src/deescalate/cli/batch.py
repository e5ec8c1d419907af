"""The batch command: a backlog of transcripts and recordings analysed into the review platform's store."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from deescalate.cli.analysis import ConfigOption
from deescalate.cli.common import err
from deescalate.errors import Code, InputError
from deescalate.settings import get_settings

if TYPE_CHECKING:
    from deescalate.batch.runner import Summary, Tick

# a long list of failures is in the store (batch_items.error); the terminal shows the first ones
SHOWN_FAILURES = 20


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.1f} items/s" if speed else "– items/s", style="progress.data.speed")


def batch_command(
    sources: Annotated[
        list[Path],
        typer.Argument(
            help="Folders, transcripts, recordings, or manifests (CSV or JSON: file, incident_id, "
            "camera_wearer, start_time)."
        ),
    ],
    engine: Annotated[str, typer.Option("--engine", help="local (a process pool, the default) or ray.")] = "local",
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", help="Worker processes (default: this machine's cores).")
    ] = None,
    address: Annotated[
        str | None, typer.Option("--address", help="A Ray cluster to join (ray://HOST:10001, or auto).")
    ] = None,
    config: ConfigOption = None,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Try again the items an earlier batch recorded as failed.")
    ] = False,
) -> None:
    """Analyse a backlog into the review platform's store: resumable, each file's work done once."""
    from deescalate.batch.engines import check_engine  # the store and the engines: only for this command
    from deescalate.batch.runner import BatchOptions, run_batch
    from deescalate.batch.sources import plan_sources
    from deescalate.store.db import open_store

    if workers is None:
        workers = os.cpu_count() or 1
    check_engine(engine, workers=workers, address=address)
    settings = get_settings()
    plan = plan_sources(sources, settings=settings)
    for line in plan.bad_rows:
        err.print(f"error: {line}", markup=False, highlight=False)
    if not plan.items:
        raise InputError(
            Code.E159, "nothing to process: no transcripts or recordings in " + ", ".join(map(str, sources))
        )
    options = BatchOptions(
        engine=engine,
        workers=workers,
        address=address,
        rules_config=config or settings.rules_config,
        retry_failed=retry_failed,
    )
    sessions = open_store()
    columns = (
        TextColumn("batch"),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[failed]}"),
    )
    with Progress(*columns, console=err, transient=False) as progress:
        task = progress.add_task("batch", total=None, failed="")

        def show(tick: Tick) -> None:
            failed = f"[red]{tick.failed} failed[/red]" if tick.failed else ""
            progress.update(task, total=tick.total, completed=tick.stored + tick.failed, failed=failed)

        summary = run_batch(plan=plan, sessions=sessions, settings=settings, options=options, on_progress=show)
    sessions.kw["bind"].dispose()
    _print_summary(summary)
    if not summary.clean:
        raise typer.Exit(1)


def _print_summary(s: Summary) -> None:
    rate = (s.stored + len(s.failed)) / s.elapsed_s if s.elapsed_s > 0 else 0.0
    parts = [f"{s.planned} items"]
    if s.already_done:
        parts.append(f"{s.already_done} stored before")
    if s.duplicates:
        parts.append(f"{len(s.duplicates)} duplicate files skipped")
    if s.elsewhere:
        parts.append(f"{s.elsewhere} being done by another batch")
    done = f"stored {s.stored}, failed {len(s.failed)}"
    if s.retried:
        done += f", {s.retried} retries"
    if s.audio_seconds:
        done += f", {s.audio_seconds / 60:.1f} min of audio"
    err.print(
        f"batch: {', '.join(parts)}; {done}; {s.elapsed_s:.1f} s, {rate:.1f} items/s ({s.engine}, {s.workers} workers)",
        markup=False,
        highlight=False,
    )
    for line in s.failed[:SHOWN_FAILURES]:
        err.print(f"failed: {line}", markup=False, highlight=False)
    if len(s.failed) > SHOWN_FAILURES:
        err.print(f"… and {len(s.failed) - SHOWN_FAILURES} more (batch_items.error in the store)", markup=False)
    if s.warnings:
        err.print(
            f"{len(s.warnings)} warnings about the input, the first: {s.warnings[0]}",
            style="yellow",
            markup=False,
            highlight=False,
        )
    if s.failed_before:
        err.print(
            f"{len(s.failed_before)} items failed in an earlier batch and were not tried again (--retry-failed)",
            markup=False,
            highlight=False,
        )
    if s.lost_claims:
        err.print(f"{s.lost_claims} items were stored by another batch first", markup=False, highlight=False)
