"""The bundled training scenarios and their scripted runs.

Every bundled scenario loads. Each of the eight scenarios has two scripts in ``scripts/``: a good
trainee (introduces themself, explains, listens, empathises, slows down, keeps distance, notices the
hidden condition and calls the right resource), whose run must end calmly and show the checklist
practices in the analyzer's debrief, and a bad trainee (commands, repeated or conflicting commands,
a threat or an insult), whose run must end badly or with the person in crisis. Noticing the hidden
condition has to matter: the good script without the lines that notice it ends worse. Runs replay
exactly for a seed, and malformed scenario files fail with one-line errors that name the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from deescalate.analysis.result import Status, Verdict
from deescalate.errors import ConfigError
from deescalate.training.debrief import Debrief
from deescalate.training.scenario import (
    PHASES,
    Scenario,
    bundled_scenarios,
    find_scenario,
    load_scenario,
    phase_alternatives,
)
from deescalate.training.session import TrainingSession, parse_turn, read_script

SCRIPTS = Path(__file__).resolve().parent / "scripts"
IDS = (
    "deaf-driver",
    "knife-crisis",
    "diabetic-driver",
    "fence-dispute",
    "cannot-breathe",
    "autistic-teen",
    "veteran-car",
    "spanish-speaker",
)
CALM = frozenset({"resolved_calmly", "handed_to_clinician"})
BAD = frozenset({"person_hurt", "force_used", "person_flees"})
# hidden conditions in which the person may be unable to hear, understand or comply (C5)
INABILITY = frozenset(
    {"deaf", "diabetic", "autistic", "hearing_voices", "no_english", "cannot_breathe", "veteran_ptsd", "suicidal"}
)
# scenarios where noticing the hidden condition changes the model itself (blocked words, untreated harm)
NOTICING_MATTERS = ("deaf-driver", "diabetic-driver", "cannot-breathe", "spanish-speaker")
SEED = 1


def scenario_path(sid: str) -> Path:
    return find_scenario(sid)


def scenario(sid: str) -> Scenario:
    return load_scenario(scenario_path(sid))


def script(sid: str, kind: str) -> list[str]:
    return [line for _, line in read_script(SCRIPTS / f"{sid}.{kind}.txt")]


def play(sid: str, turns: list[str], seed: int = SEED) -> TrainingSession:
    session = TrainingSession(scenario(sid), seed, source=str(scenario_path(sid)))
    for line in turns:
        if session.done:
            break
        session.turn(line)
    return session


def without_noticing(sid: str, turns: list[str]) -> tuple[list[str], TrainingSession]:
    """The script with every turn that noticed the hidden condition taken out, until none does.

    A written note is said aloud instead (same words, not written); any other noticing turn becomes
    silence, so the run keeps its length and its clock."""
    turns = list(turns)
    for _ in range(len(turns) + 1):
        session = play(sid, turns)
        hit = next((r for r in session.history if r.noticed_now), None)
        if hit is None:
            return turns, session
        i = hit.turn - 1
        action, words = parse_turn(turns[i])
        turns[i] = words if action == "write_note" and words else ""
    raise AssertionError(f"{sid}: could not remove the noticing turns")


def statuses(sid: str, session: TrainingSession) -> dict[str, Status]:
    return {v.item: v.status for v in Debrief(scenario(sid), session).analysis.verdicts}


def open_scenario(path: Path) -> TrainingSession:
    """Load a scenario file the way ``deescalate train`` does: the schema, then the endings."""
    return TrainingSession(load_scenario(path), SEED, source=str(path))


# --- loading ----------------------------------------------------------------------------------------------------


def test_the_eight_scenarios_are_bundled() -> None:
    assert set(IDS) <= {p.stem for p in bundled_scenarios()}


@pytest.mark.parametrize("path", bundled_scenarios(), ids=lambda p: p.stem)
def test_every_bundled_scenario_loads(path: Path) -> None:
    session = open_scenario(path)  # schema and ending conditions
    assert session.scenario.id == path.stem
    assert find_scenario(path.stem) == path


@pytest.mark.parametrize("sid", IDS)
def test_scenario_shape(sid: str) -> None:
    sc = scenario(sid)
    assert sc.call.narrative and sc.call.caller_name and sc.call.caller_phone and sc.call.persons
    assert sc.person.hidden, "each scenario hides something for the trainee to find"
    assert sc.notice, "a hidden condition needs words that notice it"
    for phase in PHASES:  # in any one state of the scene, 2 to 4 lines to choose from
        for lines in phase_alternatives(sc, phase):
            assert 2 <= len(lines) <= 4, f"{phase}: {len(lines)} lines"
    kinds = {e.kind for e in sc.endings}
    assert kinds & CALM and kinds & BAD
    assert 20 <= sc.max_turns <= 30
    for move in ("command", "threat_of_force", "insult"):
        assert sc.responses.get(move), f"no response to {move}"


@pytest.mark.parametrize("sid", IDS)
@pytest.mark.parametrize("kind", ["good", "bad"])
def test_scripts_read(sid: str, kind: str) -> None:
    turns = script(sid, kind)
    assert 5 <= len(turns) <= scenario(sid).max_turns


# --- runs -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sid", IDS)
def test_good_run_ends_calmly(sid: str) -> None:
    session = play(sid, script(sid, "good"))
    assert session.ending is not None and session.ending.kind in CALM, _trace(session)
    assert session.state.agitation <= 3
    if set(scenario(sid).person.hidden) - {"autistic"}:
        assert session.state.noticed


def _shown(verdict: Verdict) -> bool:
    """Demonstrated; or, for C5, checks made while some cue went unchecked in time (the analyzer reads
    cannot-comply cues for recall, so a good trainee may still miss answering one within 30 s)."""
    if verdict.status is Status.demonstrated:
        return True
    unchecked = [r for r in verdict.reasons if "no officer checked" in r or "first check" in r]
    checks = [r for r in verdict.reasons if "check that the person" in r]
    return verdict.item == "C5" and verdict.status is Status.mixed and bool(checks) and len(unchecked) <= 2


@pytest.mark.parametrize("sid", IDS)
def test_good_run_shows_the_practices(sid: str) -> None:
    expected = ["C3", "C4", "C6", "C7"]
    if set(scenario(sid).person.hidden) & INABILITY:
        expected.append("C5")
    for seed in range(1, 6):  # the person's replies (and so the run's length) vary with the seed
        verdicts = {v.item: v for v in Debrief(scenario(sid), play(sid, script(sid, "good"), seed)).analysis.verdicts}
        missing = {item: verdicts[item].status.value for item in expected if not _shown(verdicts[item])}
        assert not missing, f"{sid}, seed {seed}: not shown: {missing}"


def test_good_runs_together_cover_the_whole_checklist() -> None:
    shown: set[str] = set()
    for sid in IDS:
        found = statuses(sid, play(sid, script(sid, "good")))
        shown |= {item for item, status in found.items() if status is Status.demonstrated}
    assert {f"C{i}" for i in range(1, 8)} <= shown


@pytest.mark.parametrize("sid", IDS)
def test_bad_run_escalates(sid: str) -> None:
    session = play(sid, script(sid, "bad"))
    ending = session.ending.kind if session.ending else None
    assert ending in BAD or session.state.agitation >= 8, _trace(session)
    assert ending not in CALM


@pytest.mark.parametrize("sid", IDS)
def test_outcomes_do_not_hang_on_one_seed(sid: str) -> None:
    for seed in range(2, 7):
        good = play(sid, script(sid, "good"), seed)
        bad = play(sid, script(sid, "bad"), seed)
        assert good.ending is not None and good.ending.kind in CALM, f"seed {seed}: {_trace(good)}"
        assert (bad.ending is not None and bad.ending.kind in BAD) or bad.state.agitation >= 8, f"seed {seed}"


@pytest.mark.parametrize("sid", NOTICING_MATTERS)
def test_noticing_the_hidden_condition_matters(sid: str) -> None:
    good = play(sid, script(sid, "good"))
    turns, blind = without_noticing(sid, script(sid, "good"))
    assert turns != script(sid, "good")
    assert not blind.state.noticed
    ending = blind.ending.kind if blind.ending else None
    assert ending not in CALM, _trace(blind)
    assert blind.state.agitation > good.state.agitation


@pytest.mark.parametrize("sid", ["diabetic-driver", "cannot-breathe"])
def test_an_unnoticed_medical_emergency_hurts_the_person(sid: str) -> None:
    _, blind = without_noticing(sid, script(sid, "good"))
    assert blind.ending is not None and blind.ending.kind == "person_hurt", _trace(blind)


@pytest.mark.parametrize("sid", IDS)
def test_same_seed_replays_identically(sid: str) -> None:
    turns = script(sid, "good") + script(sid, "bad")
    a, b = play(sid, turns, 7), play(sid, turns, 7)
    assert _replay(a) == _replay(b)
    assert Debrief(scenario(sid), a).to_json() == Debrief(scenario(sid), b).to_json()


def _replay(session: TrainingSession) -> list[Any]:
    return [(r.moves, r.deltas, r.person, r.state, r.t) for r in session.history] + [session.ending]


def _trace(session: TrainingSession) -> str:
    rows = [
        f"{r.turn:>2} a={r.state.agitation:.1f} r={r.state.rapport:.1f} {r.state.phase} {','.join(r.moves)}: {r.text}"
        for r in session.history
    ]
    end = session.ending.kind if session.ending else "no ending"
    return "\n".join([*rows, f"-> {end}"])


# --- malformed files --------------------------------------------------------------------------------------------


def _base() -> dict[str, Any]:
    data = yaml.safe_load(scenario_path("deaf-driver").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def _set(path: list[str | int], value: Any) -> Any:
    def edit(data: dict[str, Any]) -> dict[str, Any]:
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        return data

    return edit


def _drop(path: list[str | int]) -> Any:
    def edit(data: dict[str, Any]) -> dict[str, Any]:
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
        return data

    return edit


MALFORMED = [
    ("not-yaml", "id: deaf-driver\ntitle: [an unclosed list\nsummary: x\n", "YAML"),
    ("missing-phase-lines", _drop(["lines", "crisis"]), "crisis"),
    ("empty-phase-lines", _set(["lines", "recovery"], []), "recovery"),
    ("unknown-move-in-effects", _set(["effects"], {"hug": [-1.0, 1.0]}), "hug"),
    ("unknown-move-in-responses", _set(["responses", "shout"], ["(He flinches.)"]), "shout"),
    ("bad-when-syntax", _set(["endings", 0, "when"], "agitation >>= 9"), "endings.0.when"),
    ("bad-when-name", _set(["endings", 1, "when"], "noticed and mood == 'calm'"), "mood"),
    ("bad-when-call", _set(["endings", 0, "when"], "__import__('os').system('true')"), "endings.0.when"),
    ("negative-age", _set(["person", "age"], -4), "person.age"),
    ("unknown-hidden-condition", _set(["person", "hidden"], ["invisible"]), "person.hidden"),
    ("one-ending", _set(["endings"], [_base()["endings"][0]]), "endings"),
    ("not-a-mapping", "- just\n- a list\n", "mapping"),
]


@pytest.mark.parametrize(("name", "change", "fragment"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_scenario_gives_one_line_error(tmp_path: Path, name: str, change: Any, fragment: str) -> None:
    path = tmp_path / f"{name}.yaml"
    text = change if isinstance(change, str) else yaml.safe_dump(change(_base()), allow_unicode=True, sort_keys=False)
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as caught:
        open_scenario(path)
    message = caught.value.one_line()
    assert "\n" not in message
    assert str(path) in message
    assert fragment in message
    assert str(caught.value) == message


def test_the_unchanged_base_loads(tmp_path: Path) -> None:
    path = tmp_path / "copy.yaml"
    path.write_text(yaml.safe_dump(_base(), allow_unicode=True, sort_keys=False), "utf-8")
    assert open_scenario(path).scenario.id == "deaf-driver"
