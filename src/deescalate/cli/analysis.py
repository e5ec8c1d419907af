"""The analyze, eval and demo commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from deescalate.analysis.analyzer import Analyzer, analyze
from deescalate.analysis.labels import LABEL_ITEMS
from deescalate.analysis.learned.evaluate import CrossValidation
from deescalate.analysis.scoring import Scoreboard
from deescalate.cli.common import FormatOption, RolesOption, err, load_one, out
from deescalate.encounter.readers import read_encounter
from deescalate.encounter.writers import safe_file_name, to_json, write_atomic
from deescalate.errors import Code, DeescalateError, InputError
from deescalate.report import render
from deescalate.report.json_report import analysis_json

EXTENSIONS = {"json": "json", "markdown": "md", "html": "html"}

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Agency rules file (YAML) that adds, replaces or disables rules.",
        envvar="DEESCALATE_RULES_CONFIG",
    ),
]


def analyze_command(
    files: Annotated[list[Path], typer.Argument(help="Encounter files (JSON, WebVTT, SRT, Whisper JSON, text).")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="json, markdown or html.")] = "markdown",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Output file, or a folder when several files are given.")
    ] = None,
    roles: RolesOption = None,
    config: ConfigOption = None,
    input_format: FormatOption = None,
) -> None:
    """Find checklist evidence in encounters and write a report for each."""
    if fmt not in EXTENSIONS:
        raise typer.BadParameter(f"--format must be one of {', '.join(EXTENSIONS)}")
    analyzer = Analyzer(config)
    several = len(files) > 1
    if several and output is None and fmt == "html":
        raise InputError(Code.E005, "several HTML reports need a folder: pass -o DIR")
    failed = 0
    collected: list[dict[str, object]] = []
    with Progress(console=err, transient=True, disable=not several) as progress:
        task = progress.add_task("analyzing", total=len(files))
        for path in files:
            try:
                encounter = load_one(path, roles, input_format)
                analysis = analyze(encounter, analyzer)
            except DeescalateError as exc:
                if not several:
                    raise
                err.print(f"error: {exc.one_line()}", markup=False, highlight=False)
                failed += 1
                progress.advance(task)
                continue
            if output is not None and (several or output.is_dir()):
                # the id comes from inside the file: "../../x" must not put a report outside the folder
                target = output / f"{safe_file_name(encounter.id, 'encounter')}.{EXTENSIONS[fmt]}"
                write_atomic(target, render(analysis, fmt))
                err.print(f"wrote {target}", markup=False, highlight=False)
            elif output is not None:
                write_atomic(output, render(analysis, fmt))
                err.print(f"wrote {output}", markup=False, highlight=False)
            elif fmt == "json" and several:
                collected.append(analysis_json(analysis))
            else:
                sys.stdout.write(render(analysis, fmt))
            progress.advance(task)
    if collected:
        sys.stdout.write(json.dumps(collected, indent=2, ensure_ascii=False) + "\n")
    if failed:
        err.print(f"{failed} of {len(files)} files could not be analyzed", markup=False)
        raise typer.Exit(2)


ModelOption = Annotated[
    str,
    typer.Option(
        "--model",
        help="Learned layer: 'default' (bundled, or DEESCALATE_MODEL), a model file, or 'none' for rules alone.",
    ),
]


def eval_command(
    corpus: Annotated[Path, typer.Argument(help="Folder of annotated encounter/v1 JSON files (searched recursively).")],
    errors: Annotated[bool, typer.Option("--errors", help="List every false positive and false negative.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    config: ConfigOption = None,
    model: ModelOption = "default",
    cv: Annotated[
        str | None,
        typer.Option("--cv", help="'writer': leave-one-writer-out cross-validation (trains a model per writer)."),
    ] = None,
    variants: Annotated[
        str, typer.Option("--variants", help="With --cv: comma-separated rules, model, combined.")
    ] = "rules,model,combined",
    workers: Annotated[int, typer.Option("--workers", help="With --cv: processes to train in.")] = 1,
) -> None:
    """Score the analyzer against annotated encounters (per-label P/R/F1, macro F1)."""
    if not corpus.is_dir():
        raise InputError(Code.E001, "corpus folder not found", file=str(corpus))
    if cv is not None:
        if cv != "writer":
            raise typer.BadParameter("--cv takes 'writer'")
        _cross_validate(corpus, variants, workers, as_json, config)
        return
    analyzer = Analyzer(config, model=_model_arg(model))
    board = Scoreboard()
    for path in sorted(corpus.rglob("*.json")):
        encounter = read_encounter(path)
        if not any(u.labels for u in encounter.utterances):
            continue
        board.add(encounter, analyzer.findings(encounter))
    if board.encounters == 0:
        raise InputError(Code.E050, "no annotated encounters (utterances with 'labels') found", file=str(corpus))
    if as_json:
        out.print_json(json.dumps({**_board_json(board), "model": analyzer.model_version}))
        return
    table = Table(title=f"deescalate eval — {corpus} ({board.encounters} encounters)")
    for col in ("label", "item", "precision", "recall", "F1", "support"):
        table.add_column(col, justify="left" if col in ("label", "item") else "right")
    for s in board.scores.values():
        table.add_row(
            s.label, LABEL_ITEMS[s.label], f"{s.precision:.2f}", f"{s.recall:.2f}", f"{s.f1:.2f}", str(s.support)
        )
    out.print(table)
    out.print(f"macro F1 (labels with support): {board.macro_f1:.3f}")
    out.print(f"learned model: {analyzer.model_version or 'none (rules alone)'}", markup=False, highlight=False)
    if errors:
        for e in board.errors:
            rule = f" [{e.rule}]" if e.rule else ""
            out.print(
                f"{e.kind} {e.label:20} {e.encounter_id} {e.utterance_id}{rule}: {e.text}",
                markup=False,
                highlight=False,
            )


def _model_arg(model: str) -> str | None:
    return None if model == "none" else model


def _board_json(board: Scoreboard) -> dict[str, object]:
    return {
        "encounters": board.encounters,
        "macro_f1": round(board.macro_f1, 4),
        "labels": {
            s.label: {
                "precision": round(s.precision, 4),
                "recall": round(s.recall, 4),
                "f1": round(s.f1, 4),
                "support": s.support,
                "tp": s.tp,
                "fp": s.fp,
                "fn": s.fn,
            }
            for s in board.scores.values()
        },
    }


def _cross_validate(corpus: Path, variants: str, workers: int, as_json: bool, config: Path | None) -> None:
    from deescalate.analysis.learned.evaluate import VARIANTS, leave_one_writer_out
    from deescalate.analysis.learned.train import TrainOptions, load_corpus

    chosen = [v.strip() for v in variants.split(",") if v.strip()]
    if not chosen or set(chosen) - set(VARIANTS):
        raise typer.BadParameter(f"--variants takes a comma-separated list of {', '.join(VARIANTS)}")
    files = load_corpus([corpus])
    writers = sorted({cf.writer for cf in files})
    if len(writers) < 2:
        raise InputError(Code.E050, "leave-one-writer-out needs encounters from at least two writers", file=str(corpus))
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("leave one writer out", total=len(writers))
        result = leave_one_writer_out(
            files,
            TrainOptions(),
            variants=chosen,
            workers=workers,
            rules_config=config,
            progress=lambda _w: progress.advance(task),
        )
    if as_json:
        out.print_json(json.dumps(cv_json(result)))
        return
    print_cv(result, title=f"leave one writer out — {corpus} ({len(files)} encounters, {len(writers)} writers)")


def cv_json(result: CrossValidation) -> dict[str, object]:
    return {
        "overall": {v: _board_json(b) for v, b in result.overall.items()},
        "by_writer": {
            w: {"style": result.styles[w], **{v: round(b.macro_f1, 4) for v, b in boards.items()}}
            for w, boards in result.by_writer.items()
        },
    }


def print_cv(result: CrossValidation, *, title: str) -> None:
    chosen = list(result.overall)
    table = Table(title=title)
    table.add_column("label")
    for v in chosen:
        for col in ("P", "R", "F1"):
            table.add_column(f"{v} {col}", justify="right")
    table.add_column("support", justify="right")
    for label in LABEL_ITEMS:
        cells = []
        for v in chosen:
            s = result.overall[v].scores[label]
            cells += [f"{s.precision:.2f}", f"{s.recall:.2f}", f"{s.f1:.2f}"]
        table.add_row(label, *cells, str(result.overall[chosen[0]].scores[label].support))
    table.add_row("macro F1", *[c for v in chosen for c in ("", "", f"{result.overall[v].macro_f1:.3f}")], "")
    out.print(table)
    by_style = Table(title="macro F1 on each held-out writer")
    by_style.add_column("writer")
    by_style.add_column("style")
    for v in chosen:
        by_style.add_column(v, justify="right")
    for writer, boards in result.by_writer.items():
        by_style.add_row(writer, result.styles[writer], *[f"{boards[v].macro_f1:.3f}" for v in chosen])
    out.print(by_style)


def demo_command(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the reports.")] = Path("out"),
) -> None:
    """Analyze the bundled example encounters and write their reports."""
    from deescalate.examples import example_paths

    analyzer = Analyzer()
    for path in example_paths():
        encounter = read_encounter(path)
        analysis = analyze(encounter, analyzer)
        out.rule(f"{encounter.title or encounter.id}")
        for v in analysis.verdicts:
            colour = {"demonstrated": "green", "concerns": "red", "mixed": "yellow"}.get(v.status.value, "dim")
            out.print(f"  [{colour}]{v.item:9} {v.status.value:13}[/{colour}] {v.summary}")
        if analysis.moments:
            out.print("  [bold]Key moments[/bold]")
            for m in analysis.moments:
                out.print(f"    {m.text}", markup=False, highlight=False)
        for fmt in ("html", "json"):
            target = out_dir / f"{encounter.id}.{EXTENSIONS[fmt]}"
            write_atomic(target, render(analysis, fmt))
        out.print(f"  reports: {out_dir / (encounter.id + '.html')} and .json", markup=False, highlight=False)
    _demo_merge(out_dir, analyzer)
    _demo_audio(out_dir, analyzer)
    _demo_briefing(out_dir)
    out.print(f"\nOpen the HTML reports in {out_dir}/ in a browser.", markup=False, highlight=False)


def _demo_briefing(out_dir: Path, calls: int = 20_000) -> None:
    from rich.console import Console
    from sqlalchemy.orm import Session

    from deescalate.briefing.brief import brief
    from deescalate.briefing.render import to_html, to_json, to_rich

    wrapping = Console()  # panels and tables wrap to the terminal, unlike the line-oriented output
    from deescalate.store.db import make_engine, upgrade
    from deescalate.store.synthetic import generate_city, sample_call

    out_dir.mkdir(parents=True, exist_ok=True)
    db = out_dir / "demo-city.db"
    for stale in out_dir.glob("demo-city.db*"):
        stale.unlink()
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    out.rule(f"before arrival: a synthetic city of {calls:,} calls, and a briefing")
    stats = generate_city(engine, calls=calls, seed=1)
    out.print(
        f"  {db}: {stats.calls:,} calls, {stats.premises:,} premises, {stats.persons:,} persons, "
        f"{stats.flags_active + stats.flags_expired:,} caution flags ({stats.flags_expired:,} expired)",
        markup=False,
        highlight=False,
    )
    call = sample_call(engine, seed=4)
    with Session(engine) as session:
        briefing = brief(call, session=session)
    wrapping.print(to_rich(briefing))
    write_atomic(out_dir / f"briefing-{call.number}.html", to_html(briefing))
    write_atomic(out_dir / f"briefing-{call.number}.json", to_json(briefing))
    out.print(f"  briefing: {out_dir / ('briefing-' + call.number + '.html')} and .json", markup=False, highlight=False)


def _demo_audio(out_dir: Path, analyzer: Analyzer) -> None:
    from deescalate.cli.common import transcribe_media
    from deescalate.examples import audio_paths

    for path in audio_paths():
        out.rule(f"a body-camera recording: {path.name}")
        encounter = transcribe_media(path, None)
        analysis = analyze(encounter, analyzer)
        for v in analysis.verdicts:
            out.print(f"  {v.item:9} {v.status.value:13} {v.summary}", markup=False, highlight=False)
        for fmt in ("html", "json"):
            write_atomic(out_dir / f"{encounter.id}.{EXTENSIONS[fmt]}", render(analysis, fmt))
        write_atomic(out_dir / f"{encounter.id}.encounter.json", to_json(encounter))
        out.print(f"  reports: {out_dir / (encounter.id + '.html')} and .json", markup=False, highlight=False)


def _demo_merge(out_dir: Path, analyzer: Analyzer) -> None:
    from deescalate.examples import camera_paths
    from deescalate.merge.combine import Camera, merge_cameras

    paths = camera_paths()
    cameras = [Camera.from_encounter(p.stem, read_encounter(p)) for p in paths]
    result = merge_cameras(cameras, incident_id="parking-lot-incident-merged")
    out.rule(f"{len(paths)} body cameras of one incident, merged")
    for o in result.offsets:
        out.print(f"  {o.camera}: clock offset {o.offset:+.2f} s ({o.method}, {o.confidence:.0%})", markup=False)
    analysis = analyze(result.encounter, analyzer)
    m = analysis.measures
    out.print(
        f"  {len(result.encounter.utterances)} utterances; {m.officers_giving_commands} officers commanding, "
        f"at most {m.max_officers_commanding_10s} within 10 s; {m.cross_officer_conflicts} conflicts between officers",
        markup=False,
    )
    write_atomic(out_dir / f"{result.encounter.id}.json", render(analysis, "json"))
    write_atomic(out_dir / f"{result.encounter.id}.html", render(analysis, "html"))
    write_atomic(out_dir / "parking-lot-incident-merged.encounter.json", to_json(result.encounter))
    out.print(f"  reports: {out_dir / (result.encounter.id + '.html')} and .json", markup=False, highlight=False)
