"""Only what happens is credited: an offer made if it is wanted ("I can call a clinician", "do you want me
to call your brother?") sets nothing and calls no one; doing it, saying it is being done, asking someone to
do it, or carrying out an offer the person took in, does. Small talk is neutral talk, not listening."""

from __future__ import annotations

import pytest

from deescalate.training.model import State, ending_text
from deescalate.training.session import TrainingSession, TurnResult
from tests.training.test_scenarios import scenario


def play(sid: str, *lines: str) -> tuple[TrainingSession, TurnResult]:
    s = TrainingSession(scenario(sid), 1)
    results = [s.play(line) for line in lines]
    last = results[-1]
    assert not isinstance(last, str)
    return s, last


def holds(s: TrainingSession, fact: str) -> bool:
    return bool(s.state.with_facts(set(s.scenario.scene))[fact])


@pytest.mark.parametrize(
    ("sid", "lines", "fact", "set_"),
    [
        ("knife-crisis", ["I can call a clinician if you want."], "clinician_called", False),
        ("knife-crisis", ["Would you like me to get someone from the crisis team?"], "clinician_called", False),
        ("knife-crisis", ["I'm calling the crisis team now."], "clinician_called", True),
        ("knife-crisis", ["Do you want me to call your brother?"], "brother_here", False),
        ("knife-crisis", ["Do you want me to call your brother?", "Okay, I'll do that."], "brother_here", True),
        # an offer lapses when the next turn does something else
        ("knife-crisis", ["Do you want me to call your brother?", "What's your name?"], "brother_here", False),
        ("knife-crisis", ["Would it help if I put your music on?"], "music_on", False),
        ("knife-crisis", ["I'm putting your music on now."], "music_on", True),
        ("diabetic-driver", ["Can I get you some juice?"], "sugar_given", False),
        ("diabetic-driver", ["Here, drink this juice."], "sugar_given", True),
        ("cannot-breathe", ["Do you have your inhaler?"], "inhaler_given", False),  # a question about it
        ("cannot-breathe", ["Here's your inhaler, take a puff."], "inhaler_given", True),
        ("cannot-breathe", ["Can we sit him up?"], "weight_off", True),  # a request to the others
        ("spanish-speaker", ["I can get an interpreter on the phone if you like."], "interpreter_on_line", False),
        ("spanish-speaker", ["I'm going to call an interpreter so we can talk."], "interpreter_on_line", True),
        ("veteran-car", ["Your wife called us, she's really worried about you."], "dana_called", False),  # she did
        ("veteran-car", ["I'm calling your wife Dana now."], "dana_called", True),
        ("veteran-car", ["Would you like me to call Dana?"], "dana_called", False),
        ("veteran-car", ["Would you like me to call Dana?", "Okay, I'm calling her now."], "dana_called", True),
    ],
)
def test_session_offers_set_nothing_until_carried_out(sid: str, lines: list[str], fact: str, set_: bool) -> None:
    s, _ = play(sid, *lines)
    assert holds(s, fact) is set_


def test_session_the_ending_tells_only_what_was_done() -> None:
    """The clinician offered, never called: an ending's sentence about her does not appear."""
    s, _ = play("knife-crisis", "Angela, I can call a clinician if you want.")
    declared = set(s.scenario.scene)
    unresolved = next(e for e in s.scenario.endings if e.kind == "unresolved")
    text = ending_text(
        unresolved, State(5, 5, facts=s.state.facts, clinician_called=s.state.clinician_called), declared
    )
    assert "No crisis clinician is on the way." in text
    assert "No crisis clinician" not in ending_text(unresolved, State(5, 5, clinician_called=True), declared)


@pytest.mark.parametrize(
    ("line", "listening"),
    [
        ("Nice weather today, huh?", False),
        ("How about them Cowboys?", False),
        ("Beautiful day out, isn't it?", False),
        ("Did you see the game last night?", False),
        ("That sounds really frustrating.", True),  # near miss: empathy is credited
        ("Nice weather. So what happened here?", True),  # small talk, then a real question
    ],
)
def test_session_small_talk_is_neutral_talk(line: str, listening: bool) -> None:
    _, r = play("fence-dispute", line)
    credited = {"active_listening", "empathy", "question"} & set(r.moves)
    assert bool(credited) is listening, r.moves
    if not listening:
        assert r.moves == ("talk",)


VETERAN_OPENING = [
    "Sam? Hey, I'm Officer Reyes. I'm going to stay right here by my car, okay?",
    "Your wife called us, she's really worried about you. How are you holding up?",
    "That sounds like a lot to carry. I'm sorry, man.",
    "Sam, I need to ask you something straight up. Are you thinking about killing yourself?",
]


@pytest.mark.parametrize(
    ("line", "order"),
    [
        ("Would you be willing to talk to somebody from the Veterans Crisis Line?", False),  # an offer
        ("Thanks for being honest with me. I'm not in a hurry. We can just talk.", False),  # it calms
        ("Would you step out of the truck for me?", True),  # a request frame is still an order
        ("Step out of the truck.", True),
    ],
)
def test_session_an_offer_or_a_calm_line_is_not_an_order(line: str, order: bool) -> None:
    _, r = play("veteran-car", *VETERAN_OPENING, line)
    assert ("command" in r.moves) is order, r.moves


@pytest.mark.parametrize(
    ("line", "noticed"),
    [
        ("Were you in the service?", True),
        ("Did you serve overseas?", True),
        ("Were you at the service station?", False),
    ],
)
def test_session_asking_about_service_notices_the_veteran(line: str, noticed: bool) -> None:
    _, r = play("veteran-car", line)
    assert r.noticed_now is noticed
    assert (r.topic == "service") is noticed  # and he answers about his service, from his fact sheet
