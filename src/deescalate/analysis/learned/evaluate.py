"""How well the analyzer generalizes: leave-one-writer-out over an annotated corpus.

Each writer's encounters are scored by a model trained on every other writer
(thresholds and calibration chosen by cross-validation inside that training set),
so a figure says how the analyzer does on phrasing it never saw. Three variants:

- ``rules``: the rules alone;
- ``model``: the learned layer without the rules' hits as features;
- ``combined``: the learned layer with the rules' hits as features (the default analyzer).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from deescalate.analysis.learned.train import CorpusFile, Sample, TrainOptions, collect, train
from deescalate.analysis.scoring import Scoreboard

VARIANTS = ("rules", "model", "combined")


@dataclass
class CrossValidation:
    overall: dict[str, Scoreboard] = field(default_factory=dict)  # variant -> all held-out writers pooled
    by_writer: dict[str, dict[str, Scoreboard]] = field(default_factory=dict)  # writer -> variant -> board
    styles: dict[str, str] = field(default_factory=dict)  # writer -> style


def _score_writer(
    held_out: list[CorpusFile], training: list[Sample], options: TrainOptions, variants: Sequence[str]
) -> dict[str, Scoreboard]:
    from deescalate.analysis.analyzer import Analyzer
    from deescalate.analysis.learned import LearnedLayer

    boards: dict[str, Scoreboard] = {}
    for variant in variants:
        if variant == "rules":
            analyzer = Analyzer(model=None)
        else:
            fitted = train(training, replace(options, use_rules=variant == "combined"))
            analyzer = Analyzer(model=LearnedLayer.from_artifact(fitted.artifact))
        board = Scoreboard()
        for cf in held_out:
            board.add(cf.encounter, analyzer.findings(cf.encounter))
        boards[variant] = board
    return boards


def leave_one_writer_out(
    files: Sequence[CorpusFile],
    options: TrainOptions,
    *,
    variants: Sequence[str] = VARIANTS,
    workers: int = 1,
    rules_config: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> CrossValidation:
    samples = collect(files, rules_config=rules_config)
    writers = sorted({cf.writer for cf in files})
    result = CrossValidation(overall={v: Scoreboard() for v in variants})
    jobs = []
    for writer in writers:
        held_out = [cf for cf in files if cf.writer == writer]
        training = [s for s in samples if s.writer != writer]
        result.styles[writer] = held_out[0].style
        jobs.append((writer, held_out, training))
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {w: pool.submit(_score_writer, h, t, options, variants) for w, h, t in jobs}
            for writer, future in futures.items():
                result.by_writer[writer] = future.result()
                if progress:
                    progress(writer)
    else:
        for writer, held_out, training in jobs:
            result.by_writer[writer] = _score_writer(held_out, training, options, variants)
            if progress:
                progress(writer)
    for boards in result.by_writer.values():
        for variant, board in boards.items():
            result.overall[variant].merge(board)
    return result
