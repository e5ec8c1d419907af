"""The subject model: the effect table, hidden conditions (with near misses), crisis, rapport, phases, noticing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from deescalate.training.model import EFFECTS, State, SubjectModel, next_phase, stage_of
from deescalate.training.scenario import MOVES
from tests.training.tiny import tiny, tiny_data, with_person


def step(model: SubjectModel, moves: tuple[str, ...], words: str = "", state: State | None = None) -> State:
    return model.step(state or model.start(), moves, words).state


def change(
    model: SubjectModel, moves: tuple[str, ...], words: str = "", state: State | None = None
) -> tuple[float, float]:
    before = state or model.start()
    after = step(model, moves, words, before)
    return round(after.agitation - before.agitation, 6), round(after.rapport - before.rapport, 6)


def test_model_effects_table_covers_every_move() -> None:
    assert set(EFFECTS) == set(MOVES)


@pytest.mark.parametrize(
    ("move", "expected"),
    [
        ("command", (0.5, -0.2)),
        ("repeated_command", (1.0, -0.5)),
        ("rapid_commands", (1.5, -0.5)),
        ("conflicting_command", (2.0, -1.0)),
        ("threat_of_force", (2.5, -2.0)),
        ("insult", (2.0, -2.5)),
        ("dismissal", (2.0, -2.0)),
        ("silence", (0.0, -0.1)),
        ("write_note", (0.0, 0.0)),
    ],
)
def test_model_raising_effects_are_the_table(move: str, expected: tuple[float, float]) -> None:
    model = SubjectModel(tiny(start={"agitation": 4.0, "rapport": 5.0}))
    assert change(model, (move,)) == expected


@pytest.mark.parametrize("move", [m for m, (da, _) in EFFECTS.items() if da < 0])
def test_model_calming_effects_scale_with_rapport(move: str) -> None:
    da, dr = EFFECTS[move]
    for rapport, factor in ((0.0, 0.5), (5.0, 1.0), (9.0, 1.4)):
        model = SubjectModel(tiny(start={"agitation": 5.0, "rapport": rapport}))
        got = change(model, (move,))
        assert got[0] == pytest.approx(da * factor)
        assert got[1] == pytest.approx(min(dr, 10 - rapport))


def test_model_moves_of_a_turn_add_up() -> None:
    model = SubjectModel(tiny(start={"agitation": 4.0, "rapport": 5.0}))
    assert change(model, ("command", "rapid_commands")) == (2.0, -0.7)


def test_model_scenario_effects_override_the_default() -> None:
    model = SubjectModel(tiny(start={"agitation": 4.0, "rapport": 5.0}, effects={"command": [1.25, -1.0]}))
    assert change(model, ("command",)) == (1.25, -1.0)
    assert change(model, ("respect_marker",)) == (-0.2, 0.4)  # others keep the default


def test_model_crisis_doubles_raising_but_not_calming() -> None:
    model = SubjectModel(tiny(start={"agitation": 8.5, "rapport": 5.0}))
    crisis = replace(model.start(), phase="crisis")
    escalation = replace(model.start(), phase="escalation")
    assert change(model, ("command",), state=crisis)[0] == pytest.approx(1.0)
    assert change(model, ("command",), state=escalation)[0] == pytest.approx(0.5)
    assert change(model, ("empathy",), state=crisis)[0] == pytest.approx(-1.0)


def test_model_values_stay_between_0_and_10() -> None:
    model = SubjectModel(tiny(start={"agitation": 9.8, "rapport": 0.1}))
    after = step(model, ("threat_of_force", "insult"))
    assert (after.agitation, after.rapport) == (10.0, 0.0)


@pytest.mark.parametrize(
    ("previous", "agitation", "expected"),
    [
        ("trigger", 4.9, "trigger"),
        ("trigger", 5.0, "escalation"),
        ("trigger", 8.0, "crisis"),
        ("escalation", 7.9, "escalation"),
        ("escalation", 4.9, "recovery"),
        ("crisis", 6.0, "escalation"),
        ("crisis", 2.0, "recovery"),
        ("recovery", 3.0, "recovery"),
        ("recovery", 5.5, "escalation"),
    ],
)
def test_model_phase_transitions(previous: str, agitation: float, expected: str) -> None:
    assert next_phase(previous, agitation) == expected  # type: ignore[arg-type]


def test_model_phase_follows_agitation_through_a_run() -> None:
    model = SubjectModel(tiny(start={"agitation": 4.0, "rapport": 10.0}))
    s = model.start()
    phases = []
    for moves in [("threat_of_force",), ("insult",), ("empathy", "slow_down"), ("empathy", "slow_down")]:
        s = step(model, moves, state=s)
        phases.append(s.phase)
    assert phases == ["escalation", "crisis", "escalation", "recovery"]


@pytest.mark.parametrize(
    ("rapport", "stage"),
    [(0, "listening"), (1.99, "listening"), (2, "empathy"), (5, "rapport"), (7, "influence"), (8, "change")],
)
def test_model_rapport_stage(rapport: float, stage: str) -> None:
    assert stage_of(rapport) == stage


# --- hidden conditions: the same words with and without -------------------------------------------------------


@pytest.mark.parametrize("condition", ["deaf", "no_english"])
def test_model_unheard_person_takes_no_calming_from_words(condition: str) -> None:
    plain = SubjectModel(tiny(start={"agitation": 5.0, "rapport": 5.0}))
    hidden = SubjectModel(with_person(hidden=[condition]))
    words = "I can see you're scared. Take your time."
    assert change(plain, ("empathy", "slow_down"), words) == (-1.8, 1.3)
    assert change(hidden, ("empathy", "slow_down"), words, state=plain.start()) == (0.0, 0.0)


@pytest.mark.parametrize("condition", ["deaf", "no_english"])
def test_model_unheard_person_sees_shouting_at_half_strength(condition: str) -> None:
    plain = SubjectModel(tiny(start={"agitation": 5.0, "rapport": 5.0}))
    hidden = SubjectModel(with_person(hidden=[condition]))
    assert change(plain, ("command", "threat_of_force"), "Get out or I'll tase you")[0] == pytest.approx(3.0)
    assert change(hidden, ("command", "threat_of_force"), "Get out or I'll tase you", plain.start())[0] == 1.5


def test_model_unheard_person_still_feels_actions() -> None:
    hidden = SubjectModel(with_person(hidden=["deaf"]))
    s = replace(hidden.start(), rapport=5.0)
    assert change(hidden, ("step_back",), state=s)[0] == pytest.approx(-0.8)


def test_model_noticing_restores_normal_effects_in_the_same_turn() -> None:
    hidden = SubjectModel(tiny(person={**tiny_data()["person"], "hidden": ["deaf"]}, notice={"by": ["write_note"]}))
    s = replace(hidden.start(), agitation=5.0, rapport=5.0)
    assert change(hidden, ("empathy",), "That's hard", s) == (0.0, 0.0)
    noticed = step(hidden, ("write_note",), "", s)
    assert noticed.noticed
    assert change(hidden, ("empathy",), "That's hard", noticed) == (-1.0, 1.0)


@pytest.mark.parametrize("condition", ["diabetic", "cannot_breathe"])
def test_model_untreated_condition_worsens_until_noticed(condition: str) -> None:
    model = SubjectModel(
        tiny(person={**tiny_data()["person"], "hidden": [condition]}, notice={"facts": ["ems_called"]})
    )
    plain = SubjectModel(tiny())
    s = model.start()
    for _ in range(3):
        s = step(model, ("silence",), "", s)
    assert s.harm == 3
    assert s.agitation == pytest.approx(4.0 + 3 * 0.4)
    assert step(plain, ("silence",)).harm == 0  # near miss: the same silence, no condition
    s = step(model, ("call_ems",), "", s)
    assert s.noticed and s.ems_called
    agitation = s.agitation
    s = step(model, ("silence",), "", s)
    assert s.harm == 3  # noticed in the call_ems turn: no more harm from then on
    assert s.agitation == agitation


@pytest.mark.parametrize("condition", ["hearing_voices", "suicidal", "veteran_ptsd"])
def test_model_commands_hit_twice_as_hard_for_a_person_in_crisis_of_the_mind(condition: str) -> None:
    plain = SubjectModel(tiny(start={"agitation": 4.0, "rapport": 5.0}))
    model = SubjectModel(with_person(hidden=[condition]))
    start = plain.start()
    assert change(model, ("command",), state=start)[0] == pytest.approx(1.0)
    assert change(model, ("rapid_commands",), state=start)[0] == pytest.approx(3.0)
    assert change(model, ("repeated_command",), state=start)[0] == pytest.approx(1.0)  # not listed: unchanged
    assert change(plain, ("command",))[0] == pytest.approx(0.5)


def test_model_autistic_person_commands_and_calm_space() -> None:
    model = SubjectModel(with_person(hidden=["autistic"]))
    s = replace(model.start(), rapport=5.0)
    assert change(model, ("command",), state=s)[0] == pytest.approx(0.75)
    assert change(model, ("slow_down",), state=s)[0] == pytest.approx(-1.2)
    assert change(model, ("distance",), state=s)[0] == pytest.approx(-1.2)
    assert change(model, ("empathy",), state=s)[0] == pytest.approx(-1.0)


def test_model_knife_force_risk_from_threat_or_high_agitation() -> None:
    knife = SubjectModel(with_person(hidden=["knife"]))
    plain = SubjectModel(tiny())
    assert step(knife, ("threat_of_force",)).force_risk
    assert not step(plain, ("threat_of_force",)).force_risk
    high = replace(knife.start(), agitation=8.6, rapport=5.0)
    assert step(knife, ("command",), state=high).force_risk
    assert not step(knife, ("empathy",), state=high).force_risk


def test_model_flags_and_counters_for_endings() -> None:
    model = SubjectModel(tiny())
    s = model.step(model.start(), ("call_resource",), "", sets=frozenset({"clinician_called"})).state
    assert s.clinician_called and not s.ems_called
    s = step(model, ("backup_request",), "Send me another unit", s)
    assert s.backup_called
    s = step(model, ("threat_of_force", "insult"), "", s)
    s = step(model, ("threat_of_force",), "", s)
    assert (s.threats, s.insults, s.turn) == (2, 1, 4)


def test_model_state_names_are_the_condition_names() -> None:
    from deescalate.training.conditions import ENDING_NAMES
    from deescalate.training.model import State

    assert set(State(0, 0).names()) == ENDING_NAMES
