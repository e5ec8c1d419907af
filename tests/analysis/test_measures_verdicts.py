"""Measures, verdicts and key moments on small hand-written encounters."""

from __future__ import annotations

import pytest

from deescalate.analysis.analyzer import analyze
from deescalate.analysis.result import Status
from deescalate.encounter.model import Encounter, Event, Participant, Role, Utterance

PEOPLE = [
    Participant(id="O1", role=Role.officer, name="Officer Reyes"),
    Participant(id="O2", role=Role.officer, name="Officer Park"),
    Participant(id="C1", role=Role.subject, name="Mr. Hale"),
]


def encounter(lines: list[tuple[str, float, float | None, str]], events: list[Event] | None = None) -> Encounter:
    return Encounter(
        id="t",
        participants=PEOPLE,
        utterances=[
            Utterance(id=f"u{i}", speaker=s, start=a, end=b, text=t) for i, (s, a, b, t) in enumerate(lines, 1)
        ],
        events=events or [],
    )


def test_measures_pace_and_command_share() -> None:
    enc = encounter(
        [
            ("O1", 10.0, 14.0, "Hi sir, I'm Officer Reyes with the city police."),
            ("C1", 15.0, 16.0, "Okay."),
            ("O1", 20.0, 23.0, "Put your hands on the wheel."),
            ("O1", 24.0, 34.0, "I stopped you because your tail light is out and I will be right back with you."),
        ]
    )
    m = analyze(enc).measures
    (reyes,) = m.officers
    assert reyes.words == 9 + 6 + 17
    assert reyes.commands == 1
    assert reyes.words_per_utterance == pytest.approx(32 / 3, abs=0.1)
    assert reyes.words_per_minute == pytest.approx(32 / (17 / 60), abs=0.5)
    assert 0 < reyes.command_word_share < 0.3
    assert m.first_officer_words_at == 10.0
    assert m.seconds_to_first_command == 10.0
    assert m.seconds_to_first_force is None


def test_measures_time_to_force_and_commanding_officers() -> None:
    enc = encounter(
        [
            ("O1", 0.0, 2.0, "Step out of the car."),
            ("O2", 3.0, 4.0, "Stay in the car!"),
            ("O1", 5.0, 6.0, "Get out now!"),
        ],
        [Event(t=45.0, type="force", by="O1", detail="hands-on")],
    )
    m = analyze(enc).measures
    assert m.officers_giving_commands == 2
    assert m.seconds_to_first_force == 45.0
    assert m.longest_unanswered_command_run == 3


@pytest.mark.parametrize(
    ("check_at", "unchecked"),
    [(None, True), (71.0, True), (70.0, False), (55.0, False), (40.5, False)],
    ids=["never", "after-31s", "at-30s", "within-30s", "right-away"],
)
def test_measures_unchecked_inability_cue(check_at: float | None, unchecked: bool) -> None:
    lines = [
        ("O1", 30.0, 32.0, "Turn around."),
        ("C1", 40.0, 42.0, "I can't breathe, you're on my back."),
        ("O1", 44.0, 45.0, "Turn around now."),
    ]
    if check_at is not None:
        lines.append(("O1", check_at, check_at + 2, "Are you hurt? Can you breathe okay?"))
    m = analyze(encounter(lines)).measures
    assert bool(m.unchecked_inability_cues) is unchecked
    if unchecked:
        cue = m.unchecked_inability_cues[0]
        assert cue.utterance_id == "u2"
        assert cue.checked_after == (None if check_at is None else check_at - 40.0)


def test_measures_cue_the_recording_ends_on_is_not_judged() -> None:
    lines = [("O1", 30.0, 32.0, "Turn around."), ("C1", 40.0, 42.0, "I can't breathe, you're on my back.")]
    assert analyze(encounter(lines)).measures.unchecked_inability_cues == ()


def test_verdicts_statuses_follow_the_evidence() -> None:
    good = encounter(
        [
            ("O1", 0.0, 3.0, "Hi sir, I'm Officer Reyes with the city police."),
            ("O1", 4.0, 7.0, "That sounds really hard. Take your time, there's no rush."),
        ]
    )
    verdicts = {v.item: v for v in analyze(good).verdicts}
    assert verdicts["C4"].status is Status.demonstrated
    assert verdicts["C6"].status is Status.demonstrated
    assert verdicts["C7"].status is Status.demonstrated
    assert verdicts["C2"].status is Status.not_observed
    assert "u1" in verdicts["C4"].evidence

    bad = encounter(
        [
            ("O1", 0.0, 2.0, "Shut up, you idiot."),
            ("O1", 3.0, 5.0, "Do that again and I'll tase you."),
        ]
    )
    verdicts = {v.item: v for v in analyze(bad).verdicts}
    assert verdicts["C4"].status is Status.concerns
    assert verdicts["C3"].status is Status.concerns
    assert any("u2" in r for r in verdicts["C3"].reasons)


def test_verdicts_cover_every_item_with_trainer_words() -> None:
    result = analyze(encounter([("O1", 0.0, 1.0, "Hello.")]))
    assert [v.item for v in result.verdicts] == ["C1", "C2", "C3", "C4", "C5", "C6", "C7", "delivery"]
    assert all(v.summary and v.title for v in result.verdicts)


def test_key_moments_name_the_time_and_the_gap() -> None:
    enc = encounter(
        [
            ("O1", 30.0, 32.0, "Turn around."),
            ("C1", 42.0, 44.0, "I can't breathe!"),
            ("O2", 50.0, 52.0, "You're fine, you can breathe if you can talk."),
            ("O1", 77.0, 79.0, "Are you hurt? Sit him up."),
        ]
    )
    moments = analyze(enc).moments
    texts = [m.text for m in moments]
    assert any(t.startswith("0:42 — subject says") and "35 s" in t for t in texts)
    assert any(t.startswith("0:50") and "brushed off" in t for t in texts)
    assert [m.t for m in moments] == sorted(m.t for m in moments)
