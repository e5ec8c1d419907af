"""The analyzer's output: findings, encounter measures, checklist verdicts, key moments."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from deescalate.analysis.findings import Finding
from deescalate.encounter.model import Encounter


class Status(StrEnum):
    demonstrated = "demonstrated"
    concerns = "concerns"
    mixed = "mixed"
    not_observed = "not observed"


@dataclass(frozen=True, slots=True)
class OfficerMeasures:
    participant_id: str
    name: str
    utterances: int
    words: int
    words_per_minute: float | None  # None when the file gives no end times
    words_per_utterance: float
    commands: int
    command_word_share: float  # share of this officer's words spoken in commands


@dataclass(frozen=True, slots=True)
class UncheckedCue:
    utterance_id: str
    t: float
    speaker: str
    quote: str
    checked_after: float | None  # seconds until an officer's capacity_check, None if never


@dataclass(frozen=True, slots=True)
class CommandInForce:
    """A command counts as in force from when it is given until the same officer's next
    command or ``COMMAND_IN_FORCE_S`` later, whichever comes first."""

    utterance_id: str
    officer: str
    start: float
    until: float


@dataclass(frozen=True, slots=True)
class Measures:
    officers: tuple[OfficerMeasures, ...]
    first_officer_words_at: float | None
    seconds_to_first_command: float | None
    seconds_to_first_force: float | None
    officers_giving_commands: int
    longest_unanswered_command_run: int
    unchecked_inability_cues: tuple[UncheckedCue, ...]
    # the command picture the subject faces (several officers, several cameras)
    commands_in_force: tuple[CommandInForce, ...] = ()
    max_officers_commanding_10s: int = 0
    peak_commands_per_minute: int = 0
    cross_officer_conflicts: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Verdict:
    item: str  # C1..C7 or "delivery"
    title: str
    status: Status
    summary: str  # one or two sentences in a trainer's words
    reasons: tuple[str, ...]  # the findings and measures behind the status, in words
    evidence: tuple[str, ...]  # utterance ids cited

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "title": self.title,
            "status": self.status.value,
            "summary": self.summary,
            "reasons": list(self.reasons),
            "evidence": list(self.evidence),
        }


@dataclass(frozen=True, slots=True)
class KeyMoment:
    t: float
    utterance_id: str
    text: str  # "0:42 — subject says he cannot breathe; no officer checks for 35 s"
    severity: int  # higher is more important


@dataclass(frozen=True)
class Analysis:
    encounter: Encounter
    findings: tuple[Finding, ...]
    measures: Measures
    verdicts: tuple[Verdict, ...]
    moments: tuple[KeyMoment, ...] = field(default=())
    model_version: str | None = None  # the learned layer that decided the findings; None: rules alone
