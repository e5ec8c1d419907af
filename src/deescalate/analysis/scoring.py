"""The scorer of the label spec: per-label precision, recall, F1; macro F1 over labels with support."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from deescalate.analysis.findings import Finding
from deescalate.analysis.labels import LABELS
from deescalate.encounter.model import Encounter


@dataclass
class LabelScore:
    label: str
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.support if self.support else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class ErrorCase:
    kind: str  # "FP" or "FN"
    label: str
    encounter_id: str
    utterance_id: str
    text: str
    rule: str | None = None


@dataclass
class Scoreboard:
    scores: dict[str, LabelScore] = field(default_factory=lambda: {label: LabelScore(label) for label in LABELS})
    errors: list[ErrorCase] = field(default_factory=list)
    encounters: int = 0

    def add(self, encounter: Encounter, findings: Iterable[Finding]) -> None:
        self.encounters += 1
        predicted: dict[tuple[str, str], Finding] = {}
        for f in findings:
            for uid in f.utterance_ids:
                predicted.setdefault((f.label, uid), f)
        gold = {(label, u.id) for u in encounter.utterances for label in (u.labels or []) if label in self.scores}
        texts = {u.id: u.text for u in encounter.utterances}
        for key in gold | set(predicted):
            label, uid = key
            score = self.scores[label]
            if key in gold and key in predicted:
                score.tp += 1
            elif key in predicted:
                score.fp += 1
                self.errors.append(ErrorCase("FP", label, encounter.id, uid, texts[uid], predicted[key].rule))
            else:
                score.fn += 1
                self.errors.append(ErrorCase("FN", label, encounter.id, uid, texts[uid]))

    def merge(self, other: Scoreboard) -> None:
        """Pool another board's counts into this one (micro-averaged per label)."""
        for label, score in other.scores.items():
            mine = self.scores[label]
            mine.tp, mine.fp, mine.fn = mine.tp + score.tp, mine.fp + score.fp, mine.fn + score.fn
        self.errors.extend(other.errors)
        self.encounters += other.encounters

    @property
    def macro_f1(self) -> float:
        with_support = [s for s in self.scores.values() if s.support]
        return sum(s.f1 for s in with_support) / len(with_support) if with_support else 0.0
