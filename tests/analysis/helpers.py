"""Small encounters for analyzer tests, built in code.

Cast: two officers (O1 "Officer Reyes", O2 "Officer Park"), the subject C1
("Mr. Hale"), a bystander B1 and the dispatcher D. Each turn is
``(speaker, text)`` or ``(speaker, text, start)``; turns without a start are
spaced four seconds apart after the previous one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from deescalate.analysis.analyzer import Analyzer
from deescalate.analysis.findings import Finding
from deescalate.encounter.model import Encounter, Participant, Role, Utterance

PARTICIPANTS = (
    Participant(id="O1", role=Role.officer, name="Officer Reyes"),
    Participant(id="O2", role=Role.officer, name="Officer Park"),
    Participant(id="C1", role=Role.subject, name="Mr. Hale"),
    Participant(id="B1", role=Role.bystander),
    Participant(id="D", role=Role.dispatcher),
)

Turn = tuple[str, str] | tuple[str, str, float]

_GAP_S = 4.0
_PUNCT = re.compile(r"[^\w\s'-]")


@cache
def analyzer() -> Analyzer:
    """The default analyzer (rules and the bundled learned layer), compiled once per test session."""
    return Analyzer()


@cache
def rules_analyzer() -> Analyzer:
    """The rules alone, without the learned layer."""
    return Analyzer(model=None)


def encounter(
    *turns: Turn, encounter_id: str = "test-001", participants: Sequence[Participant] = PARTICIPANTS
) -> Encounter:
    utterances = []
    t = 0.0
    for i, turn in enumerate(turns, start=1):
        if len(turn) == 3:
            t = float(turn[2])
        elif i > 1:
            t += _GAP_S
        utterances.append(Utterance(id=f"u{i}", speaker=turn[0], start=t, end=t + 2.5, text=turn[1]))
    return Encounter(id=encounter_id, participants=list(participants), utterances=utterances)


def findings(*turns: Turn, rules_only: bool = False) -> list[Finding]:
    return (rules_analyzer() if rules_only else analyzer()).findings(encounter(*turns))


def labels_of_last(*turns: Turn, rules_only: bool = False) -> set[str]:
    """Labels the analyzer finds on the last turn, given the turns before it."""
    last = f"u{len(turns)}"
    return {f.label for f in findings(*turns, rules_only=rules_only) if last in f.utterance_ids}


def asr(text: str) -> str:
    """A rough ASR rendering of clean text: lower case, punctuation dropped (apostrophes kept)."""
    return " ".join(_PUNCT.sub(" ", text.lower()).split())


def asr_turns(turns: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((speaker, asr(text)) for speaker, text in turns)
