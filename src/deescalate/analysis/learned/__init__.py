"""The learned layer: per-label linear models over words, characters, the speaker, the previous
turn and every rule's hit, deciding each label on each utterance after the rules have run.

A rule finding the model agrees with stays one finding (the rule's span and
evidence, the model's calibrated confidence and evidence beside it); a rule
finding the model rejects is dropped; a label the model finds where no rule
fired becomes a ``model.<label>.v<N>`` finding quoting the words that weighed
most. ``conflicting_command`` stays logic (demands x incompatibility table) over
the final commands.
"""

from __future__ import annotations

import hashlib
import math
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from deescalate.analysis.context import UtteranceContext
from deescalate.analysis.detectors.base import Conversation, Detector, states_distress
from deescalate.analysis.detectors.patterns import make_finding
from deescalate.analysis.findings import Finding
from deescalate.analysis.labels import registry
from deescalate.analysis.learned.artifact import ModelArtifact, artifact_bytes, load_artifact
from deescalate.analysis.learned.features import Token, TurnMemory, tokens, utterance_features
from deescalate.encounter.model import Role

BUNDLED = "deescalate-model.npz"
_LEXICAL = ("w:", "b:", "c:")


def bundled_path() -> Path:
    return Path(str(resources.files(__package__).joinpath(BUNDLED)))


class LearnedLayer(Detector):
    kind = "model"
    name = "model"

    def __init__(self, artifact: ModelArtifact, *, digest: str, disabled: frozenset[str] = frozenset()) -> None:
        self.artifact = artifact
        self.version = int(artifact.meta["version"])
        self.digest = digest
        self.index = {feature: i for i, feature in enumerate(artifact.vocab)}
        self.labels = tuple(artifact.labels)
        self.weights = artifact.weights.astype(np.float32)
        self.bias = artifact.bias.astype(np.float32)
        self.calibration = artifact.calibration.astype(np.float64)
        self.thresholds = artifact.thresholds.astype(np.float64)
        off = {label for label in self.labels if label in disabled or f"model.{label}" in disabled}
        info = registry()
        self.columns: dict[Role, np.ndarray] = {
            role: np.array(
                [j for j, label in enumerate(self.labels) if role in info[label].speakers and label not in off],
                dtype=np.intp,
            )
            for role in Role
        }
        self.decides = frozenset(self.labels) - off

    @classmethod
    def from_artifact(cls, artifact: ModelArtifact) -> LearnedLayer:
        return cls(artifact, digest=hashlib.sha256(artifact_bytes(artifact)).hexdigest())

    def without(self, disabled: frozenset[str] | set[str]) -> LearnedLayer:
        """The same model with labels switched off (by label or ``model.<label>``)."""
        return LearnedLayer(self.artifact, digest=self.digest, disabled=frozenset(disabled))

    @property
    def model_version(self) -> str:
        return f"{self.artifact.meta.get('name', 'deescalate-model')} v{self.version} (sha256 {self.digest[:12]})"

    def probabilities(self, feats: dict[str, float], columns: np.ndarray) -> np.ndarray:
        pairs = [(self.index[f], v) for f, v in feats.items() if f in self.index]
        if not pairs:
            scores = self.bias[columns].astype(np.float64)
        else:
            rows = np.fromiter((i for i, _ in pairs), dtype=np.intp, count=len(pairs))
            values = np.fromiter((v for _, v in pairs), dtype=np.float32, count=len(pairs))
            scores = (values @ self.weights[np.ix_(rows, columns)]).astype(np.float64) + self.bias[columns]
        a, b = self.calibration[columns, 0], self.calibration[columns, 1]
        return 1.0 / (1.0 + np.exp(-(a * scores + b)))

    def decide(self, ctx: UtteranceContext, convo: Conversation, found: list[Finding]) -> list[Finding]:
        memory = convo.state.setdefault(self.name, TurnMemory())
        rule_hits = [(f.detector, f.label) for f in found]
        feats = utterance_features(ctx, rule_hits, memory, distress=states_distress(ctx.prepared.text))
        columns = self.columns[ctx.role]
        out = [f for f in found if f.label not in self.decides]
        if not len(columns):
            return out
        probs = self.probabilities(feats, columns)
        by_label = {f.label: f for f in found}
        for j, p in zip(columns, probs, strict=True):
            label = self.labels[j]
            rule_finding = by_label.get(label)
            if p < self.thresholds[j]:
                if rule_finding is not None and f"h:{rule_finding.detector}" not in self.index:
                    out.append(rule_finding)  # a rule the model never saw (an agency's own) is not its to veto
                continue
            evidence, span = self._evidence(ctx, feats, int(j), float(p))
            if rule_finding is not None:
                out.append(rule_finding.with_model(evidence, round(float(p), 3)))
            else:
                out.append(
                    make_finding(
                        ctx,
                        label=label,
                        start=span[0],
                        end=span[1],
                        rule=f"model.{label}.v{self.version}",
                        confidence=round(float(p), 3),
                        evidence=evidence,
                    )
                )
        return out

    # -- evidence ---------------------------------------------------------------------------------------------
    def _weight(self, feature: str, column: int) -> float:
        i = self.index.get(feature)
        return 0.0 if i is None else float(self.weights[i, column])

    def _evidence(
        self, ctx: UtteranceContext, feats: dict[str, float], column: int, p: float
    ) -> tuple[dict[str, Any], tuple[int, int]]:
        toks = [t for t in tokens(ctx.prepared.text) if t.text not in "?!"]
        contrib = [0.0] * len(toks)
        terms: dict[str, float] = {}
        words = [t.text for t in toks]
        for i, tok in enumerate(toks):
            w = feats.get(f"w:{tok.text}", 0.0) * self._weight(f"w:{tok.text}", column)
            contrib[i] += w
            terms[tok.text] = max(terms.get(tok.text, w), w)
            padded = f"<{tok.text}>"
            for n in (3, 4, 5):
                for k in range(len(padded) - n + 1):
                    gram = f"c:{padded[k : k + n]}"
                    contrib[i] += feats.get(gram, 0.0) * self._weight(gram, column)
        for i in range(len(toks) - 1):
            pair = f"b:{words[i]} {words[i + 1]}"
            w = feats.get(pair, 0.0) * self._weight(pair, column)
            contrib[i] += w / 2
            contrib[i + 1] += w / 2
            key = f"{words[i]} {words[i + 1]}"
            terms[key] = max(terms.get(key, w), w)
        top_terms = sorted(((t, w) for t, w in terms.items() if w > 0), key=lambda tw: (-tw[1], tw[0]))[:4]
        signals = sorted(
            (
                (f, v * self._weight(f, column))
                for f, v in feats.items()
                if not f.startswith(_LEXICAL) and v * self._weight(f, column) > 0
            ),
            key=lambda fw: (-fw[1], fw[0]),
        )[:3]
        evidence: dict[str, Any] = {
            "kind": "model",
            "model": self.model_version,
            "probability": round(p, 3),
            "threshold": round(float(self.thresholds[column]), 3),
            "terms": [[t, round(w, 3)] for t, w in top_terms],
            "signals": [[f, round(w, 3)] for f, w in signals],
        }
        nearest = self._nearest(feats, column)
        if nearest is not None:
            evidence["nearest"] = nearest
        return evidence, _best_span(toks, contrib, len(ctx.prepared.text))

    def _nearest(self, feats: dict[str, float], column: int) -> dict[str, Any] | None:
        art = self.artifact
        rows = [self.index[f] for f in feats if f.startswith(("w:", "b:")) and f in self.index]
        if not rows or not len(art.examples):
            return None
        ptr = art.example_indptr
        hits = np.concatenate([art.example_ids[ptr[r] : ptr[r + 1]] for r in rows])
        if not len(hits):
            return None
        shared = np.bincount(hits, minlength=len(art.examples)).astype(np.float64)
        score = shared / (art.example_norms * math.sqrt(len(rows)))
        score[art.example_labels[:, column] == 0] = -1.0
        best = int(np.argmax(score))
        if score[best] <= 0:
            return None
        example_id, text = art.examples[best]
        return {"id": example_id, "text": text, "similarity": round(float(score[best]), 3)}


def _best_span(toks: list[Token], contrib: list[float], length: int) -> tuple[int, int]:
    """The run of words with the largest summed weight (the whole utterance when none weighs for)."""
    best, best_range = 0.0, None
    run, run_start = 0.0, 0
    for i, c in enumerate(contrib):
        if run <= 0:
            run, run_start = 0.0, i
        run += c
        if run > best:
            best, best_range = run, (run_start, i)
    if best_range is None:
        return 0, length
    return toks[best_range[0]].start, toks[best_range[1]].end


@cache
def _load(path: str) -> LearnedLayer:
    data = Path(path).read_bytes() if Path(path).is_file() else b""
    artifact = load_artifact(Path(path))
    return LearnedLayer(artifact, digest=hashlib.sha256(data).hexdigest())


def load_layer(model: str | Path, *, disabled: frozenset[str] | set[str] = frozenset()) -> LearnedLayer | None:
    """The learned layer from ``model`` ("default": the ``DEESCALATE_MODEL`` setting, else the bundled
    artifact; "none": rules alone). None when the default is asked for and no artifact ships."""
    from deescalate.settings import get_settings

    if model == "default":
        setting = get_settings().model
        model = setting if setting else "bundled"
    if str(model) == "none":
        return None
    if str(model) == "bundled":
        path = bundled_path()
        if not path.is_file():
            return None
        model = path
    layer = _load(str(Path(model).resolve()))
    return layer.without(disabled) if disabled else layer
