"""Questions that fit no required topic: an answer from the optional topics where the scenario has one
(self-harm, the noise, feelings), else the person's neutral answer, never a phase line that ignores the
question; and lines that fit only a state of the scene wait for it."""

from __future__ import annotations

import pytest

from deescalate.training.scenario import load_scenario
from deescalate.training.session import TrainingSession
from tests.training.test_scenarios import IDS, scenario_path
from tests.training.tiny import tiny_data

OPEN = "Hi, I'm Officer Grant with the city police. I'm here to help."


def asked(sid: str, question: str) -> tuple[str | None, str]:
    session = TrainingSession(load_scenario(scenario_path(sid)), 1)
    session.turn(OPEN)
    r = session.turn(question)
    return r.topic, r.person


@pytest.mark.parametrize(
    ("sid", "question", "topic"),
    [
        ("veteran-car", "Are you thinking about hurting yourself?", "self_harm"),
        ("veteran-car", "Have you had thoughts of ending your life?", "self_harm"),
        ("knife-crisis", "Are you safe tonight?", "self_harm"),
        ("autistic-teen", "Is it too loud in here?", "sensory"),
        ("autistic-teen", "Are the lights too bright?", "sensory"),
        ("knife-crisis", "How are you feeling right now?", "feelings"),
        ("veteran-car", "Are you scared?", "feelings"),
        # near misses: no optional topic here, so the neutral answer
        ("fence-dispute", "Is it too loud in here?", "other"),
        ("fence-dispute", "Is it cold out today?", "other"),
    ],
)
def test_unmatched_questions_get_an_answer_that_fits(sid: str, question: str, topic: str) -> None:
    sc = load_scenario(scenario_path(sid))
    answered, reply = asked(sid, question)
    assert answered == topic, (question, answered)
    assert any(reply.endswith(line) for a in sc.facts[topic] for line in a.say), reply  # type: ignore[index]


@pytest.mark.parametrize("sid", [s for s in IDS if s not in ("spanish-speaker", "deaf-driver")])
def test_every_scenario_has_a_neutral_answer_for_a_question_about_nothing_it_knows(sid: str) -> None:
    sc = load_scenario(scenario_path(sid))
    answered, reply = asked(sid, "Do you like the weather today?")
    assert answered == "other"
    assert reply not in {x for lines in sc.lines.values() for x in lines if isinstance(x, str)}


def test_a_line_for_a_state_of_the_scene_waits_for_it() -> None:
    sc = load_scenario(scenario_path("autistic-teen"))
    session = TrainingSession(sc, 1)
    r = session.turn("I'll stay right here, I won't come any closer.")
    assert "distance" in r.moves and "further away" not in r.person  # the crowd has not moved
    session = TrainingSession(sc, 1)
    session.turn("Can everyone please move back and give him some room?")
    assert session.state.facts >= {"crowd_back"}
    r = session.turn("I'll stay right here, I won't come any closer.")
    assert "further away" in r.person, r.person


def test_phase_lines_need_one_line_that_holds_whatever_the_scene() -> None:
    from deescalate.training.scenario import Scenario

    data = tiny_data(scene={"music_off": {"said": ["music + off"]}})
    data["lines"]["recovery"] = [{"when": "music_off", "say": ["It's quieter."]}]
    with pytest.raises(ValueError, match="lines.recovery needs at least one line that holds whatever the scene"):
        Scenario.model_validate(data)
    data["lines"]["recovery"] = [{"when": "music_of", "say": ["It's quieter."]}, "Okay."]
    with pytest.raises(ValueError, match=r"lines\.recovery\.0\.when"):
        Scenario.model_validate(data)
