"""A person who speaks no English: their own language is a channel that reaches them (and is answered in
it, from the fact sheet); before an interpreter is on the line English questions do not reach them (a word
they know, "English?", does); once it is, everything they say comes through it."""

from __future__ import annotations

import pytest

from deescalate.training.session import TrainingSession, TurnResult
from tests.training.test_scenarios import scenario

SID = "spanish-speaker"


def turn(s: TrainingSession, line: str) -> TurnResult:
    r = s.play(line)
    assert not isinstance(r, str)
    return r


@pytest.mark.parametrize("line", ["¿Habla inglés?", "¿Habla usted inglés, señora?", "Señora, ¿habla español?"])
def test_session_asked_in_her_language_she_answers_in_it(line: str) -> None:
    sc = scenario(SID)
    r = turn(TrainingSession(sc, 1), line)
    assert r.noticed_now and not r.blocked and r.topic == "language"
    spanish = [a for a in sc.facts["language"] if a.when == "own_language"][0].say
    assert r.person in spanish  # "¡Sí, español! Inglés, no.": the fact sheet, not an eager "¡Sí!"


@pytest.mark.parametrize(
    ("line", "reaches"),
    [
        ("Do you speak English?", True),  # a word she knows
        ("Can you tell me what happened to your card and why the manager took the bag?", False),
        ("What's your name?", False),
        ("Hola señora, ¿cómo se llama usted?", True),  # her own language
    ],
)
def test_session_before_the_interpreter_only_simple_or_spanish_words_reach_her(line: str, reaches: bool) -> None:
    r = turn(TrainingSession(scenario(SID), 1), line)
    assert bool(r.topic) is reaches, r.person  # answered (a word she knows is answered, not taken in)
    assert reaches or r.blocked
    assert "interpreter" not in r.person.lower()


@pytest.mark.parametrize(
    "line",
    [
        "Can you tell me what happened?",  # a topic of her fact sheet
        "What does she need?",
        "Do you speak English?",
        "Is it cold out today?",  # a question she answers nothing to
        "I'm sorry this happened in front of everybody.",  # empathy: her phase line
        "Stand over there.",  # a command
        "You're not in trouble. Take your time.",
        "Okay.",
    ],
)
def test_session_once_the_interpreter_is_on_the_line_she_is_heard_through_it(line: str) -> None:
    s = TrainingSession(scenario(SID), 1)
    turn(s, "/call interpreter")
    r = turn(s, line)
    assert not r.blocked and "interpreter" in r.person.lower(), r.person


def test_session_spoken_to_in_spanish_with_the_interpreter_on_she_answers_in_spanish() -> None:
    sc = scenario(SID)
    s = TrainingSession(sc, 1)
    turn(s, "/call interpreter")
    r = turn(s, "¿Cómo se llama usted?")
    assert r.topic == "name" and "interpreter" not in r.person.lower()
    assert r.person in [line for a in sc.facts["name"] if not a.when for line in a.say]
