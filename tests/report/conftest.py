"""A small hand-made Analysis: 3 participants, 8 utterances, one force event, findings that overlap."""

from __future__ import annotations

import pytest

from deescalate.analysis.findings import Finding
from deescalate.analysis.labels import LABEL_ITEMS
from deescalate.analysis.result import (
    Analysis,
    KeyMoment,
    Measures,
    OfficerMeasures,
    Status,
    UncheckedCue,
    Verdict,
)
from deescalate.checklist import load_checklist
from deescalate.encounter.model import Encounter, Event, Participant, Role, Utterance

SCRIPT_TEXT = "He took my keys & my phone <script>alert('x')</script> and I want them back."

UTTERANCES = [
    ("u1", "O1", 0.0, 3.0, "Sheriff's office. Hi sir, I'm Deputy Lane. What's going on tonight?"),
    ("u2", "S1", 4.0, 8.5, SCRIPT_TEXT),
    ("u3", "B1", 9.0, 12.0, "He can't hear you, he's deaf in that ear!"),
    ("u4", "O1", 13.0, 15.0, "Show me your hands."),
    ("u5", "O1", 16.0, 18.5, "Get on the ground now or you'll get tased."),
    ("u6", "S1", 19.0, None, "I can't, my knee is broken."),
    ("u7", "O1", 21.0, 23.0, "Keep your hands up."),
    ("u8", "O1", 40.0, 44.0, "Okay. I hear you, that must hurt. Take your time."),
]

# (utterance, label, quote, conflicts_with)
FINDINGS = [
    ("u1", "respect_marker", "Hi sir", None),
    ("u1", "info_gathering", "What's going on tonight?", None),
    ("u3", "inability_cue", "He can't hear you", None),
    ("u4", "command", "Show me your hands", None),
    ("u5", "command", "Get on the ground now", None),
    ("u5", "conflicting_command", "Get on the ground now or you'll get tased.", "u4"),
    ("u5", "threat_of_force", "you'll get tased", None),
    ("u6", "inability_cue", "I can't, my knee is broken", None),
    ("u7", "command", "Keep your hands up", None),
    ("u7", "conflicting_command", "Keep your hands up.", "u5"),
    ("u8", "active_listening", "I hear you", None),
    ("u8", "empathy", "that must hurt", None),
    ("u8", "slow_down", "Take your time", None),
]

STATUSES = {
    "C1": Status.demonstrated,
    "C2": Status.not_observed,
    "C3": Status.concerns,
    "C4": Status.demonstrated,
    "C5": Status.concerns,
    "C6": Status.mixed,
    "C7": Status.demonstrated,
    "delivery": Status.mixed,
}


def make_encounter() -> Encounter:
    return Encounter(
        id="test-enc-1",
        title="Dispute over keys <ends> in a takedown",
        call_type="disturbance",
        participants=[
            Participant(id="S1", role=Role.subject, name="Sam <Ortiz>"),
            Participant(id="B1", role=Role.bystander, name="Neighbour & friend"),
            Participant(id="O1", role=Role.officer, name="Deputy Lane"),
        ],
        utterances=[Utterance(id=i, speaker=s, start=a, end=b, text=t) for i, s, a, b, t in UTTERANCES],
        events=[Event(t=0.5, type="arrival", by="O1"), Event(t=30.0, type="force", by="O1", detail="takedown")],
    )


def make_finding(enc: Encounter, uid: str, label: str, quote: str, conflicts_with: str | None) -> Finding:
    u = next(u for u in enc.utterances if u.id == uid)
    at = u.text.index(quote)
    return Finding(
        label=label,
        checklist_item=LABEL_ITEMS[label],
        utterance_ids=(uid,),
        speaker=u.speaker,
        role=enc.role_of(u.speaker).value,
        start=u.start,
        end=u.end,
        span=(at, at + len(quote)),
        quote=quote,
        rule=f"{label}.test.v1",
        confidence=0.8,
        evidence={"kind": "test", "says": f"Test explanation for {label} & <friends>"},
        conflicts_with=conflicts_with,
    )


def make_analysis(enc: Encounter | None = None) -> Analysis:
    enc = enc or make_encounter()
    findings = tuple(make_finding(enc, *row) for row in FINDINGS)
    measures = Measures(
        officers=(OfficerMeasures("O1", "Deputy Lane", 5, 40, 96.0, 8.0, 3, 0.45),),
        first_officer_words_at=0.0,
        seconds_to_first_command=13.0,
        seconds_to_first_force=30.0,
        officers_giving_commands=1,
        longest_unanswered_command_run=2,
        unchecked_inability_cues=(UncheckedCue("u6", 19.0, "S1", "I can't, my knee is broken", None),),
    )
    checklist = load_checklist()
    verdicts = tuple(
        Verdict(
            item=item,
            title=checklist.title(item),
            status=status,
            summary=f"Summary of {item} | with a pipe",
            reasons=(f"Reason for {item}",),
            evidence=tuple(f.utterance_id for f in findings if f.checklist_item == item)[:2],
        )
        for item, status in STATUSES.items()
    )
    moments = (
        KeyMoment(19.0, "u6", "0:19 — subject says his knee is broken; no officer checks", 5),
        KeyMoment(16.0, "u5", "threat of force during conflicting commands", 4),
    )
    return Analysis(encounter=enc, findings=findings, measures=measures, verdicts=verdicts, moments=moments)


@pytest.fixture
def analysis() -> Analysis:
    return make_analysis()
