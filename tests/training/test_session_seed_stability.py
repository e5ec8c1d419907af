"""Outcomes follow the performance, not the seed: the same script ends the same way for (nearly) every
seed; the scene never ends before the trainee's first words can matter, and an early ending shows the
debrief what the script still held."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from deescalate.training.debrief import Debrief
from deescalate.training.scenario import load_scenario
from deescalate.training.session import TrainingSession, read_script
from tests.training.test_scenarios import IDS, scenario_path, script

SEEDS = range(1, 21)  # the report measures 100; 20 keep the suite quick
FREE_SEEDS = range(1, 41)
SHARE = 0.95
# free play: lines written from the call text alone, as an ordinary trainee would (a good, a poor and a
# mixed run per scenario), not from the scenario files
FREE = sorted((Path(__file__).parent / "scripts" / "free").glob("*.txt"))


def ending_of(sid: str, kind: str, seed: int) -> str | None:
    session = TrainingSession(load_scenario(scenario_path(sid)), seed)
    for line in script(sid, kind):
        if session.done:
            break
        session.play(line)
    return session.ending.kind if session.ending else None


@pytest.mark.parametrize("kind", ["good", "bad"])
@pytest.mark.parametrize("sid", IDS)
def test_session_same_performance_same_ending(sid: str, kind: str) -> None:
    endings = Counter(ending_of(sid, kind, seed) for seed in SEEDS)
    _, most = endings.most_common(1)[0]
    assert most / len(SEEDS) >= SHARE, dict(endings)


def test_session_every_scenario_has_free_scripts_of_each_kind() -> None:
    assert {p.name for p in FREE} == {f"{sid}.{kind}.txt" for sid in IDS for kind in ("good", "poor", "mixed")}


@pytest.mark.parametrize("path", FREE, ids=lambda p: p.stem)
def test_session_free_play_same_ending_whatever_the_seed(path: Path) -> None:
    """The seed chooses among the person's wordings; a wording must never change what the trainee's next
    words are read as, so the same free script ends the same way for (nearly) every seed."""
    sc = load_scenario(scenario_path(path.name.split(".")[0]))
    lines = [line for _, line in read_script(path)]
    endings: Counter[str | None] = Counter()
    for seed in FREE_SEEDS:
        session = TrainingSession(sc, seed)
        for line in lines:
            if session.done:
                break
            session.play(line)
        endings[session.ending.kind if session.ending else None] += 1
    _, most = endings.most_common(1)[0]
    assert most / len(FREE_SEEDS) >= SHARE, dict(endings)


@pytest.mark.parametrize("sid", IDS)
def test_session_no_ending_before_the_trainee_can_matter(sid: str) -> None:
    sc = load_scenario(scenario_path(sid))
    session = TrainingSession(sc, 1)
    for _ in range(sc.settle_turns - 1):
        session.turn("Get on the ground now or I'll tase you, you idiot!")
        assert not session.done


@pytest.mark.parametrize("sid", IDS)
def test_session_early_ending_names_the_lines_never_played(sid: str) -> None:
    sc = load_scenario(scenario_path(sid))
    session = TrainingSession(sc, 2)
    session.run_script(scenario_path(sid).parents[0].parents[3] / f"tests/training/scripts/{sid}.bad.txt")
    d = Debrief(sc, session)
    if not session.unplayed:
        assert d.unplayed_line() is None
        return
    line = d.unplayed_line()
    assert line is not None and f"before {len(session.unplayed)} more lines" in line
    assert [u.line for u in d.unplayed] == session.unplayed
    assert d.to_json_dict()["unplayed"]
