"""Entry point: every command, with errors turned into one-line messages."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from deescalate.checklist import load_checklist
from deescalate.cli.analysis import analyze_command, demo_command, eval_command
from deescalate.cli.audit import audit_app, purge_command
from deescalate.cli.batch import batch_command
from deescalate.cli.common import FormatOption, RolesOption, err, load_one, out, transcribe_media
from deescalate.cli.merge import merge_command
from deescalate.cli.model import app as model_app
from deescalate.cli.records import brief_command, demo_data_command, import_calls_command
from deescalate.cli.train import train_command
from deescalate.cli.web import demo_review_command, export_reviewed_command, serve_command, user_app
from deescalate.encounter.writers import WRITERS, write_atomic
from deescalate.errors import DeescalateError, InputWarning

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="deescalate: review police encounters against the de-escalation checklist.",
)
app.command("analyze")(analyze_command)
app.command("eval")(eval_command)
app.command("demo")(demo_command)
app.command("merge")(merge_command)
app.command("brief")(brief_command)
app.command("demo-data")(demo_data_command)
app.command("import-calls")(import_calls_command)
app.command("train")(train_command)
app.add_typer(model_app, name="model")
app.add_typer(user_app, name="user")
app.command("serve")(serve_command)
app.command("export-reviewed")(export_reviewed_command)
app.command("demo-review")(demo_review_command)
app.add_typer(audit_app, name="audit")
app.command("purge")(purge_command)
app.command("batch")(batch_command)


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
def transcribe(
    media: Annotated[list[Path], typer.Argument(help="Audio or video files (any common format).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="encounter/v1 JSON file, or a folder for several.")],
    roles: RolesOption = None,
) -> None:
    """Transcribe recordings into encounter/v1 JSON: words, speakers, pace and loudness."""
    from deescalate.encounter.roles import load_roles_file

    roles_map = load_roles_file(roles) if roles else None
    for path in media:
        encounter = transcribe_media(path, roles_map)
        target = output / f"{encounter.id}.json" if len(media) > 1 or output.is_dir() else output
        write_atomic(target, WRITERS["json"](encounter))
        err.print(f"wrote {target}", markup=False, highlight=False)


@app.command()
def live(
    source: Annotated[
        str, typer.Argument(help="A recording played at real speed, '-' for raw 16 kHz s16le PCM on stdin, or 'mic'.")
    ],
    fast: Annotated[
        bool, typer.Option("--fast", help="Play a recording as fast as it can be read (no real-time pacing).")
    ] = False,
) -> None:
    """Listen live and alert on threats, insults, conflicting commands and unchecked inability cues."""
    import statistics

    from deescalate.analysis.analyzer import Analyzer
    from deescalate.audio.live import LiveSession, file_blocks, percentile, pipe_blocks
    from deescalate.audio.transcribe import Transcriber
    from deescalate.errors import Code, InputError
    from deescalate.settings import get_settings

    settings = get_settings()
    if source == "mic":
        raise InputError(Code.E076, "no microphone input on this machine: pipe audio in with '-' or give a recording")
    blocks = pipe_blocks() if source == "-" else file_blocks(Path(source), settings, real_time=not fast)
    transcriber = Transcriber.from_settings(settings)
    session = LiveSession(
        transcriber, Analyzer(), on_alert=lambda a: out.print(a.line(), style="bold red", markup=False)
    )
    err.print(f"listening to {source} …", markup=False)
    for block in blocks:
        session.feed(block)
    session.close()
    latencies = [a.latency_s for a in session.alerts]
    summary = f"{len(session.utterances)} utterances heard, {len(session.alerts)} alerts"
    if latencies and not fast:
        summary += (
            f"; alert latency median {statistics.median(latencies):.2f} s, p95 {percentile(latencies, 0.95):.2f} s"
        )
    err.print(summary, markup=False)


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


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # type: ignore[no-untyped-def]
    text = message.one_line() if isinstance(message, InputWarning) else f"{category.__name__}: {message}"
    err.print(f"warning: {text}", style="yellow", markup=False, highlight=False)


def main() -> None:
    warnings.showwarning = _show_warning
    warnings.simplefilter("default", InputWarning)
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
