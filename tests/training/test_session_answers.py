"""The person answers what was asked, from the scenario's fact sheet: for every bundled scenario, their
name, their situation and their need, asked in several phrasings (typos too); near misses get no answer."""

from __future__ import annotations

import pytest

from deescalate.training.scenario import load_scenario, phase_alternatives
from deescalate.training.session import TrainingSession
from tests.training.test_scenarios import IDS, scenario_path

PHRASINGS = {
    "name": [
        "What's your name?",
        "Who am I talking to?",
        "Can I get your name, {title}?",  # the person's own title: "sir" to Rosa asks the manager
        "What do people call you?",
        "whats ur nmae?",
    ],
    "situation": [
        "What happened here?",
        "Can you tell me what's going on?",
        "what hapened?",
        "Talk to me. What's wrong?",
    ],
    "need": [
        "What do you need right now?",
        "How can I help you?",
        "Is there anything you need?",
        "What would help?",
    ],
}
# how the words reach the person: writing for the deaf driver, an interpreter for Rosa
OPENERS = {
    "deaf-driver": "/write note Hello. I'm Officer Grant. I'll write so we can talk.",
    "spanish-speaker": "/call interpreter",
}
WRITTEN = {"deaf-driver"}


def ask(sid: str, question: str, seed: int = 1) -> tuple[str | None, str, set[str]]:
    """(topic answered, the reply, every line the fact sheet has for any topic)."""
    sc = load_scenario(scenario_path(sid))
    session = TrainingSession(sc, seed)
    session.turn(OPENERS.get(sid, "Hi, I'm Officer Grant with the city police. I'm here to help."))
    question = question.format(title=sc.person.title or "please")
    r = session.turn(f"/write note {question}" if sid in WRITTEN else question)
    return r.topic, r.person, {line for answers in sc.facts.values() for a in answers for line in a.say}


@pytest.mark.parametrize("sid", IDS)
@pytest.mark.parametrize(("topic", "question"), [(t, q) for t, qs in PHRASINGS.items() for q in qs])
def test_session_answers_from_the_fact_sheet(sid: str, topic: str, question: str) -> None:
    sc = load_scenario(scenario_path(sid))
    answered, reply, _ = ask(sid, question)
    assert answered == topic, f"{question!r} read as {answered!r}"
    # the answer, after anything the person does as the scene changes ("He drops the stake ...")
    assert any(reply.endswith(line) for a in sc.facts[topic] for line in a.say), reply


@pytest.mark.parametrize("sid", IDS)
@pytest.mark.parametrize(
    "line",
    [
        "My name is Officer Grant.",  # telling their own name, not asking the person's
        "I need you to stay where you are.",  # a need of the officer's, said as a command
        "Nice evening, huh.",
        "Okay.",
    ],
)
def test_session_near_misses_get_no_fact_answer(sid: str, line: str) -> None:
    topic, reply, facts = ask(sid, line)
    assert topic is None
    assert not any(reply.endswith(line) for line in facts), reply


def test_session_answers_follow_the_scene() -> None:
    """Weapon answers depend on whether the knife is down; the deaf driver answers a spoken question
    only once he is reached (before, his words are the not-understood phase line)."""
    sc = load_scenario(scenario_path("deaf-driver"))
    spoken = TrainingSession(sc, 1)
    r = spoken.turn("What's your name?")
    assert r.topic is None and r.blocked
    assert any(r.person in lines for lines in phase_alternatives(sc, r.state.phase))


def test_session_spanish_in_spanish_is_understood() -> None:
    sc = load_scenario(scenario_path("spanish-speaker"))
    session = TrainingSession(sc, 1)
    r = session.turn("Hola señora, ¿cómo se llama usted?")
    assert r.noticed_now and r.topic == "name" and not r.blocked
    assert "talk" in r.moves or "question" in r.moves  # never silence
