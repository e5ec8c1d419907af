"""Two trainees (A:/B: lines), an instructor's /inject and /pause, and what /call can call."""

from __future__ import annotations

import pytest

from deescalate.errors import Code, InputError
from deescalate.training.scenario import load_scenario
from deescalate.training.session import PARTNER, TRAINEE, TrainingSession
from tests.training.test_scenarios import scenario_path
from tests.training.tiny import tiny


def session(sid: str = "diabetic-driver") -> TrainingSession:
    return TrainingSession(load_scenario(scenario_path(sid)), 1)


@pytest.mark.parametrize(
    ("first", "second", "conflict"),
    [
        ("A: Don't move!", "B: Get out of the truck!", True),  # the partner's order cannot be obeyed with A's
        ("A: Keep your hands on the wheel!", "B: Reach over and hand me your license.", True),
        ("A: Sir, take your time.", "B: Get out of the truck!", False),  # nothing of A's is in force
        ("A: Don't move!", "B: Don't move, sir.", False),  # the same order, backed up
    ],
)
def test_session_partner_commands_can_conflict(first: str, second: str, conflict: bool) -> None:
    s = session()
    a = s.play(first)
    b = s.play(second)
    assert not isinstance(a, str) and not isinstance(b, str)
    assert (a.speaker, b.speaker) == (TRAINEE, PARTNER)
    assert ("conflicting_command" in b.moves) is conflict
    assert {p.id for p in s.encounter.participants} >= {TRAINEE, PARTNER}


def test_session_a_partner_conflict_raises_agitation_more_than_one_order() -> None:
    alone, pair = session(), session()
    alone.play("A: Don't move!")
    pair.play("A: Don't move!")
    one = alone.play("A: Don't move.")
    two = pair.play("B: Get out of the truck!")
    assert not isinstance(one, str) and not isinstance(two, str)
    assert two.state.agitation > one.state.agitation


def test_session_inject_a_declared_event() -> None:
    s = session("knife-crisis")
    s.turn("Angela, I'm Officer Grant. I'm just here to talk.")
    before = s.state
    r = s.play("/inject weapon-raised")
    assert not isinstance(r, str)
    assert r.injected == "weapon-raised" and r.person == s.scenario.events["weapon-raised"].say
    assert s.state.turn == before.turn  # an event is not a trainee turn
    assert s.state.agitation == pytest.approx(before.agitation + 1.5)
    assert any(e.type == "injected" for e in s.encounter.events)


def test_session_inject_unknown_event_lists_the_events() -> None:
    s = session("knife-crisis")
    with pytest.raises(InputError) as caught:
        s.play("/inject fire-alarm")
    assert caught.value.code is Code.E101
    assert "weapon-raised" in caught.value.one_line() and "brother-shouts" in caught.value.one_line()
    assert s.history == []


def test_session_pause_shows_the_scene_and_takes_no_turn() -> None:
    s = session("knife-crisis")
    s.turn("/call crisis team")
    text = s.play("/pause")
    assert isinstance(text, str)
    assert "after turn 1" in text and "clinician_called" in text
    assert len(s.history) == 1 and s.state.turn == 1


@pytest.mark.parametrize(("sid", "names"), [("knife-crisis", ["backup", "ems", "crisis team", "michael"])])
def test_session_call_alone_lists_what_can_be_called(sid: str, names: list[str]) -> None:
    with pytest.raises(InputError) as caught:
        session(sid).turn("/call")
    assert caught.value.code is Code.E101
    assert caught.value.detail == f"call what?; you can call: {', '.join(names)}"


def test_session_unknown_call_is_refused_with_the_list() -> None:
    with pytest.raises(InputError, match=r"nothing called 'swat' here; you can call: backup, ems \[E101\]"):
        TrainingSession(tiny(), 1).turn("/call swat")


@pytest.mark.parametrize(
    ("sid", "line", "fact"),
    [
        ("knife-crisis", "/call crisis team", "clinician_called"),
        ("knife-crisis", "/call Crisis-Team", "clinician_called"),
        ("spanish-speaker", "/call interpreter", "interpreter_on_line"),
        ("spanish-speaker", "I'm calling an interpreter for you.", "interpreter_on_line"),
        ("spanish-speaker", "Dispatch, can you get me the language line on the phone?", "interpreter_on_line"),
        ("diabetic-driver", "I'm getting an ambulance for you.", "ems_called"),
    ],
)
def test_session_calls_set_their_facts(sid: str, line: str, fact: str) -> None:
    s = session(sid)
    s.turn(line)
    assert s.state.with_facts(set(s.scenario.scene))[fact] is True


@pytest.mark.parametrize(
    ("sid", "line", "fact"),
    [
        ("spanish-speaker", "Do you want an interpreter?", "interpreter_on_line"),  # asked, not called
        ("diabetic-driver", "Do you need an ambulance?", "ems_called"),
    ],
)
def test_session_asking_whether_something_is_wanted_calls_nothing(sid: str, line: str, fact: str) -> None:
    s = session(sid)
    s.turn(line)
    assert s.state.with_facts(set(s.scenario.scene))[fact] is False
