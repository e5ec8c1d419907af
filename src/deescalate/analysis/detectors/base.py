"""What every detector is: a named, versioned finder of one or more labels.

YAML rules, coded detectors (names, echoes, commands, conflicts) and the learned
layer all register the same way: an agency disables any of them by ``name``, or
every detector of a label by the label's name. A detector reads one utterance in
its conversation and returns findings with structured evidence; encounter-level
detectors (conflicts) also answer once the whole encounter has been read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from deescalate.analysis.context import UtteranceContext
from deescalate.analysis.findings import Finding
from deescalate.encounter.model import Encounter

# Distress that makes a later brush-off a dismissal even without a named inability.
_DISTRESS = re.compile(
    r"\b(?:i'm scared|i'm so scared|you're hurting|it hurts|hurts|killing me|burning|my (?:wrist|arm|shoulder|"
    r"chest|head|knee|back)|can't|help me|i'm sick|please)\b"
)


def states_distress(prepared_text: str) -> bool:
    return _DISTRESS.search(prepared_text) is not None


@dataclass(frozen=True, slots=True)
class IssuedCommand:
    utterance_id: str
    speaker: str
    t: float
    text: str
    demands: frozenset[str]
    complied: bool = False  # the person answered with compliance before the next command


@dataclass
class Conversation:
    """What detectors may know about the encounter so far, while it is read in order."""

    encounter: Encounter
    contexts: list[UtteranceContext]
    civilian_names: frozenset[str]
    present: frozenset[str] = frozenset()  # rule literals found in the current utterance
    found: list[Finding] = field(default_factory=list)  # findings on the current utterance so far
    issued: list[IssuedCommand] = field(default_factory=list)
    distress_seen: bool = False  # a stated inability or distress earlier in the encounter
    by_id: dict[str, UtteranceContext] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)  # a detector's own memory of this encounter, by name


class Detector:
    kind: ClassVar[str] = "coded"  # "rule" (YAML), "coded" or "model"
    name: str = ""
    version: int = 1
    labels: tuple[str, ...] = ()

    @property
    def rule_id(self) -> str:
        return f"{self.name}.v{self.version}"

    def detect(self, ctx: UtteranceContext, convo: Conversation) -> list[Finding]:
        return []

    def finish(self, convo: Conversation) -> list[Finding]:
        return []
