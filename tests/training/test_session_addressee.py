"""Whoever is spoken to answers: the person, or someone else on the scene (the neighbour, the manager, the
guard, the brother once he is there), addressed by name, by a word for them, by title, or as the last one
who spoke when the words follow up on what they said; only hostility said to someone else moves the
person."""

from __future__ import annotations

import pytest

from deescalate.training.session import TrainingSession
from tests.training.test_scenarios import scenario


def session(sid: str, *lines: str) -> TrainingSession:
    s = TrainingSession(scenario(sid), 1)
    for line in lines:
        s.play(line)
    return s


@pytest.mark.parametrize(
    ("sid", "before", "line", "who"),
    [
        ("fence-dispute", (), "B: Dale, can you tell me what happened from your side?", "Dale Okonkwo"),
        ("fence-dispute", (), "A: What's your name, neighbour?", "Dale Okonkwo"),
        ("fence-dispute", (), "Mr. Okonkwo, are you hurt?", "Dale Okonkwo"),
        ("fence-dispute", (), "Did Dale pull your stake out?", "Gary Pruitt"),  # spoken of, not to
        ("fence-dispute", (), "I'll go and talk to Dale.", "Gary Pruitt"),  # the name as an object
        ("fence-dispute", (), "What happened here?", "Gary Pruitt"),  # no one named: the person
        # the last one who spoke is answered until someone else is addressed
        ("fence-dispute", ("Dale, what happened?",), "And when did the fence go in?", "Dale Okonkwo"),
        ("fence-dispute", ("Dale, what happened?",), "Gary, what's your name?", "Gary Pruitt"),
        ("fence-dispute", ("Dale, what happened?",), "What happened, Mr. Pruitt?", "Gary Pruitt"),
        # after the manager answered: a follow-up question is his, what only Rosa can answer or a statement hers
        ("spanish-speaker", ("/call interpreter", "Sir, what happened?"), "And did she say why?", "Tom Hale"),
        (
            "spanish-speaker",
            ("/call interpreter", "Sir, what happened?"),
            "Is there anything you need?",
            "Rosa Delgado",
        ),
        ("spanish-speaker", ("/call interpreter", "Sir, what happened?"), "You're not in trouble.", "Rosa Delgado"),
        # titles: the one they fit ("sir" the manager, "ma'am" Rosa)
        ("spanish-speaker", (), "Sir, what happened here?", "Tom Hale"),
        ("spanish-speaker", ("Sir, what happened here?",), "Thank you ma'am.", "Rosa Delgado"),
        ("spanish-speaker", ("Sir, what happened here?",), "¿Cómo se llama, señora?", "Rosa Delgado"),
        # Spanish is for the one who speaks it, whoever spoke last
        ("spanish-speaker", ("Sir, what happened here?",), "¿Cómo se llama usted?", "Rosa Delgado"),
        # two men: "sir" goes to the one of them who spoke last; a word for the guard goes to him
        ("cannot-breathe", (), "Security, get your knee off his back!", "Kyle Brandt"),
        ("cannot-breathe", (), "Sir, can you breathe?", "Jerome Tate"),
        ("cannot-breathe", ("Guard, what's your name?",), "Sir, are you hurt?", "Kyle Brandt"),
        # someone not there cannot answer: Michael only once he has been called up
        ("knife-crisis", (), "Michael, can you wait downstairs?", "Angela Ruiz"),
        ("knife-crisis", ("/call michael",), "Michael, can you wait in the hallway?", "Michael Ruiz"),
        ("veteran-car", (), "Dana, are you there?", "Sam Kowalski"),
        ("veteran-car", ("I'm calling your wife Dana on my phone now.",), "Dana, can you hear me?", "Dana Kowalski"),
    ],
)
def test_session_the_one_addressed_answers(sid: str, before: tuple[str, ...], line: str, who: str) -> None:
    s = session(sid, *before)
    r = s.play(line)
    assert not isinstance(r, str)
    assert r.by == who, r.person
    assert s.encounter.participant(s.encounter.utterances[-1].speaker).name == who  # the transcript says so


def test_session_another_answers_from_their_own_fact_sheet() -> None:
    s = session("fence-dispute")
    r = s.play("Dale, what's your name?")
    assert not isinstance(r, str)
    assert r.topic == "name" and r.person in s.scenario.others["dale"].facts["name"][0].say


@pytest.mark.parametrize(
    ("line", "moves_the_person"),
    [
        ("Dale, can you tell me what happened?", False),  # listening to the neighbour is not listening to Gary
        ("Dale, take your time, I'm here to help.", False),
        ("Dale, shut up, you idiot.", True),  # he sees how you treat people
    ],
)
def test_session_words_to_someone_else_move_the_person_only_by_hostility(line: str, moves_the_person: bool) -> None:
    s = session("fence-dispute")
    before = s.state
    r = s.play(line)
    assert not isinstance(r, str) and r.by == "Dale Okonkwo"
    moved = (s.state.agitation, s.state.rapport) != (before.agitation, before.rapport)
    assert moved is moves_the_person, r.deltas


def test_session_what_the_person_does_meanwhile_is_theirs() -> None:
    """The scene goes on while someone else is spoken to: the guard eases off when told, said by the
    narration of the scene, and the guard answers."""
    s = session("cannot-breathe")
    r = s.play("Security, get your knee off his back!")
    assert not isinstance(r, str)
    assert "weight_off" in r.facts_now and r.by == "Kyle Brandt"
    assert "eases his knee off" in r.aside
    speakers = [u.speaker for u in s.encounter.utterances[-2:]]
    assert speakers == ["PERSON", "KYLE"]
