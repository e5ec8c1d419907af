"""Merging body-camera transcripts of one incident."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from deescalate.analysis.analyzer import Analyzer
from deescalate.analysis.scoring import Scoreboard
from deescalate.encounter.model import Encounter, Participant, Role, Utterance
from deescalate.encounter.readers import read_encounter
from deescalate.encounter.writers import to_json
from deescalate.merge.align import estimate_offsets, pair_offset
from deescalate.merge.combine import Camera, merge_cameras
from deescalate.merge.simulate import SplitSettings, split_and_merge, split_encounter
from tests.cli.test_cli_convert import assert_one_line_error, run

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="module")
def welfare() -> Encounter:
    return read_encounter(DATA / "welfare.json")


def cameras_of(views: list) -> list[Camera]:  # type: ignore[type-arg]
    return [Camera.from_encounter(v.name, v.encounter) for v in views]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_merge_recovers_offsets_utterances_and_officers(welfare: Encounter, seed: int) -> None:
    run_ = split_and_merge(welfare, Analyzer(), SplitSettings(seed=seed))
    assert all(err <= 0.5 for err in run_.score.offset_errors), run_.score
    assert run_.score.duplicated == 0 and run_.score.mixed == 0
    assert run_.score.recovered == len(welfare.utterances)
    officers = {p.name for p in run_.merged.participants if p.role is Role.officer}
    assert officers == {p.name for p in welfare.participants if p.role is Role.officer}


def test_merge_lists_every_camera_that_heard_an_utterance(welfare: Encounter) -> None:
    views = split_encounter(welfare, SplitSettings(drop_civilian=0.0, drop_other_officer=0.0))
    merged = merge_cameras(cameras_of(views), incident_id="i").encounter
    assert all(u.source == sorted(v.name for v in views) for u in merged.utterances)
    assert len(merged.utterances) == len(welfare.utterances)


def test_merge_keeps_the_wearers_own_clear_words(welfare: Encounter) -> None:
    views = split_encounter(welfare, SplitSettings(drop_other_officer=0.0))
    merged = merge_cameras(cameras_of(views), incident_id="i").encounter
    original = {u.id: u.text for u in welfare.utterances}
    officer_ids = {p.id for p in merged.participants if p.role is Role.officer}
    for u in merged.utterances:
        if u.speaker in officer_ids:
            assert u.text == original[(u.model_extra or {})["origin"]]


def test_merge_uses_file_clocks_when_every_file_has_one(welfare: Encounter) -> None:
    views = split_encounter(welfare)
    base = datetime(2026, 3, 2, 19, 40, tzinfo=UTC)
    cams = []
    for v in views:
        start = (base + timedelta(seconds=round(v.true_start, 3))).isoformat().replace("+00:00", "Z")
        cams.append(Camera.from_encounter(v.name, v.encounter.model_copy(update={"started_at": start})))
    offsets = estimate_offsets([(c.name, c.encounter) for c in cams])
    assert [o.method for o in offsets] == ["reference"] + ["clock"] * (len(cams) - 1)
    for v, o in zip(views[1:], offsets[1:], strict=True):
        assert o.offset == pytest.approx(v.true_start - views[0].true_start, abs=0.002)


def _enc(eid: str, lines: list[tuple[str, float, str]]) -> Encounter:
    speakers = sorted({s for s, _, _ in lines})
    return Encounter(
        id=eid,
        participants=[Participant(id=s, name=s) for s in speakers],
        utterances=[Utterance(id=f"c{i}", speaker=s, start=t, end=t + 2, text=x) for i, (s, t, x) in enumerate(lines)],
    )


@pytest.mark.parametrize(
    ("b_lines", "expected"),
    [
        (
            [
                ("X", 12.0, "please put the knife down on the counter for me"),
                ("X", 20.0, "we called the crisis team they are coming now"),
            ],
            10.0,
        ),
        ([("X", 2.0, "please put the knife down on the counter for me")], 20.0),
        ([("X", 5.0, "totally different words about a parking ticket")], None),
        ([("X", 5.0, "okay"), ("X", 9.0, "copy")], None),  # near miss: too few distinctive words to vote
    ],
    ids=["two-matches", "one-match", "no-shared-speech", "short-words-only"],
)
def test_align_pair_offset_from_shared_speech(b_lines: list[tuple[str, float, str]], expected: float | None) -> None:
    a = _enc(
        "a",
        [
            ("O", 22.0, "please put the knife down on the counter for me"),
            ("O", 30.0, "we called the crisis team they are coming now"),
        ],
    )
    est = pair_offset(a, _enc("b", b_lines))
    if expected is None:
        assert est is None
    else:
        assert est is not None and est[0] == pytest.approx(expected, abs=0.01)


def test_merge_never_joins_two_labels_of_one_camera() -> None:
    a = _enc("a", [("S0", 1.0, "show me your hands right now please"), ("S1", 5.0, "i am not moving i promise you")])
    b = _enc("b", [("T0", 1.1, "show me your hands right now please"), ("T0", 5.1, "i am not moving i promise you")])
    merged = merge_cameras([Camera.from_encounter("a", a), Camera.from_encounter("b", b)], incident_id="i").encounter
    # camera a says S0 and S1 are different people, so b's T0 can be joined to one of them only
    assert len({u.speaker for u in merged.utterances}) == 2


def test_merge_repeated_line_on_one_camera_stays_two_utterances() -> None:
    a = _enc("a", [("S0", 1.0, "get on the ground now"), ("S0", 2.5, "get on the ground now")])
    b = _enc("b", [("T0", 1.0, "get on the ground now"), ("T0", 2.5, "get on the ground now")])
    merged = merge_cameras([Camera.from_encounter("a", a), Camera.from_encounter("b", b)], incident_id="i").encounter
    assert len(merged.utterances) == 2


def test_cli_merge_writes_an_incident_and_reports_offsets(welfare: Encounter, tmp_path: Path) -> None:
    paths = []
    for v in split_encounter(welfare):
        p = tmp_path / f"{v.name}.json"
        p.write_text(to_json(v.encounter))
        paths.append(p)
    out = tmp_path / "incident.json"
    result = run("merge", *paths, "-o", out)
    assert result.returncode == 0, result.stderr
    incident = json.loads(out.read_text())
    assert incident["format"] == "encounter/v1" and incident["id"] == "incident"
    assert [c["id"] for c in incident["cameras"]] == [p.stem for p in paths]
    assert "clock offset" in result.stderr and "Traceback" not in result.stderr
    assert run("analyze", out, "-f", "json").returncode == 0


def test_cli_merge_needs_two_cameras(tmp_path: Path) -> None:
    one = tmp_path / "cam1.json"
    one.write_text((DATA / "welfare.json").read_text())
    assert_one_line_error(run("merge", one, "-o", tmp_path / "o.json"), "merge needs two")


def test_merge_dev_corpus_targets(dev_corpus: Path) -> None:
    """Issue 4's bar: offsets within 0.5 s, >= 95% recovered without duplicates, conflict F1 within 0.05."""
    analyzer = Analyzer()
    original_board, merged_board = Scoreboard(), Scoreboard()
    total = recovered = duplicated = 0
    for path in sorted(dev_corpus.glob("*.json")):
        original = read_encounter(path)
        if sum(p.role is Role.officer for p in original.participants) < 2:
            continue
        run_ = split_and_merge(original, analyzer)
        assert max(run_.score.offset_errors) <= 0.5, (original.id, run_.score.offset_errors)
        total += run_.score.original_utterances
        recovered += run_.score.recovered
        duplicated += run_.score.duplicated
        original_board.add(original, analyzer.findings(original))
        merged_board.add(original, run_.findings_on_original_ids)
    assert recovered / total >= 0.95
    assert duplicated / total <= 0.01
    f1 = original_board.scores["conflicting_command"].f1
    assert abs(merged_board.scores["conflicting_command"].f1 - f1) <= 0.05
