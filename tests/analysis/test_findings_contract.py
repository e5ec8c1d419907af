"""What every finding promises (findings.py, label spec v1), and agency rule configs."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from deescalate.analysis.analyzer import Analyzer
from deescalate.analysis.findings import Finding
from deescalate.analysis.labels import LABEL_ITEMS, LABELS
from deescalate.analysis.text import prepare
from deescalate.encounter.model import Encounter
from deescalate.encounter.readers import read_encounter
from deescalate.errors import Code, ConfigError
from deescalate.report.explain import explain
from tests.analysis.helpers import analyzer, encounter

RULE_ID = re.compile(r"^[a-z_]+(?:\.[a-z0-9_]+)+\.v\d+$")

# A made-up traffic stop that touches most labels, in clean and ASR-like text,
# with fillers, bracketed notes and typographic apostrophes.
SCENE = encounter(
    ("D", "Twenty-two, caller reports a driver slumped over the wheel, no weapons mentioned.", 0.0),
    ("O1", "Twenty-two copy, send me a second unit.", 5.0),
    ("O1", "Good evening, sir, I’m Officer Reyes with the city police. Are you doing okay?", 60.0),
    ("C1", "i uh i can't feel my legs i'm diabetic", 65.0),
    ("O1", "Okay, take your time. Do you need medical?", 69.0),
    ("O2", "he's faking it [low]", 73.0),
    ("O1", "um stay in the car for me", 76.0),
    ("O2", "step out of the car step out now", 78.0),
    ("C1", "I don't know what you want me to do.", 81.0),
    ("O1", "Park, give him some room. Sir, nobody's going to hurt you.", 84.0),
    ("O2", "get the fuck out of the car or you're getting tased", 87.0),
    ("O1", "[radio] Dispatch, start EMS and a supervisor.", 95.0),
    ("O1", "I stopped you because you were weaving, and I can see you're scared. Thank you, Mr. Hale.", 100.0),
    ("B1", "He has a heart condition too.", 104.0),
    ("O1", "so uh you're saying your sugar's low", 108.0),
)


def check_contract(enc: Encounter, found: list[Finding]) -> None:
    texts = {u.id: u.text for u in enc.utterances}
    order = [u.id for u in enc.utterances]
    for f in found:
        where = f"{f.rule} on {f.utterance_ids}"
        assert f.label in LABELS, where
        assert f.checklist_item == LABEL_ITEMS[f.label], where
        assert f.utterance_ids and all(uid in texts for uid in f.utterance_ids), where
        text = texts[f.utterance_id]
        a, b = f.span
        assert 0 <= a < b <= len(text), where
        assert f.quote == text[a:b], where
        assert f.quote.strip(), where
        assert RULE_ID.match(f.rule), where
        assert 0 < f.confidence <= 1, where
        assert explain(f).strip(), where
        assert f.evidence.get("kind"), where
        assert f.speaker == enc.participant(f.speaker).id
        assert f.role == enc.role_of(f.speaker).value
        if f.label == "conflicting_command":
            assert f.conflicts_with in texts, where
            assert order.index(f.conflicts_with) < order.index(f.utterance_id), where
        else:
            assert f.conflicts_with is None, where


def test_findings_keep_the_contract() -> None:
    found = analyzer().findings(SCENE)
    check_contract(SCENE, found)
    labels = {f.label for f in found}
    # the scene is meant to exercise most of the label set
    assert len(labels) >= 14, sorted(set(LABELS) - labels)


def test_quotes_are_the_words_as_spoken_despite_fillers() -> None:
    found = analyzer().findings(SCENE)
    quotes = {(f.utterance_id, f.label): f.quote for f in found}
    assert quotes[("u4", "inability_cue")] in {"i can't feel", "i can't feel my legs", "i'm diabetic"}
    assert quotes[("u7", "command")] == "stay in the car for me"
    assert quotes[("u8", "conflicting_command")].startswith("step out of the car")


@pytest.mark.parametrize(
    ("original", "prepared", "clauses"),
    [
        ("Is there, uh, a friend we can call?", "is there, a friend we can call?", ["is there, a friend we can call"]),
        ("is there uh a friend we can call", "is there a friend we can call", ["is there a friend we can call"]),
        ("Umm put it DOWN", "put it down", ["put it down"]),
        ("you're so dramatic okay stop", "you're so dramatic okay stop", ["you're so dramatic", "okay stop"]),
    ],
)
def test_prepared_text_drops_fillers_and_maps_back(original: str, prepared: str, clauses: list[str]) -> None:
    p = prepare(original)
    assert p.text == prepared
    assert [c.text for c in p.clauses] == clauses
    for c in p.clauses:
        a, b = p.span(c.start, c.end)
        assert original[a:b].lower().replace("uh ", "").replace("uh, ", "") == c.text


def test_findings_are_frozen() -> None:
    finding = analyzer().findings(SCENE)[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.label = "insult"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.confidence = 1.0  # type: ignore[misc]


def test_findings_are_in_utterance_order() -> None:
    found = analyzer().findings(SCENE)
    order = {u.id: i for i, u in enumerate(SCENE.utterances)}
    positions = [order[f.utterance_id] for f in found]
    assert positions == sorted(positions)


def test_one_finding_per_label_per_utterance() -> None:
    found = analyzer().findings(SCENE)
    keys = [(f.utterance_id, f.label) for f in found]
    assert len(keys) == len(set(keys))


@pytest.mark.corpus
def test_dev_corpus_findings_keep_the_contract(dev_corpus: Path) -> None:
    for path in sorted(dev_corpus.glob("*.json")):
        enc = read_encounter(path)
        check_contract(enc, analyzer().findings(enc))


# ---------------------------------------------------------------- agency configs


def _config(tmp_path: Path, text: str, name: str = "agency.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _labels(az: Analyzer, *turns: tuple[str, str]) -> set[tuple[str, str]]:
    return {(f.utterance_id, f.label) for f in az.findings(encounter(*turns))}


def _rules(az: Analyzer, *turns: tuple[str, str]) -> set[str]:
    return {f.rule for f in az.findings(encounter(*turns))}


TURNS = (
    ("O1", "Take your time."),
    ("O1", "Go ahead, try me."),
    ("O1", "I can call peer support for you."),
    ("O1", "Don't move!"),
    ("O2", "Get on the ground!"),
)


def test_default_analyzer_sees_the_turns() -> None:
    got = _labels(analyzer(), *TURNS)
    assert {("u1", "slow_down"), ("u2", "insult"), ("u4", "command"), ("u5", "conflicting_command")} <= got
    assert not any(uid == "u3" and label == "resource_request" for uid, label in got)


def test_config_disables_a_rule_by_name(tmp_path: Path) -> None:
    az = Analyzer(_config(tmp_path, "disable: [slow_down.time]\n"), model=None)
    got = _labels(az, *TURNS)
    assert ("u1", "slow_down") not in got
    assert ("u2", "insult") in got


def test_config_disables_a_whole_label(tmp_path: Path) -> None:
    az = Analyzer(_config(tmp_path, "disable: [insult]\n"))
    got = _labels(az, *TURNS)
    assert not any(label == "insult" for _, label in got)
    assert ("u1", "slow_down") in got


def test_config_disables_commands_and_their_conflicts(tmp_path: Path) -> None:
    az = Analyzer(_config(tmp_path, "disable: [command]\n"))
    got = _labels(az, *TURNS)
    assert not any(label in {"command", "conflicting_command"} for _, label in got)


def test_config_adds_a_rule_that_fires(tmp_path: Path) -> None:
    path = _config(
        tmp_path,
        """
rules:
  - name: resource_request.peer_support
    label: resource_request
    version: 2
    speakers: [officer]
    patterns:
      - "\\\\bpeer support\\\\b"
    confidence: 0.6
    explanation: Offers the peer support line
""",
    )
    az = Analyzer(path)
    found = [f for f in az.findings(encounter(*TURNS)) if f.rule == "resource_request.peer_support.v2"]
    assert [(f.utterance_id, f.label, f.quote) for f in found] == [("u3", "resource_request", "peer support")]
    assert found[0].confidence == 0.6
    assert explain(found[0]).startswith("Offers the peer support line")
    # the default rules still run alongside
    assert "slow_down.time.v1" in _rules(az, *TURNS)


def test_config_rule_with_a_default_name_replaces_it(tmp_path: Path) -> None:
    path = _config(
        tmp_path,
        """
rules:
  - name: slow_down.time
    label: slow_down
    version: 3
    patterns: ["\\\\bno rush\\\\b"]
""",
    )
    az = Analyzer(path, model=None)
    got = {(f.utterance_id, f.rule) for f in az.findings(encounter(("O1", "Take your time."), ("O1", "No rush.")))}
    assert ("u2", "slow_down.time.v3") in got
    assert not any(uid == "u1" and rule.startswith("slow_down") for uid, rule in got)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            'rules:\n  - name: insult.bad\n    label: insult\n    patterns: ["(unclosed"]\n',
            "bad pattern",
        ),
        (
            'rules:\n  - name: rudeness.curt\n    label: rudeness\n    patterns: ["\\\\bwhatever\\\\b"]\n',
            "unknown label",
        ),
    ],
    ids=["bad-regex", "unknown-label"],
)
def test_bad_config_raises_e040_naming_the_file(tmp_path: Path, text: str, problem: str) -> None:
    path = _config(tmp_path, text, name="county-rules.yaml")
    with pytest.raises(ConfigError) as info:
        Analyzer(path)
    err = info.value
    assert err.code is Code.E040
    assert "county-rules.yaml" in err.one_line()
    assert problem in err.one_line()
    assert err.one_line().endswith("[E040]")
