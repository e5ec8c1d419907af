"""Entry point: every command, with errors turned into one-line messages."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from deescalate.checklist import load_checklist
from deescalate.cli.analysis import analyze_command, demo_command, eval_command
from deescalate.cli.common import FormatOption, RolesOption, err, load_one, out
from deescalate.cli.merge import merge_command
from deescalate.encounter.writers import WRITERS, write_atomic
from deescalate.errors import DeescalateError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="deescalate: review police encounters against the de-escalation checklist.",
)
app.command("analyze")(analyze_command)
app.command("eval")(eval_command)
app.command("demo")(demo_command)
app.command("merge")(merge_command)


@app.command()
def checklist() -> None:
    """Print the de-escalation checklist."""
    cl = load_checklist()
    for item in cl.items:
        out.print(f"[bold]{escape(item.id)}  {escape(item.title)}[/bold]")
        out.print(f"    {escape(item.description)}")
        for q in item.questions:
            out.print(f"    • {escape(q)}")
        out.print()
    out.print(f"[bold]{escape(cl.delivery.title)}[/bold]")
    out.print(f"    {escape(cl.delivery.description)}")
    for p in cl.delivery.practices:
        out.print(f"    • {escape(p)}")


@app.command()
def convert(
    source: Annotated[Path, typer.Argument(help="Transcript: encounter JSON, WebVTT, SRT, Whisper JSON or text.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Where to write; stdout if absent.")] = None,
    to: Annotated[str, typer.Option("--to", help=f"Output format: {', '.join(WRITERS)}.")] = "json",
    roles: RolesOption = None,
    input_format: FormatOption = None,
) -> None:
    """Convert a transcript to encounter/v1 JSON (or another transcript format)."""
    if to not in WRITERS:
        raise typer.BadParameter(f"--to must be one of {', '.join(WRITERS)}")
    encounter = load_one(source, roles, input_format)
    text = WRITERS[to](encounter)
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomic(output, text)
        err.print(
            f"wrote {output} ({len(encounter.utterances)} utterances, {len(encounter.participants)} speakers)",
            markup=False,
            highlight=False,
        )


def main() -> None:
    try:
        app()
    except DeescalateError as exc:
        err.print(f"error: {exc.one_line()}", markup=False, highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted", markup=False)
        sys.exit(130)
    except Exception as exc:  # last resort: a user never sees a traceback
        if os.environ.get("DEESCALATE_DEBUG"):
            raise
        err.print(
            f"error: internal error {type(exc).__name__}: {exc} (set DEESCALATE_DEBUG=1 for details)",
            markup=False,
            highlight=False,
        )
        sys.exit(1)
