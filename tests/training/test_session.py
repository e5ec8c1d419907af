"""A training session: words read as moves, actions, replies, the transcript, replay, endings and scripts."""

from __future__ import annotations

from pathlib import Path

import pytest

from deescalate.encounter.model import Role
from deescalate.errors import ConfigError, InputError
from deescalate.training.model import compile_endings, evaluate, parse_condition
from deescalate.training.scenario import load_scenario
from deescalate.training.session import TrainingSession, parse_turn, read_script
from tests.training.tiny import tiny, tiny_data, with_person, write_tiny


def moves_of(*turns: str) -> list[set[str]]:
    session = TrainingSession(tiny(), seed=1)
    return [set(session.turn(t).moves) for t in turns]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("Show me your hands! Get down! Don't move!", {"command", "rapid_commands"}),
        ("I can see you're scared. Take your time.", {"empathy", "slow_down"}),
        ("Shut up, you idiot.", {"command", "insult"}),
        ("Put it down or I'll tase you.", {"command", "threat_of_force"}),
        ("So what you're saying is you missed your bus.", {"active_listening"}),
        ("Are you able to hear me okay?", {"capacity_check"}),
        ("Dispatch, can you send me another unit?", {"backup_request", "question"}),
        ("", {"silence"}),
    ],
)
def test_session_moves_from_words(words: str, expected: set[str]) -> None:
    assert moves_of(words) == [expected]


def test_session_repeated_and_commands_only_turns() -> None:
    turns = moves_of("Get out of the car.", "Get out of the car.", "Thank you, Sam.", "Sit on the bench.")
    assert turns[0] == {"command"}
    assert turns[1] == {"command", "repeated_command", "rapid_commands"}  # same words; second commands-only turn
    assert "command" not in turns[2]
    assert turns[3] == {"command"}  # the run of commands-only turns was broken


def test_session_conflicting_command_needs_the_earlier_one() -> None:
    turns = moves_of("Don't move!", "Get out of the car!")
    assert "conflicting_command" in turns[1]


def test_session_dismissal_sees_the_persons_distress() -> None:
    scenario = tiny(lines={**tiny_data()["lines"], "trigger": ["Please, it hurts, I can't breathe."]})
    session = TrainingSession(scenario, seed=1)
    session.turn("Hello there.")
    assert "dismissal" in session.turn("You're fine.").moves


@pytest.mark.parametrize(
    ("text", "action", "words"),
    [
        ("/wait", "wait", ""),
        ("/step back", "step_back", ""),
        ("/step_back I'll give you some room", "step_back", "I'll give you some room"),
        ("/call backup", "call", "backup"),
        ("/Call EMS", "call", "EMS"),
        ("/call crisis team", "call", "crisis team"),
        ("/write note Can you hear me?", "write_note", "Can you hear me?"),
        ("hello /wait", None, "hello /wait"),
    ],
)
def test_session_parse_turn(text: str, action: str | None, words: str) -> None:
    assert parse_turn(text) == (action, words)


@pytest.mark.parametrize("text", ["/dance", "/waiting", "/calling", "/"])
def test_session_unknown_action_is_a_clear_error(text: str) -> None:
    session = TrainingSession(tiny(), seed=1)
    with pytest.raises(InputError, match="unknown action.*/wait, /step back"):
        session.turn(text)
    assert session.history == []


def test_session_actions_become_events_and_time_passes() -> None:
    session = TrainingSession(tiny(), seed=1)
    results = [session.turn(t) for t in ("Hello, I'm Officer Diaz.", "/wait", "/call ems", "/call backup", "")]
    assert [r.t for r in results] == [0.0, 4.0, 28.0, 32.0, 36.0]
    assert [r.moves for r in results[1:]] == [("wait",), ("call_ems",), ("call_backup",), ("silence",)]
    enc = session.encounter
    assert {(e.type, e.t) for e in enc.events} >= {("ems_called", 28.0), ("backup_arrived", 32.0)}
    assert enc.participant("TRAINEE").role is Role.officer and enc.participant("PERSON").role is Role.subject
    assert enc.participant("PERSON").name == "Sam Lee"
    trainee = [u for u in enc.utterances if u.speaker == "TRAINEE"]
    assert [u.text for u in trainee] == ["Hello, I'm Officer Diaz."]  # actions and silence say nothing
    assert len([u for u in enc.utterances if u.speaker == "PERSON"]) == 5
    assert results[-1].state.ems_called and results[-1].state.backup_called


def test_session_written_note_is_marked_as_writing() -> None:
    deaf = tiny(person={**tiny_data()["person"], "hidden": ["deaf"]}, notice={"by": ["write_note"]})
    session = TrainingSession(deaf, seed=1)
    r = session.turn("/write note I'm Officer Diaz. You're not in trouble.")
    assert r.noticed_now and "write_note" in r.moves and "respect_marker" in r.moves
    assert session.encounter.utterances[0].text.startswith("[writing] I'm Officer Diaz.")


def test_session_history_holds_each_turn() -> None:
    session = TrainingSession(tiny(), seed=3)
    r = session.turn("I can see you're scared. Take your time.")
    assert (r.turn, r.text, r.moves) == (1, "I can see you're scared. Take your time.", ("empathy", "slow_down"))
    assert set(r.deltas) == {"empathy", "slow_down"}
    assert r.state.agitation < r.before.agitation and r.state.phase == "trigger"
    assert r.person == "Yeah. It's been a day."  # the response for the strongest move
    assert session.history == [r]


def test_session_reply_falls_back_to_the_phase_line_when_not_understood() -> None:
    scenario = with_person(hidden=["no_english"])
    r = TrainingSession(scenario, seed=3).turn("I can see you're scared.")
    assert r.blocked == {"empathy"}
    assert r.person in tiny_data()["lines"]["trigger"]


TURNS = ["Hello.", "What's going on today?", "", "Get on the ground!", "/wait", "That sounds hard.", "/step back"]


def test_session_same_seed_replays_exactly() -> None:
    a, b = TrainingSession(tiny(), seed=42), TrainingSession(tiny(), seed=42)
    for t in TURNS:
        a.turn(t)
        b.turn(t)
    assert a.history == b.history
    assert a.encounter == b.encounter


def test_session_other_seeds_may_pick_other_lines() -> None:
    def lines(seed: int) -> list[str]:
        s = TrainingSession(tiny(), seed=seed)
        return [s.turn(t).person for t in TURNS]

    runs = {tuple(lines(seed)) for seed in range(6)}
    assert len(runs) > 1
    assert all(len(r) == len(TURNS) for r in runs)


# --- endings --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("agitation <= 2 and rapport >= 6", False),
        ("agitation < 5 and rapport >= 2", True),
        ("not noticed", True),
        ("noticed or phase == 'trigger'", True),
        ('phase != "crisis" and turn == 1', True),
        ("force_risk", False),
        ("harm >= 0 and threats == 0 and insults == 0", True),
        ("ems_called or backup_called or clinician_called", False),
        ("0 <= agitation < 4.5", True),
        ("agitation > -1", True),
        ("(agitation >= 9) or (turn >= 1 and not force_risk)", True),
    ],
)
def test_session_ending_conditions_accepted(when: str, expected: bool) -> None:
    session = TrainingSession(tiny(), seed=1)
    session.turn("Hello.")
    names = session.state.names()
    assert evaluate(parse_condition(when), names) is expected


@pytest.mark.parametrize(
    ("when", "reason"),
    [
        ("__import__('os').system('true')", "Call"),
        ("agitation + 1 > 2", "BinOp"),
        ("rapport.real > 1", "Attribute"),
        ("mood > 2", "unknown name 'mood'"),
        ("phase < 'crisis'", "only be compared with == or !="),
        ("phase == 'panic'", "unknown phase 'panic'"),
        ("agitation in [1, 2]", "In"),
        ("agitation if noticed else 0", "IfExp"),
        ("agitation >=", "cannot read"),
        ("lambda: 1", "Lambda"),
    ],
)
def test_session_ending_conditions_rejected(when: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_condition(when)


def test_session_bad_ending_is_a_config_error_naming_file_and_ending(tmp_path: Path) -> None:
    data = tiny_data()
    data["endings"] = [data["endings"][0], {"kind": "resolved_calmly", "when": "calm == True", "text": "x"}]
    path = write_tiny(tmp_path, endings=data["endings"])
    with pytest.raises(ConfigError) as caught:
        load_scenario(path)  # refused when the scenario loads, before any session
    line = caught.value.one_line()
    assert line.startswith(f"{path}:endings.1.when: unknown name 'calm'")
    assert "\n" not in line
    assert len(compile_endings(tiny())) == 2


def test_session_first_ending_that_holds_wins() -> None:
    endings = [
        {"kind": "person_flees", "when": "turn >= 2", "text": "He walks off."},
        {"kind": "resolved_calmly", "when": "turn >= 1", "text": "Settled."},
    ]
    session = TrainingSession(tiny(endings=endings), seed=1)
    r = session.turn("Hello.")
    assert r.ending is not None and r.ending.kind == "resolved_calmly" and session.done
    with pytest.raises(InputError, match="already ended"):
        session.turn("Hello?")


def test_session_max_turns_is_unresolved() -> None:
    session = TrainingSession(tiny(max_turns=3), seed=1)
    kinds = [session.turn("/wait").ending for _ in range(3)]
    assert kinds[:2] == [None, None]
    assert kinds[2] is not None and kinds[2].kind == "unresolved" and "3 turns" in kinds[2].text


def test_session_force_ending_adds_a_force_event() -> None:
    session = TrainingSession(tiny(start={"agitation": 9.0, "rapport": 0.0}), seed=1)
    r = session.turn("Get on the ground or I'll tase you, idiot!")
    assert r.ending is not None and r.ending.kind == "force_used"
    assert "force" in {e.type for e in session.encounter.events}


# --- scripts --------------------------------------------------------------------------------------------------


def test_session_run_script_skips_comments_and_stops_at_the_ending(tmp_path: Path) -> None:
    script = tmp_path / "moves.txt"
    script.write_text("# opening\nHello, I'm Officer Diaz.\n\n  # pause\n/wait\n/wait\n/wait\n/wait\n")
    session = TrainingSession(tiny(max_turns=3), seed=1)
    played = session.run_script(script)
    assert [r.text for r in played] == ["Hello, I'm Officer Diaz.", "/wait", "/wait"]
    assert session.done
    assert [n for n, _ in read_script(script)] == [2, 5, 6, 7, 8]


def test_session_run_script_bad_line_names_file_and_line(tmp_path: Path) -> None:
    script = tmp_path / "moves.txt"
    script.write_text("Hello.\n# fine\n/teleport\n")
    session = TrainingSession(tiny(), seed=1)
    with pytest.raises(InputError) as caught:
        session.run_script(script)
    assert caught.value.one_line().startswith(f"{script}:line 3: unknown action '/teleport'")
    assert session.history == []  # nothing played: every line is checked first


def test_session_missing_script_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_script(tmp_path / "nope.txt")
