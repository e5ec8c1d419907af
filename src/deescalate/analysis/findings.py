"""Findings: what the analyzer found, each with everything a reviewer needs to see why."""

from __future__ import annotations

from dataclasses import asdict, dataclass
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
    rule: str  # rule name with version, e.g. "threat_of_force.taser.v1"
    confidence: float
    explanation: str
    conflicts_with: str | None = None

    @property
    def utterance_id(self) -> str:
        return self.utterance_ids[0]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["utterance_ids"] = list(self.utterance_ids)
        data["span"] = list(self.span)
        if self.conflicts_with is None:
            del data["conflicts_with"]
        return data
