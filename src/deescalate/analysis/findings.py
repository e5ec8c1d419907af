"""Findings: what the analyzer found, each with everything a reviewer needs to see why.

A finding carries structured ``evidence`` (which pattern, which words, which
earlier command, what the model weighed), never prose: the sentence a reviewer
reads is made from the evidence at the edges (``deescalate.report.explain``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any


@dataclass(frozen=True, slots=True)
class Finding:
    label: str
    checklist_item: str
    utterance_ids: tuple[str, ...]
    speaker: str
    role: str
    start: float
    end: float | None
    span: tuple[int, int]  # character offsets of ``quote`` in the utterance text
    quote: str
    rule: str  # detector name with version, e.g. "threat_of_force.taser.v1", "model.insult.v1"
    confidence: float
    # kind ("pattern", "name", "echo", "directive", "conflict", "model") and its facts; a rule
    # finding the learned layer confirmed also holds the model's evidence under "model"
    evidence: Mapping[str, Any] = field(default_factory=dict, hash=False)
    conflicts_with: str | None = None

    @property
    def utterance_id(self) -> str:
        return self.utterance_ids[0]

    @property
    def detector(self) -> str:
        """The rule name without its version: what an agency config disables."""
        return self.rule.rsplit(".v", 1)[0]

    def with_model(self, model_evidence: Mapping[str, Any], confidence: float) -> Finding:
        return replace(self, evidence={**self.evidence, "model": dict(model_evidence)}, confidence=confidence)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["utterance_ids"] = list(self.utterance_ids)
        data["span"] = list(self.span)
        data["evidence"] = _plain(self.evidence)
        if self.conflicts_with is None:
            del data["conflicts_with"]
        return data


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
