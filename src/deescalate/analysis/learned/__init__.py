"""The learned layer: per-label linear models over words, characters, the speaker, the previous
turn and every rule's hit, deciding each label on each utterance after the rules have run.

A rule finding the model agrees with stays one finding (the rule's span and evidence, the model's
calibrated confidence and evidence beside it); a rule finding the model rejects (below the label's
threshold for rule hits) is dropped, except on the labels the registry marks ``rules_stand`` (threat
of force, insult, cannot-comply cue, dismissal, capacity check), where a rule's hit always stands; a
label the model finds where no rule fired, at or above the label's higher threshold for findings the
model makes alone, becomes a ``model.<label>.v<N>`` finding quoting the words that weighed most.
``conflicting_command`` stays logic (demands x incompatibility table) over the final commands.
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
from deescalate.analysis.detectors.base import Detector
from deescalate.analysis.detectors.patterns import make_finding
from deescalate.analysis.findings import Finding
from deescalate.analysis.labels import registry
from deescalate.analysis.learned.artifact import ModelArtifact, artifact_bytes, load_artifact
from deescalate.analysis.learned.features import MARKS, TOKEN, Token, char_features, char_weight, tokens
from deescalate.encounter.model import Role

BUNDLED = "deescalate-model.npz"
_CHAR_CACHE = 200_000  # words whose character-gram rows are kept


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
        alone = artifact.alone_thresholds if artifact.alone_thresholds is not None else artifact.thresholds
        self.alone_thresholds = alone.astype(np.float64)
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
        self.kept = frozenset(label for label in self.labels if info[label].rules_stand)
        self._char_rows: dict[str, np.ndarray] = {}

    @classmethod
    def from_artifact(cls, artifact: ModelArtifact) -> LearnedLayer:
        return cls(artifact, digest=hashlib.sha256(artifact_bytes(artifact)).hexdigest())

    def without(self, disabled: frozenset[str] | set[str]) -> LearnedLayer:
        """The same model with labels switched off (by label or ``model.<label>``)."""
        return LearnedLayer(self.artifact, digest=self.digest, disabled=frozenset(disabled))

    @property
    def model_version(self) -> str:
        return f"{self.artifact.meta.get('name', 'deescalate-model')} v{self.version} (sha256 {self.digest[:12]})"

    def char_rows(self, word: str) -> np.ndarray:
        """The weight rows of the character grams of ``word`` that the model knows, one per occurrence."""
        rows = self._char_rows.get(word)
        if rows is None:
            if len(self._char_rows) >= _CHAR_CACHE:
                self._char_rows.clear()
            get = self.index.get
            known = [i for i in (get(g, -1) for g in char_features(word)) if i >= 0]
            rows = self._char_rows[word] = np.array(known, dtype=np.int64)
        return rows

    def score(self, feats: list[dict[str, float]], words: list[list[str]] | None = None) -> np.ndarray:
        """Calibrated probabilities, utterances x labels, in one sparse product. With ``words`` (each
        utterance's tokens) the features lack their character grams, which are added here from the words."""
        from scipy.sparse import csr_matrix

        get = self.index.get
        sizes = [len(f) for f in feats]
        ids = np.fromiter((get(k, -1) for f in feats for k in f), dtype=np.int64, count=sum(sizes))
        values = np.fromiter((v for f in feats for v in f.values()), dtype=np.float32, count=len(ids))
        rows = np.repeat(np.arange(len(feats)), sizes)
        id_parts, value_parts, row_parts = [ids], [values], [rows]
        for r, ws in enumerate(words or ()):
            grams = [self.char_rows(w) for w in ws if w not in MARKS]
            if not grams:
                continue
            found = np.concatenate(grams)
            id_parts.append(found)
            value_parts.append(np.full(len(found), char_weight(ws), dtype=np.float32))
            row_parts.append(np.full(len(found), r, dtype=np.int64))
        ids, values, rows = np.concatenate(id_parts), np.concatenate(value_parts), np.concatenate(row_parts)
        known = ids >= 0
        x = csr_matrix((values[known], (rows[known], ids[known])), shape=(len(feats), len(self.artifact.vocab)))
        scores = np.asarray(x @ self.weights, dtype=np.float64) + self.bias
        z = np.clip(self.calibration[:, 0] * scores + self.calibration[:, 1], -500.0, 500.0)  # no overflow in exp
        return 1.0 / (1.0 + np.exp(-z))

    def decide_all(
        self, contexts: list[UtteranceContext], found: list[list[Finding]], feats: list[dict[str, float]]
    ) -> list[list[Finding]]:
        """Each utterance's findings after the model has judged every label it decides. ``feats`` come
        without their character grams (``rule_stage(chars=False)``): they are added from the words."""
        words = [TOKEN.findall(ctx.prepared.text) for ctx in contexts]
        probs = self.score(feats, words)
        out: list[list[Finding]] = []
        for ctx, rule_found, f, p in zip(contexts, found, feats, probs, strict=True):
            out.append(self._decide(ctx, rule_found, f, p))
        return out

    def _decide(
        self, ctx: UtteranceContext, found: list[Finding], feats: dict[str, float], probs: np.ndarray
    ) -> list[Finding]:
        columns = self.columns[ctx.role]
        out = [f for f in found if f.label not in self.decides]
        by_label = {f.label: f for f in found}
        explained: _Attribution | None = None
        for j in columns:
            label = self.labels[j]
            rule_finding = by_label.get(label)
            threshold = float(self.thresholds[j] if rule_finding is not None else self.alone_thresholds[j])
            if probs[j] < threshold:
                if rule_finding is not None and (label in self.kept or f"h:{rule_finding.detector}" not in self.index):
                    # such a label's rule hit stands; so does a rule the model never saw (an agency's own)
                    out.append(rule_finding)
                continue
            p = float(probs[j])
            agrees = {
                "kind": "model",
                "model": self.model_version,
                "probability": round(p, 3),
                "threshold": round(threshold, 3),
            }
            if rule_finding is not None:
                out.append(rule_finding.with_model(agrees, round(p, 3)))
                continue
            explained = explained or _Attribution(self, ctx, feats)
            evidence, span = explained.evidence(int(j), agrees)
            out.append(
                make_finding(
                    ctx,
                    label=label,
                    start=span[0],
                    end=span[1],
                    rule=f"model.{label}.v{self.version}",
                    confidence=round(p, 3),
                    evidence=evidence,
                )
            )
        return out


class _Attribution:
    """What weighed in one utterance's scores, worked out only for findings the model makes alone.

    Each token gets its share of every feature it stands for: its word, the word pairs it is in, and each
    of its character grams (a feature found several times is split evenly between the places it is found)."""

    def __init__(self, layer: LearnedLayer, ctx: UtteranceContext, feats: dict[str, float]) -> None:
        self.layer = layer
        self.text_length = len(ctx.prepared.text)
        self.tokens = [t for t in tokens(ctx.prepared.text) if t.text not in MARKS]
        index = layer.index
        # the character grams are not in ``feats`` (the layer adds them from the words)
        known = [(f, v, index[f]) for f, v in feats.items() if f in index and not f.startswith("c:")]
        self.features = [f for f, _, _ in known]
        self.values = np.array([v for _, v, _ in known], dtype=np.float64)
        self.rows = np.array([i for _, _, i in known], dtype=np.intp)
        words = [t.text for t in self.tokens]
        owner: dict[str, list[int]] = {}
        for k, w in enumerate(words):
            owner.setdefault(f"w:{w}", []).append(k)
        padded = ["^", *words, "$"]
        for k in range(len(padded) - 1):
            owner.setdefault(f"b:{padded[k]} {padded[k + 1]}", []).extend(i for i in (k - 1, k) if 0 <= i < len(words))
        feature_at: list[int] = []
        token_at: list[int] = []
        share: list[float] = []
        for n, f in enumerate(self.features):
            owners = owner.get(f, ())
            for k in owners:
                feature_at.append(n)
                token_at.append(k)
                share.append(1.0 / len(owners))
        self.feature_at = np.array(feature_at, dtype=np.intp)
        self.token_at = np.array(token_at, dtype=np.intp)
        self.share = np.array(share, dtype=np.float64)
        # every occurrence of a gram carries the same value, so a token's share is its own grams' weights
        grams = [layer.char_rows(w) for w in words]
        self.gram_rows = np.concatenate(grams) if grams else np.zeros(0, dtype=np.int64)
        self.gram_token = np.repeat(np.arange(len(words)), [len(g) for g in grams])
        self.gram_value = char_weight(words)
        kinds = [f[:2] for f in self.features]
        self.lexical = np.array([k in ("w:", "b:") for k in kinds], dtype=bool)
        self.signal = np.array([k not in ("w:", "b:", "c:") for k in kinds], dtype=bool)
        self._nearest_scores: np.ndarray | None = None

    def evidence(self, column: int, base: dict[str, Any]) -> tuple[dict[str, Any], tuple[int, int]]:
        weights = self.layer.weights[self.rows, column].astype(np.float64) if len(self.rows) else np.zeros(0)
        contrib = self.values * weights
        per_token = np.bincount(
            self.token_at, weights=contrib[self.feature_at] * self.share, minlength=len(self.tokens)
        )
        if len(self.gram_rows):
            gram_weights = self.layer.weights[self.gram_rows, column].astype(np.float64) * self.gram_value
            per_token = per_token + np.bincount(self.gram_token, weights=gram_weights, minlength=len(self.tokens))
        evidence = {
            **base,
            "terms": [[self.features[i][2:], round(float(contrib[i]), 3)] for i in self._top(contrib, self.lexical, 4)],
            "signals": [[self.features[i], round(float(contrib[i]), 3)] for i in self._top(contrib, self.signal, 3)],
        }
        nearest = self._nearest(column)
        if nearest is not None:
            evidence["nearest"] = nearest
        return evidence, _best_span(self.tokens, per_token.tolist(), self.text_length)

    def _top(self, contrib: np.ndarray, mask: np.ndarray, n: int) -> list[int]:
        """The ``n`` features of ``mask`` that weighed most for the label (positive weight only)."""
        chosen = [int(i) for i in np.flatnonzero(mask & (contrib > 0))]
        return sorted(chosen, key=lambda i: (-contrib[i], self.features[i]))[:n]

    def _nearest(self, column: int) -> dict[str, Any] | None:
        art = self.layer.artifact
        if self._nearest_scores is None:
            rows = [r for f, r in zip(self.features, self.rows, strict=True) if f.startswith(("w:", "b:"))]
            ptr = art.example_indptr
            hits = [art.example_ids[ptr[r] : ptr[r + 1]] for r in rows]
            shared = np.bincount(np.concatenate(hits), minlength=len(art.examples)) if hits else np.zeros(0)
            self._nearest_scores = (
                shared / (art.example_norms * math.sqrt(len(rows))) if len(shared) else np.zeros(len(art.examples))
            )
        if not len(self._nearest_scores):
            return None
        score = np.where(art.example_labels[:, column] == 1, self._nearest_scores, -1.0)
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
