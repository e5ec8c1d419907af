"""`deescalate model`: build the learned layer from annotated encounters, and read its card."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from deescalate.cli.common import err, out
from deescalate.encounter.writers import write_atomic
from deescalate.errors import Code, ConfigError

app = typer.Typer(no_args_is_help=True, help="Build and inspect the learned layer.")

DEFAULT_CORPUS = Path("corpus/train")


def card_path(model: Path) -> Path:
    return model.with_name(model.stem + ".card.md")


@app.command("train")
def train_command(
    corpus: Annotated[
        list[Path] | None, typer.Argument(help="Annotated encounter folders (default: corpus/train).")
    ] = None,
    output: Annotated[Path, typer.Option("-o", "--out", help="Model file to write.")] = Path("deescalate-model.npz"),
    extra: Annotated[
        list[Path] | None,
        typer.Option("--extra", help="An agency's own annotated encounters (folder or file), added to the corpus."),
    ] = None,
    holdout: Annotated[
        float, typer.Option("--holdout", help="Share of the --extra files held back to compare old and new.")
    ] = 0.25,
    base: Annotated[
        str, typer.Option("--base", help="The model to compare against on held-back files ('default': bundled).")
    ] = "default",
    seed: Annotated[int, typer.Option("--seed", help="Same corpus and seed, same file.")] = 1,
    version: Annotated[int, typer.Option("--version", help="Version number written into the model.")] = 3,
    c: Annotated[float, typer.Option("--c", help="Inverse regularization strength of the linear models.")] = 3.0,
    folds: Annotated[int, typer.Option("--folds", help="Cross-validation folds (grouped by writer).")] = 4,
    cv: Annotated[
        bool, typer.Option("--cv", help="Also run leave-one-writer-out and put its table in the model card (slow).")
    ] = False,
    workers: Annotated[int, typer.Option("--workers", help="With --cv: processes to train in.")] = 1,
) -> None:
    """Train the learned layer (reproducibly) and write it with its model card."""
    from deescalate.analysis.learned.card import model_card
    from deescalate.analysis.learned.train import TrainOptions, collect, load_corpus, train

    folders = corpus or [DEFAULT_CORPUS]
    files = load_corpus(folders)
    held_back = []
    if extra:
        added = load_corpus(extra)
        shuffled = sorted(added, key=lambda cf: str(cf.path))
        random.Random(seed).shuffle(shuffled)
        n_back = round(len(shuffled) * holdout) if len(shuffled) > 1 else 0
        held_back, kept = shuffled[:n_back], shuffled[n_back:]
        files = files + kept
        err.print(
            f"{len(added)} extra files: {len(kept)} trained on, {len(held_back)} held back to compare",
            markup=False,
        )
    with err.status("reading the corpus …"):
        samples = collect(files)
    err.print(f"{len(files)} encounters, {len(samples):,} utterances", markup=False)
    options = TrainOptions(seed=seed, c=c, folds=folds, version=version)
    with err.status("training …") as status:
        result = train(samples, options, progress=lambda label: status.update(f"training {label} …"))
    from deescalate.analysis.learned.artifact import save_artifact

    digest = save_artifact(result.artifact, output)
    boards = None
    if cv:
        from deescalate.analysis.learned.evaluate import leave_one_writer_out
        from deescalate.cli.analysis import cv_json, print_cv

        with err.status("leave one writer out …") as status:
            crossed = leave_one_writer_out(
                files, options, workers=workers, progress=lambda w: status.update(f"leave one writer out: {w} done")
            )
        boards = crossed.overall
        print_cv(crossed, title=f"leave one writer out ({len(crossed.by_writer)} writers)")
        write_atomic(output.with_name(output.stem + ".cv.json"), json.dumps(cv_json(crossed), indent=1) + "\n")
    write_atomic(card_path(output), model_card(result.artifact, digest=digest, cross_validation=boards))
    table = Table(title=f"{output} (sha256 {digest[:12]})")
    for col in (
        "label",
        "positives",
        "threshold (rule fired)",
        "threshold (alone)",
        "P",
        "R",
        "F1 (out of fold, by writer)",
    ):
        table.add_column(col, justify="left" if col == "label" else "right")
    for f in result.fits:
        table.add_row(
            f.label,
            str(f.positives),
            f"{f.threshold:.3f}",
            f"{f.alone_threshold:.3f}",
            f"{f.oof_precision:.2f}",
            f"{f.oof_recall:.2f}",
            f"{f.oof_f1:.2f}",
        )
    out.print(table)
    out.print(f"wrote {output} and {card_path(output)}", markup=False, highlight=False)
    if held_back:
        _compare(held_back, base, output)


def _compare(held_back: list, base: str, new_model: Path) -> None:  # type: ignore[type-arg]
    from deescalate.analysis.analyzer import Analyzer
    from deescalate.analysis.scoring import Scoreboard

    old, new = Scoreboard(), Scoreboard()
    old_analyzer, new_analyzer = Analyzer(model=base), Analyzer(model=new_model)
    for cf in held_back:
        old.add(cf.encounter, old_analyzer.findings(cf.encounter))
        new.add(cf.encounter, new_analyzer.findings(cf.encounter))
    table = Table(
        title=f"old ({old_analyzer.model_version or 'rules alone'}) against new, on {len(held_back)} held-back files"
    )
    for col in ("label", "support", "old F1", "new F1", "change"):
        table.add_column(col, justify="left" if col == "label" else "right")
    for label, score in new.scores.items():
        if not score.support:
            continue
        before = old.scores[label].f1
        table.add_row(label, str(score.support), f"{before:.2f}", f"{score.f1:.2f}", f"{score.f1 - before:+.2f}")
    table.add_row("macro F1", "", f"{old.macro_f1:.3f}", f"{new.macro_f1:.3f}", f"{new.macro_f1 - old.macro_f1:+.3f}")
    out.print(table)


@app.command("info")
def info_command(
    model: Annotated[Path | None, typer.Argument(help="A model file (default: the one in use).")] = None,
) -> None:
    """Print the model card of the learned layer in use (or of MODEL)."""
    from deescalate.analysis.learned import bundled_path, load_layer
    from deescalate.analysis.learned.card import model_card

    layer = load_layer(model if model is not None else "default")
    if layer is None:
        raise ConfigError(Code.E042, "no learned model is in use (rules alone)", file=str(model or bundled_path()))
    out.print(model_card(layer.artifact, digest=layer.digest), markup=False, highlight=False)
