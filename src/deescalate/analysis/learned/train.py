"""Training the learned layer: reproducible (same corpus and seed, same bytes), checked by
cross-validation grouped by writer, so its figures say how it does on a writer it never saw.

For each label (all but ``conflicting_command``, which stays logic):

1. a logistic regression over the features of ``features.py``, fitted on the utterances whose
   speaker may carry the label (labels.md), with scikit-learn's liblinear solver;
2. out-of-fold scores from ``GroupKFold`` over writers give a Platt calibration (the
   confidence a finding reports) and two thresholds, the pair with the best F1 out of fold: one
   for utterances where a rule of the label fired (the model confirms or vetoes the rule), one for
   the rest (the model finds the label alone), whose findings must reach the registry's
   ``alone_precision`` out of fold: a lead with only the model's word for it has to be right more
   often than not. Where the registry says a rule's hit stands (threat of force, insult,
   cannot-comply cue, dismissal, capacity check), only the second is chosen, for what the model adds
   to the rules; the registry can weigh recall more (cannot-comply cues: F2, since a missed one can
   cost a life) or set a recall target;
3. a final fit on everything.

scikit-learn is needed only here; analysis reads the artifact with NumPy alone.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from deescalate import __version__
from deescalate.analysis.labels import LABELS, RULES_STAND, registry
from deescalate.analysis.learned.artifact import FORMAT, ModelArtifact
from deescalate.encounter.model import Encounter, Role
from deescalate.errors import Code, ConfigError

MODEL_LABELS = tuple(label for label in LABELS if label != "conflicting_command")
RULE_FEATURES = ("h:", "hl:", "ph:")
MIN_DF = 2


@dataclass(frozen=True)
class CorpusFile:
    path: Path
    encounter: Encounter
    writer: str
    style: str


@dataclass(frozen=True)
class Sample:
    file: str
    encounter_id: str
    utterance_id: str
    writer: str
    style: str
    role: Role
    text: str
    features: dict[str, float]
    gold: frozenset[str]


@dataclass
class TrainOptions:
    seed: int = 1
    c: float = 3.0
    folds: int = 4
    # 2: the dual solver and plain-float calibration (the same bytes on any CPU); 3: a second threshold for
    # findings the model makes where no rule fired, under a precision floor
    version: int = 3
    name: str = "deescalate-model"
    use_rules: bool = True  # False: "model alone", without the rules' hits as features


@dataclass
class LabelFit:
    label: str
    positives: int
    threshold: float
    alone_threshold: float
    oof_precision: float
    oof_recall: float
    oof_f1: float


@dataclass
class TrainResult:
    artifact: ModelArtifact
    fits: list[LabelFit] = field(default_factory=list)


def writer_of(path: Path, encounter: Encounter) -> tuple[str, str]:
    extra = encounter.model_extra or {}
    writer = str(extra.get("writer") or path.parent.name)
    return writer, str(extra.get("style") or "unknown")


def load_corpus(folders: Sequence[Path]) -> list[CorpusFile]:
    from deescalate.encounter.readers import read_encounter

    files: list[CorpusFile] = []
    for folder in folders:
        if not folder.exists():
            raise ConfigError(Code.E043, "corpus folder not found", file=str(folder))
        paths = sorted(folder.rglob("*.json")) if folder.is_dir() else [folder]
        for path in paths:
            encounter = read_encounter(path)
            if not any(u.labels is not None for u in encounter.utterances):
                continue
            writer, style = writer_of(path, encounter)
            files.append(CorpusFile(path, encounter, writer, style))
    if not files:
        raise ConfigError(Code.E043, "no annotated encounters (utterances with 'labels')", file=str(folders[0]))
    return files


def collect(files: Iterable[CorpusFile], *, rules_config: Path | None = None) -> list[Sample]:
    from deescalate.analysis.analyzer import Analyzer

    analyzer = Analyzer(rules_config, model=None)
    samples: list[Sample] = []
    for cf in files:
        stage = analyzer.rule_stage(cf.encounter, features=True)
        for ctx, feats in zip(stage.contexts, stage.features, strict=True):
            u = ctx.utterance
            samples.append(
                Sample(
                    str(cf.path),
                    cf.encounter.id,
                    u.id,
                    cf.writer,
                    cf.style,
                    ctx.role,
                    u.text,
                    feats,
                    frozenset(u.labels or ()) & set(MODEL_LABELS),
                )
            )
    return samples


def _vocabulary(samples: Sequence[Sample], use_rules: bool) -> list[str]:
    df: Counter[str] = Counter()
    for s in samples:
        df.update(s.features.keys())
    return sorted(f for f, n in df.items() if n >= MIN_DF and (use_rules or not f.startswith(RULE_FEATURES)))


def _matrix(samples: Sequence[Sample], index: dict[str, int]) -> Any:
    from scipy.sparse import csr_matrix

    indptr: list[int] = [0]
    indices: list[int] = []
    values: list[float] = []
    for s in samples:
        row = sorted((index[f], v) for f, v in s.features.items() if f in index)
        indices.extend(i for i, _ in row)
        values.extend(v for _, v in row)
        indptr.append(len(indices))
    return csr_matrix(
        (np.array(values, dtype=np.float64), np.array(indices, dtype=np.int32), np.array(indptr, dtype=np.int64)),
        shape=(len(samples), len(index)),
    )


def _fit(x: Any, y: np.ndarray, options: TrainOptions) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    if y.min() == y.max():  # one class only: a constant model
        return np.zeros(x.shape[1]), (10.0 if y[0] else -10.0)
    # liblinear's dual coordinate descent runs on its own sparse loops; the primal solver calls BLAS,
    # whose kernels (chosen per CPU at run time) round differently, so the same corpus gave other bytes
    # on another machine
    model = LogisticRegression(
        C=options.c, solver="liblinear", dual=True, random_state=options.seed, max_iter=5000, tol=1e-5
    )
    model.fit(x, y)
    return model.coef_[0].astype(np.float64), float(model.intercept_[0])


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def _platt(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt's sigmoid fitted by Newton's method in plain Python floats (``math.fsum``), rounded, so
    neither BLAS nor NumPy's CPU-specific vector code can change the calibration between machines."""
    if y.min() == y.max():
        return 1.0, 0.0
    s = [round(float(v), 6) for v in scores]
    t = [float(v) for v in y]
    a, b = 1.0, 0.0
    ridge = 1e-6  # keeps the step defined when the scores separate the classes
    for _ in range(100):
        p = [_sigmoid(a * si + b) for si in s]
        r = [pi - ti for pi, ti in zip(p, t, strict=True)]
        w = [pi * (1.0 - pi) for pi in p]
        ga = math.fsum(ri * si for ri, si in zip(r, s, strict=True)) + ridge * a
        gb = math.fsum(r) + ridge * b
        haa = math.fsum(wi * si * si for wi, si in zip(w, s, strict=True)) + ridge
        hab = math.fsum(wi * si for wi, si in zip(w, s, strict=True))
        hbb = math.fsum(w) + ridge
        det = haa * hbb - hab * hab
        if det <= 0:
            break
        da = (hbb * ga - hab * gb) / det
        db = (haa * gb - hab * ga) / det
        a, b = a - da, b - db
        if abs(da) < 1e-9 and abs(db) < 1e-9:
            break
    return round(a, 6), round(b, 6)


def _calibrated(scores: np.ndarray, a: float, b: float) -> np.ndarray:
    return np.array([round(_sigmoid(a * round(float(v), 6) + b), 6) for v in scores])


THRESHOLD_GRID = np.round(np.arange(0.01, 1.0, 0.01), 2)


@dataclass(frozen=True)
class Thresholds:
    with_rule: float  # where a rule of the label fired: the finding stands when p >= this
    alone: float  # where none fired: the model finds the label when p >= this
    precision: float  # out of fold, of the decisions these give
    recall: float
    f1: float


def _counts(p: np.ndarray, y: np.ndarray, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """True and false positives at each threshold of ``grid`` (integers: the same on any CPU)."""
    order = np.sort(p)
    positives = np.sort(p[y == 1])
    at_or_above = len(order) - np.searchsorted(order, grid, side="left")
    tp = len(positives) - np.searchsorted(positives, grid, side="left")
    return tp, at_or_above - tp


def _thresholds(
    p: np.ndarray,
    y: np.ndarray,
    hit: np.ndarray,
    *,
    beta: float,
    recall_target: float | None = None,
    alone_precision: float = 0.0,
    rules_stand: bool = False,
) -> Thresholds:
    """The pair of thresholds with the best F-beta out of fold (or, with ``recall_target``, the best precision
    that keeps that recall): one for utterances where a rule of the label fired, one for the rest. The
    findings the model makes alone must reach ``alone_precision``. With ``rules_stand`` a rule's hit is
    found whatever the model says, so only the second threshold is chosen (for what the model adds)."""
    positives = int(y.sum())
    if not positives:
        return Thresholds(0.5, 0.5, 0.0, 0.0, 0.0)
    rule_grid = np.concatenate([[0.0], THRESHOLD_GRID])
    tp_r, fp_r = _counts(p[hit], y[hit], rule_grid)
    if rules_stand:
        tp_r, fp_r = tp_r[:1], fp_r[:1]
    tp_a, fp_a = _counts(p[~hit], y[~hit], THRESHOLD_GRID)
    tp = tp_r[:, None] + tp_a[None, :]
    fp = fp_r[:, None] + fp_a[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        recall = tp / positives
        b2 = beta * beta
        fbeta = np.where(tp > 0, (1 + b2) * precision * recall / (b2 * precision + recall), 0.0)
        f1 = np.where(tp > 0, 2 * precision * recall / (precision + recall), 0.0)
        alone_ok = (tp_a + fp_a == 0) | (tp_a >= alone_precision * (tp_a + fp_a))
    score = precision if recall_target is not None else fbeta
    allowed = alone_ok[None, :] & (tp > 0)
    if recall_target is not None:
        allowed &= recall >= recall_target
    if not allowed.any():  # nothing finds a positive (or keeps the recall): any pair under the floor
        allowed = np.broadcast_to(alone_ok[None, :], tp.shape)
    score = np.where(allowed, score, -1.0)
    i, j = np.unravel_index(int(np.argmax(score)), score.shape)
    t_alone = float(THRESHOLD_GRID[j])
    t_rule = t_alone if rules_stand else float(rule_grid[i])
    return Thresholds(t_rule, t_alone, float(precision[i, j]), float(recall[i, j]), float(f1[i, j]))


def _folds(groups: np.ndarray, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import GroupKFold

    distinct = len(set(groups.tolist()))
    if distinct < 2:
        return []
    splitter = GroupKFold(n_splits=min(n, distinct))
    return list(splitter.split(np.zeros(len(groups)), groups=groups))


def train(
    samples: Sequence[Sample], options: TrainOptions, *, progress: Callable[[str], None] | None = None
) -> TrainResult:
    if not samples:
        raise ConfigError(Code.E043, "no utterances to train on")
    vocab = _vocabulary(samples, options.use_rules)
    index = {f: i for i, f in enumerate(vocab)}
    x_all = _matrix(samples, index)
    info = registry()
    weights = np.zeros((len(vocab), len(MODEL_LABELS)), dtype=np.float32)
    bias = np.zeros(len(MODEL_LABELS), dtype=np.float32)
    calibration = np.zeros((len(MODEL_LABELS), 2), dtype=np.float32)
    thresholds = np.zeros(len(MODEL_LABELS), dtype=np.float32)
    alone = np.zeros(len(MODEL_LABELS), dtype=np.float32)
    # writers when there are several, else encounters: a fold never splits one writer's (or file's) text
    writers = {s.writer for s in samples}
    groups_all = np.array([s.writer if len(writers) > 1 else s.encounter_id for s in samples])
    fits: list[LabelFit] = []
    for j, label in enumerate(MODEL_LABELS):
        if progress:
            progress(label)
        rows = np.array([i for i, s in enumerate(samples) if s.role in info[label].speakers], dtype=np.int64)
        if not len(rows):
            continue
        x = x_all[rows]
        y = np.array([label in samples[i].gold for i in rows], dtype=np.int64)
        oof = np.zeros(len(rows))
        for train_idx, test_idx in _folds(groups_all[rows], options.folds):
            coef, intercept = _fit(x[train_idx], y[train_idx], options)
            oof[test_idx] = x[test_idx] @ coef + intercept
        a, b = _platt(oof, y)
        p = _calibrated(oof, a, b)
        hit = np.array([f"hl:{label}" in samples[i].features for i in rows], dtype=bool)
        chosen = _thresholds(
            p,
            y,
            hit,
            beta=info[label].beta,
            recall_target=info[label].recall_target,
            alone_precision=info[label].alone_precision,
            rules_stand=label in RULES_STAND,
        )
        coef, intercept = _fit(x, y, options)
        weights[:, j] = coef
        bias[j] = intercept
        calibration[j] = (a, b)
        thresholds[j] = chosen.with_rule
        alone[j] = chosen.alone
        fits.append(
            LabelFit(label, int(y.sum()), chosen.with_rule, chosen.alone, chosen.precision, chosen.recall, chosen.f1)
        )
    examples, example_labels, indptr, ids, norms = _example_index(samples, index)
    meta = {
        "format": FORMAT,
        "name": options.name,
        "version": options.version,
        "deescalate": __version__,
        "labels": list(MODEL_LABELS),
        "options": {
            "seed": options.seed,
            "C": options.c,
            "folds": options.folds,
            "use_rules": options.use_rules,
        },
        "features": {"vocabulary": len(vocab), "min_df": MIN_DF},
        "data": _data_summary(samples),
        "per_label": {
            f.label: {
                "positives": f.positives,
                "threshold": round(f.threshold, 4),
                "alone_threshold": round(f.alone_threshold, 4),
                "oof_precision": round(f.oof_precision, 4),
                "oof_recall": round(f.oof_recall, 4),
                "oof_f1": round(f.oof_f1, 4),
            }
            for f in fits
        },
    }
    artifact = ModelArtifact(
        meta=meta,
        vocab=vocab,
        weights=weights,
        bias=bias,
        calibration=calibration,
        thresholds=thresholds,
        examples=examples,
        example_labels=example_labels,
        example_indptr=indptr,
        example_ids=ids,
        example_norms=norms,
        alone_thresholds=alone,
    )
    return TrainResult(artifact, fits)


def _example_index(
    samples: Sequence[Sample], index: dict[str, int]
) -> tuple[list[list[str]], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Positive training utterances and, for each word feature, which of them have it."""
    positives = [s for s in samples if s.gold]
    examples = [[f"{s.encounter_id}:{s.utterance_id}", s.text] for s in positives]
    labels = np.zeros((len(positives), len(MODEL_LABELS)), dtype=np.uint8)
    column = {label: j for j, label in enumerate(MODEL_LABELS)}
    postings: list[list[int]] = [[] for _ in index]
    norms = np.zeros(len(positives), dtype=np.float32)
    for e, s in enumerate(positives):
        for label in s.gold:
            labels[e, column[label]] = 1
        words = [index[f] for f in s.features if f.startswith(("w:", "b:")) and f in index]
        for i in words:
            postings[i].append(e)
        norms[e] = max(1.0, float(np.sqrt(len(words))))
    indptr = np.zeros(len(index) + 1, dtype=np.int32)
    indptr[1:] = np.cumsum([len(p) for p in postings])
    ids = np.array([e for p in postings for e in p], dtype=np.int32)
    return examples, labels, indptr, ids, norms


def _data_summary(samples: Sequence[Sample]) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    for s in samples:
        counts.update(s.gold)
    files = sorted({s.file for s in samples})
    digest = hashlib.sha256()
    for s in samples:
        digest.update(json.dumps([s.encounter_id, s.utterance_id, s.text, sorted(s.gold)]).encode())
    return {
        "encounters": len({(s.writer, s.encounter_id) for s in samples}),
        "utterances": len(samples),
        "writers": sorted({s.writer for s in samples}),
        "styles": sorted({s.style for s in samples}),
        "files": len(files),
        "label_counts": {label: counts[label] for label in MODEL_LABELS},
        "sha256": digest.hexdigest(),
    }
