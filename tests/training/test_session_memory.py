"""The person remembers the scene: no line said twice in a row to different words, an answer asked for
again is owned as already given, someone called is there from then on, what has come about is not told as
news again, and the trainee's own words said again (or a long calm line) are not read as new moves."""

from __future__ import annotations

import pytest

from deescalate.training.model import State, ending_text
from deescalate.training.session import TrainingSession, TurnResult
from tests.training.test_scenarios import IDS, scenario

# how words reach the person: a note for the deaf driver, the interpreter for Rosa
OPENERS = {"deaf-driver": "/write note Hello, I'm Officer Park.", "spanish-speaker": "/call interpreter"}
WRITTEN = {"deaf-driver"}


def turn(s: TrainingSession, line: str) -> TurnResult:
    r = s.play(f"/write note {line}" if s.scenario.id in WRITTEN and not line.startswith("/") else line)
    assert not isinstance(r, str)
    return r


def opened(sid: str, seed: int = 1) -> TrainingSession:
    s = TrainingSession(scenario(sid), seed)
    turn(s, OPENERS.get(sid, "Hi, I'm Officer Park with the city police."))
    return s


@pytest.mark.parametrize("sid", IDS)
def test_session_different_words_never_get_the_same_line_twice_in_a_row(sid: str) -> None:
    s = opened(sid)
    lines = ["Okay.", "Is it cold out today?", "Hmm, right.", "Is that your car?", "I see.", "Was it busy?"]
    replies = [turn(s, line).person for line in lines if not s.done]
    assert all(a != b for a, b in zip(replies, replies[1:], strict=False)), replies


@pytest.mark.parametrize("sid", IDS)
def test_session_an_answer_asked_for_again_is_owned_as_given(sid: str) -> None:
    s = opened(sid)
    first = turn(s, "What's your name?")
    turn(s, "Okay.")
    again = turn(s, "Sorry, what was your name?")
    assert first.topic == again.topic == "name"
    ack = s.scenario.person.again
    assert not any(first.person.startswith(a) for a in ack)
    assert any(again.person.startswith(a) for a in ack), again.person
    names = {line for a in s.scenario.facts["name"] for line in a.say}
    assert any(again.person.endswith(line) for line in names)


@pytest.mark.parametrize(
    ("sid", "call", "fact", "ending", "told"),
    [
        ("knife-crisis", "/call michael", "brother_here", "handed_to_clinician", "Her brother rides along."),
        ("veteran-car", "I'm calling your wife Dana now.", "dana_called", "handed_to_clinician", "Dana meets them"),
    ],
)
def test_session_someone_called_is_there_from_then_on(sid: str, call: str, fact: str, ending: str, told: str) -> None:
    before, after = opened(sid), opened(sid)
    turn(after, call)
    assert fact in after.state.facts and fact not in before.state.facts
    asked = [turn(x, "Tell me about your family.").person for x in (before, after)]
    assert asked[0] != asked[1]  # the answer knows who is here
    end = next(e for e in after.scenario.endings if e.kind == ending)
    declared = set(after.scenario.scene)
    assert told in ending_text(end, State(1, 9, facts=after.state.facts), declared)
    assert told not in ending_text(end, State(1, 9, facts=before.state.facts), declared)


@pytest.mark.parametrize(
    ("sid", "setup", "line", "stale"),
    [
        # the guard is already off his back: giving him room does not ease the guard off again
        ("cannot-breathe", ["Get your knee off his back!"], "Give him some room.", "eases"),
        # notes are in use: a spoken order is not met by lip-reading again
        ("deaf-driver", ["/write note Hello, can you read this?"], "Hand me your license.", "lips"),
    ],
)
def test_session_what_is_set_is_not_told_as_news_again(sid: str, setup: list[str], line: str, stale: str) -> None:
    s = TrainingSession(scenario(sid), 1)
    for x in setup:
        s.play(x)
    replies = [turn(s, line).person for _ in range(2)]
    assert not any(stale in r for r in replies), replies


def test_session_before_it_is_set_the_news_is_told() -> None:
    """The near miss of the above: the first time, the guard does ease off."""
    s = TrainingSession(scenario("cannot-breathe"), 1)
    r = turn(s, "Get your knee off his back!")
    assert "weight_off" in r.facts_now and "eases" in r.person


@pytest.mark.parametrize(
    ("first", "second", "repeated"),
    [
        ("That sounds really frustrating.", "That sounds really frustrating.", True),
        ("That sounds really frustrating.", "That sounds really frustrating!", True),  # the same words
        ("That sounds really frustrating.", "I'd be upset too, thirty years is a long time.", False),
    ],
)
def test_session_words_said_again_are_not_new_moves(first: str, second: str, repeated: bool) -> None:
    s = TrainingSession(scenario("fence-dispute"), 1)
    one = turn(s, first)
    two = turn(s, second)
    assert (two.repeat_of == one.turn) is repeated
    calming = [m for m, (da, _) in two.deltas.items() if da < 0]
    assert bool(calming) is not repeated, two.deltas


@pytest.mark.parametrize(
    ("line", "rapid"),
    [
        ("Take your time, sir. Let me know when you're ready, and if you want, have a seat on the bench.", False),
        (
            "I'm going to stay right here, and I want you to know nobody is in trouble, so take a breath, sit down "
            "if you like, and tell me what happened when you're ready.",
            False,
        ),
        ("Okay, take a breath, take your time, tell me when you want to talk.", False),
        ("Get back! Put it down! Hands up! Get on the ground!", True),
        ("Drop it! Step back! Turn around! Hands behind your back!", True),
    ],
)
def test_session_a_long_calm_line_is_not_rapid_commands(line: str, rapid: bool) -> None:
    r = turn(TrainingSession(scenario("fence-dispute"), 1), line)
    assert ("rapid_commands" in r.moves) is rapid, r.moves


def test_session_a_written_note_after_an_order_is_not_rapid_commands() -> None:
    written, spoken = (TrainingSession(scenario("deaf-driver"), 1) for _ in range(2))
    for s in (written, spoken):
        s.play("Hand me your license.")
    note = written.play("/write note Give me your license.")
    said = spoken.play("Give me your license.")
    assert not isinstance(note, str) and not isinstance(said, str)
    assert "rapid_commands" not in note.moves
    assert "rapid_commands" in said.moves  # said aloud, a second order in a row is a volley


def test_session_two_calls_in_one_turn_both_arrive() -> None:
    sc = scenario("veteran-car")
    s = TrainingSession(sc, 1)
    r = turn(s, "I'm calling your wife Dana, and I'm calling the Veterans Crisis Line too.")
    assert s.state.clinician_called and "dana_called" in s.state.facts
    for call in ("dana", "crisis team"):
        assert any(line in r.person for line in sc.calls[call].say), r.person
