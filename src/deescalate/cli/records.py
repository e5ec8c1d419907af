"""Records and briefings: demo-data, import-calls, brief."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from deescalate.cli.common import err
from deescalate.encounter.writers import write_atomic
from deescalate.errors import Code, InputError

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: DEESCALATE_DATABASE_URL or sqlite:///deescalate.db)."),
]


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )


def demo_data_command(
    calls: Annotated[int, typer.Option("--calls", min=1, help="How many calls for service to generate.")] = 20_000,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same city.")] = 1,
    replace: Annotated[
        bool, typer.Option("--replace", help="Delete everything already in the store and rebuild the city.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Build a synthetic city (premises, people, calls, caution flags) for the demo and benchmarks.

    A store that already has data is refused, untouched, unless --replace."""
    from deescalate.store.db import database_url, make_engine, upgrade
    from deescalate.store.synthetic import ensure_empty, generate_city

    url = db or database_url()
    engine = make_engine(url)
    upgrade(engine)
    if not replace:
        ensure_empty(engine)  # before the progress bar, so the refusal is the only line
    with _progress() as progress:
        task = progress.add_task("generating calls", total=calls)
        stats = generate_city(
            engine, calls=calls, seed=seed, replace=replace, progress=lambda n: progress.update(task, completed=n)
        )
    err.print(
        f"{url}: {stats.calls:,} calls, {stats.premises:,} premises, {stats.persons:,} persons, "
        f"{stats.flags_active:,} active and {stats.flags_expired:,} expired flags in {stats.seconds:.1f} s",
        markup=False,
        highlight=False,
    )


def import_calls_command(
    csv_file: Annotated[
        Path, typer.Argument(help="Calls-for-service CSV (a city open-data layout, see layouts.yaml, or --mapping).")
    ],
    layout: Annotated[
        str | None, typer.Option("--layout", help="Force a built-in layout, e.g. new-orleans, detroit, baltimore.")
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="YAML mapping of our fields to your columns.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Import calls for service from a CSV; bad rows are listed with their line number and skipped."""
    from deescalate.store.db import database_url, make_engine, upgrade
    from deescalate.store.importers import import_csv

    if not csv_file.is_file():
        raise InputError(Code.E001, "file not found", file=str(csv_file))
    url = db or database_url()
    engine = make_engine(url)
    upgrade(engine)
    with _progress() as progress:
        task = progress.add_task("importing rows", total=None)
        report = import_csv(
            engine, csv_file, layout=layout, mapping_file=mapping, progress=lambda n: progress.update(task, completed=n)
        )
    for line, message in report.errors[:50]:
        err.print(f"{csv_file}:line {line}: {message} (skipped)", markup=False, highlight=False)
    if len(report.errors) > 50:
        err.print(f"... and {len(report.errors) - 50} more skipped rows", markup=False)
    err.print(
        f"{csv_file}: {report.rows_imported:,} of {report.rows_read:,} rows imported, {report.rows_skipped:,} skipped",
        markup=False,
        highlight=False,
    )
    if report.rows_imported == 0 and report.rows_read:
        raise typer.Exit(2)


def brief_command(
    call_file: Annotated[Path, typer.Argument(help="The call: simple call JSON or NENA EIDO-style JSON.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text, json or html.")] = "text",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here instead of the terminal.")] = None,
    rules: Annotated[Path | None, typer.Option("--rules", help="Agency triage and resource rules (YAML).")] = None,
    policy: Annotated[Path | None, typer.Option("--policy", help="Agency policy pack (YAML).")] = None,
    db: DbOption = None,
) -> None:
    """The pre-arrival briefing for a call: what is known, what is missing, triage, resources, policy."""
    from deescalate.briefing.brief import brief
    from deescalate.briefing.render import to_html, to_json, to_rich, to_text
    from deescalate.briefing.rules import load_policy, load_rules
    from deescalate.store.db import open_store
    from deescalate.store.importers import read_call_file

    if fmt not in ("text", "json", "html"):
        raise typer.BadParameter("--format must be text, json or html")
    call = read_call_file(call_file)
    book, pack = load_rules(rules), load_policy(policy)
    factory = open_store(db)
    with factory() as session:
        briefing = brief(call, session=session, rules=book, policy=pack)
    if output is None and fmt == "text":
        Console().print(to_rich(briefing))  # wraps to the terminal width
        return
    rendered = {"text": to_text, "json": to_json, "html": to_html}[fmt](briefing)
    if output is None:
        sys.stdout.write(rendered)
    else:
        write_atomic(output, rendered)
        err.print(f"wrote {output}", markup=False, highlight=False)
