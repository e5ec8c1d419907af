"""Noticing a hidden condition by meaning, in the bundled scenarios: a question or offer about the
condition, or an action that fits it; never an insult, a command or an unrelated use of the same word."""

from __future__ import annotations

import pytest

from deescalate.training.debrief import Debrief
from deescalate.training.scenario import load_scenario
from deescalate.training.session import TrainingSession
from tests.training.test_scenarios import scenario_path

CASES = [
    ("deaf-driver", "What, are you deaf or just stupid?", False),  # an insult inside a question
    ("deaf-driver", "Are you deaf, you idiot?", False),
    ("deaf-driver", "Sir, can you hear me?", True),
    ("deaf-driver", "Do you want me to write it down for you?", True),
    ("deaf-driver", "/write note Are you hurt?", True),  # the action that fits
    ("deaf-driver", "I hear you, that must be frustrating.", False),  # "hear" in another sense
    ("deaf-driver", "Stop signing at me!", False),  # a command about it
    ("autistic-teen", "Be quiet! Sit still!", False),
    ("autistic-teen", "Is the noise too much for you?", True),
    ("autistic-teen", "Would it help if we turned the music off?", True),
    ("knife-crisis", "Are you hearing voices right now?", True),
    ("knife-crisis", "Have you been able to take your medication?", True),
    ("knife-crisis", "Put the knife down!", False),
    ("spanish-speaker", "¿Cómo se llama usted?", True),  # speaking her language
    ("spanish-speaker", "Do you speak English?", True),
    ("spanish-speaker", "Speak English!", False),
    ("spanish-speaker", "I'm calling an interpreter.", True),
    ("diabetic-driver", "Are you diabetic, sir?", True),
    ("diabetic-driver", "Have you eaten anything today?", True),
    ("diabetic-driver", "Have you been drinking tonight?", False),
    ("veteran-car", "Have you served in the military?", True),
    ("veteran-car", "Are you thinking about killing yourself?", True),
    ("veteran-car", "Get your hands on the wheel!", False),
    ("fence-dispute", "This is a civil matter; a surveyor can settle where the line is.", True),
    ("fence-dispute", "Put the stake down.", False),
    ("cannot-breathe", "Can you breathe okay?", True),
    ("cannot-breathe", "If you can talk, you can breathe.", False),
]


@pytest.mark.parametrize(("sid", "line", "noticed"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_model_noticing_by_meaning(sid: str, line: str, noticed: bool) -> None:
    session = TrainingSession(load_scenario(scenario_path(sid)), 1)
    assert session.turn(line).noticed_now is noticed


def test_model_insult_about_deafness_is_an_insult_and_lifts_nothing() -> None:
    sc = load_scenario(scenario_path("deaf-driver"))
    session = TrainingSession(sc, 1)
    r = session.turn("What, are you deaf or just stupid?")
    assert "insult" in r.moves and not r.state.noticed
    assert r.blocked  # his shield stays up: the words still do not reach him
    assert r.state.insults == 1
    verdicts = {v.item: v for v in Debrief(sc, session).analysis.verdicts}
    assert any(v.status.value == "concerns" for v in verdicts.values())
