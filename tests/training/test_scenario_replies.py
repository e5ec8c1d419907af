"""The person's replies as data: the wordings the seed chooses among read alike to the analyzer (so the
seed only chooses words), phase lines cover every state of the scene, and a line that tells something new
is told once."""

from __future__ import annotations

from typing import Any

import pytest

from deescalate.analysis.analyzer import default_analyzer
from deescalate.training.model import line_reading, unlike_alternatives
from deescalate.training.scenario import Scenario, reply_sets
from deescalate.training.session import TrainingSession
from tests.training.test_scenarios import IDS, scenario
from tests.training.tiny import tiny_data


@pytest.mark.parametrize("sid", IDS)
def test_scenario_alternatives_of_one_reply_read_alike(sid: str) -> None:
    assert unlike_alternatives(scenario(sid), default_analyzer()) == []


@pytest.mark.parametrize(
    ("lines", "unlike"),
    [
        (["Yeah. It's been a day.", "Yeah. Long day."], False),
        (["Yeah. It's been a day.", "I can't breathe, please help me."], True),  # one states distress
        (["Yeah. It's been a day.", "I'm deaf, I can't hear you."], True),  # one is a cannot-comply cue
        (["I can't hear you.", "I'm deaf, I can't hear you."], False),  # two cues alike, both distressed
    ],
)
def test_scenario_unlike_alternatives_are_reported_with_where(lines: list[str], unlike: bool) -> None:
    sc = Scenario.model_validate(tiny_data(responses={"empathy": lines}))
    found = dict(unlike_alternatives(sc, default_analyzer()))
    assert ("responses.empathy.0" in found) is unlike
    if unlike:
        assert "reads as" in found["responses.empathy.0"]


def test_scenario_line_reading_names_distress_and_cues() -> None:
    analyzer = default_analyzer()
    assert "distress" in line_reading(analyzer, "Please, it hurts.")
    assert "inability_cue" in line_reading(analyzer, "(He points at his ear and shakes his head.)")
    assert line_reading(analyzer, "Fine. Fine.") == frozenset()


def test_scenario_reply_sets_group_only_lines_said_in_one_state() -> None:
    """Lines for the scene before and after a fact are never alternatives of each other."""
    data = tiny_data(scene={"music_off": {"said": ["music + off"]}})
    data["lines"]["recovery"] = [
        {"when": "music_off", "say": ["It's quieter.", "Better."]},
        {"when": "not music_off", "say": ["Too loud.", "So loud."]},
    ]
    sets = {frozenset(lines) for _, lines in reply_sets(Scenario.model_validate(data))}
    assert frozenset({"It's quieter.", "Better."}) in sets and frozenset({"Too loud.", "So loud."}) in sets
    assert not any({"Better.", "So loud."} <= s for s in sets)


def _recovery(*entries: Any) -> dict[str, Any]:
    data = tiny_data(scene={"music_off": {"said": ["music + off"]}, "door_open": {"said": ["door + open"]}})
    data["lines"]["recovery"] = list(entries)
    return data


@pytest.mark.parametrize(
    ("entries", "loads"),
    [
        ([{"when": "music_off", "say": ["Quieter."]}, {"when": "not music_off", "say": ["Loud."]}], True),
        ([{"when": "music_off", "say": ["Quieter."]}, "Okay."], True),
        ([{"when": "music_off", "say": ["Quieter."]}], False),  # no line while the music plays
        ([{"when": "music_off", "say": ["Quieter."]}, {"when": "door_open", "say": ["Air."]}], False),
        ([{"when": "music_off or door_open", "say": ["A."]}, {"when": "not music_off", "say": ["B."]}], True),
    ],
)
def test_scenario_phase_lines_must_cover_every_state(entries: list[Any], loads: bool) -> None:
    data = _recovery(*entries)
    if loads:
        assert Scenario.model_validate(data).lines["recovery"]
    else:
        with pytest.raises(ValueError, match="lines.recovery needs at least one line that holds whatever"):
            Scenario.model_validate(data)


def test_session_a_said_once_line_is_not_told_again() -> None:
    data = tiny_data(responses={"empathy": [{"once": True, "say": ["I never told anyone that."]}, {"say": ["Yeah."]}]})
    session = TrainingSession(Scenario.model_validate(data), 1)
    replies = [session.turn(line).person for line in ("That sounds hard.", "I'm sorry, that must hurt.")]
    assert replies[0] == "I never told anyone that."
    assert replies[1] != replies[0]


@pytest.mark.parametrize(
    ("sid", "before", "again"),
    [
        # notes: the first tells you he is deaf, a later one does not tell it again
        ("deaf-driver", "/write note Hello, I'm Officer Park.", "/write note Okay, thanks."),
        # a call's arrival is told the first time only
        ("knife-crisis", "/call michael", "/call michael"),
        ("cannot-breathe", "/call guard", "/call guard"),
        ("spanish-speaker", "/call interpreter", "/call interpreter"),
    ],
)
def test_session_what_comes_about_is_told_once(sid: str, before: str, again: str) -> None:
    sc = scenario(sid)
    session = TrainingSession(sc, 1)
    first = session.turn(before).person
    second = session.turn(again).person
    once = [a.say for a in sc.responses.get("write_note", ()) if a.once]
    told = {line for lines in (*(c.say for c in sc.calls.values()), *once) for line in lines}
    assert any(line in first for line in told), first
    assert not any(line in second for line in told), second
