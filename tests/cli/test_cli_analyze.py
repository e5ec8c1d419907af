"""`deescalate analyze`, `eval` and `demo`, run as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deescalate.analysis.labels import LABEL_ITEMS, LABELS
from deescalate.examples import example_paths
from tests.cli.test_cli_convert import assert_one_line_error, run

DATA = Path(__file__).resolve().parent.parent / "data"


def test_cli_analyze_json_matches_the_contract(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = run("analyze", DATA / "welfare.vtt", "--roles", DATA / "welfare.roles.yaml", "-f", "json", "-o", out)
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    assert report["encounter_id"] == "welfare"
    assert {"findings", "measures", "checklist"} <= report.keys()
    assert report["findings"], "the example has findings"
    for f in report["findings"]:
        assert f["label"] in LABELS and f["checklist_item"] == LABEL_ITEMS[f["label"]]
        assert f["utterance_ids"] and f["rule"].rsplit(".", 1)[1].startswith("v")
        assert {"speaker", "role", "start", "end", "span", "quote", "confidence", "explanation"} <= f.keys()
    assert [v["item"] for v in report["checklist"]] == ["C1", "C2", "C3", "C4", "C5", "C6", "C7", "delivery"]
    assert {v["status"] for v in report["checklist"]} <= {"demonstrated", "concerns", "mixed", "not observed"}


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_cli_analyze_writes_readable_reports(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"r.{fmt}"
    result = run("analyze", DATA / "welfare.json", "-f", fmt, "-o", out)
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert "Officer Diaz" in text
    if fmt == "html":
        assert text.lstrip().lower().startswith("<!doctype html>") and "<svg" in text


def test_cli_analyze_several_files_into_a_folder_keeps_going_past_a_bad_one(tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text('{"format": "encounter/v1", "id": "x", "participants": [], "utterances": [')
    out = tmp_path / "reports"
    result = run("analyze", DATA / "welfare.json", bad, DATA / "welfare.srt", "-f", "json", "-o", out)
    assert result.returncode == 2
    # one report per readable file, named by encounter id (the JSON names itself; the SRT takes its file name)
    assert sorted(p.name for p in out.iterdir()) == ["welfare-linden.json", "welfare.json"]
    assert "broken.json" in result.stderr and "Traceback" not in result.stderr


def test_cli_analyze_bad_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "empty.vtt"
    bad.write_text("")
    assert_one_line_error(run("analyze", bad), "empty.vtt")


def test_cli_eval_scores_a_small_annotated_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    data = json.loads((DATA / "welfare.json").read_text())
    report = json.loads(run("analyze", DATA / "welfare.json", "-f", "json").stdout)
    found = {(f["utterance_ids"][0], f["label"]) for f in report["findings"]}
    # gold = what the analyzer finds, minus one finding (a false positive), plus one it misses (a false negative)
    dropped = sorted(found)[0]
    by_id = {u["id"]: u for u in data["utterances"]}
    for uid, label in found - {dropped}:
        by_id[uid].setdefault("labels", []).append(label)
    missed_uid = next(u["id"] for u in data["utterances"] if (u["id"], "slow_down") not in found)
    by_id[missed_uid].setdefault("labels", []).append("slow_down")
    (corpus / "welfare.json").write_text(json.dumps(data))
    result = run("eval", corpus, "--json")
    assert result.returncode == 0, result.stderr
    scores = json.loads(result.stdout)
    assert set(scores["labels"]) == set(LABELS)
    assert scores["labels"][dropped[1]]["fp"] == 1
    assert scores["labels"]["slow_down"]["fn"] == 1
    assert sum(s["tp"] for s in scores["labels"].values()) == len(found) - 1


def test_cli_eval_on_a_folder_without_annotations_fails_cleanly(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text((example_paths()[0]).read_text())
    assert_one_line_error(run("eval", tmp_path), str(tmp_path))


def test_cli_eval_dev_corpus_meets_targets(dev_corpus: Path) -> None:
    result = run("eval", dev_corpus, "--json")
    assert result.returncode == 0, result.stderr
    scores = json.loads(result.stdout)
    assert scores["encounters"] == len(list(dev_corpus.glob("*.json")))
    assert scores["macro_f1"] >= 0.85


def test_cli_eval_errors_lists_false_positives_and_negatives(dev_corpus: Path) -> None:
    result = run("eval", dev_corpus, "--errors")
    assert result.returncode == 0
    kinds = {line.split(" ", 1)[0] for line in result.stdout.splitlines() if line[:3] in ("FP ", "FN ")}
    assert kinds == {"FP", "FN"}


def test_cli_demo_writes_reports_for_every_example(tmp_path: Path) -> None:
    result = run("demo", "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    for example in example_paths():
        stem = json.loads(example.read_text())["id"]
        assert f"{stem}.html" in written and f"{stem}.json" in written
    assert "Key moments" in result.stdout
    assert "parking-lot-incident-merged.html" in written  # the bundled body-camera files, merged
    assert "body cameras of one incident" in result.stdout
