"""The learned layer: reproducible training, an artifact that loading cannot execute, findings with the
same evidence as rule findings, and cross-validation by writer. Trained on a tiny corpus written in code."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from deescalate.analysis.analyzer import Analyzer, analyze
from deescalate.analysis.learned import LearnedLayer, load_layer
from deescalate.analysis.learned.artifact import load_artifact, save_artifact
from deescalate.analysis.learned.card import model_card
from deescalate.analysis.learned.evaluate import leave_one_writer_out
from deescalate.analysis.learned.train import MODEL_LABELS, CorpusFile, TrainOptions, collect, load_corpus, train
from deescalate.encounter.model import Encounter
from deescalate.errors import Code, ConfigError
from deescalate.report import render
from deescalate.report.explain import explain
from tests.analysis.tiny_corpus import write_tiny_corpus

OPTIONS = TrainOptions(folds=2)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[CorpusFile]:
    return load_corpus([write_tiny_corpus(tmp_path_factory.mktemp("tiny"))])


@pytest.fixture(scope="module")
def layer(corpus: list[CorpusFile]) -> LearnedLayer:
    return LearnedLayer.from_artifact(train(collect(corpus), OPTIONS).artifact)


def _digest(corpus: list[CorpusFile], tmp_path: Path, name: str, options: TrainOptions = OPTIONS) -> str:
    path = tmp_path / name
    save_artifact(train(collect(corpus), options).artifact, path)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_learned_training_rebuilds_byte_identically(corpus: list[CorpusFile], tmp_path: Path) -> None:
    assert _digest(corpus, tmp_path, "a.npz") == _digest(corpus, tmp_path, "b.npz")


def test_learned_training_changes_with_the_corpus(corpus: list[CorpusFile], tmp_path: Path) -> None:
    first = corpus[0]
    relabelled = first.encounter.model_copy(
        update={"utterances": [u.model_copy(update={"labels": []}) for u in first.encounter.utterances]}
    )
    changed = [CorpusFile(first.path, relabelled, first.writer, first.style), *corpus[1:]]
    assert _digest(corpus, tmp_path, "a.npz") != _digest(changed, tmp_path, "c.npz")


def test_learned_artifact_is_json_and_npy_only(layer: LearnedLayer, tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    save_artifact(layer.artifact, path)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert names and all(n.endswith((".json", ".npy")) for n in names)
        for name in names:
            data = zf.read(name)
            if name.endswith(".json"):
                json.loads(data)
            else:
                array = np.load(io.BytesIO(data), allow_pickle=False)
                assert array.dtype != object
    loaded = load_artifact(path)
    assert loaded.vocab == layer.artifact.vocab
    assert np.array_equal(loaded.weights, layer.artifact.weights)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"not a zip at all", "unreadable"),
        (b"", "unreadable"),
    ],
    ids=["garbage", "empty"],
)
def test_learned_bad_model_file_is_one_line_e042(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as info:
        load_artifact(path)
    assert info.value.code is Code.E042
    assert str(path) in info.value.one_line() and problem in info.value.one_line()
    assert "\n" not in info.value.one_line()


def test_learned_model_file_missing_members_or_wrong_format(layer: LearnedLayer, tmp_path: Path) -> None:
    good = tmp_path / "m.npz"
    save_artifact(layer.artifact, good)
    partial = tmp_path / "partial.npz"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(partial, "w") as dst:
        for name in src.namelist():
            if name != "weights.npy":
                dst.writestr(name, src.read(name))
    with pytest.raises(ConfigError, match="lacks weights.npy"):
        load_artifact(partial)
    wrong = tmp_path / "wrong.npz"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(wrong, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "meta.json":
                data = json.dumps({**json.loads(data), "format": "something-else/9"}).encode()
            dst.writestr(name, data)
    with pytest.raises(ConfigError, match="is not deescalate-model/1"):
        load_artifact(wrong)


def _all_findings(layer: LearnedLayer, corpus: list[CorpusFile]) -> list[tuple[Encounter, list]]:  # type: ignore[type-arg]
    analyzer = Analyzer(model=layer)
    return [(cf.encounter, analyzer.findings(cf.encounter)) for cf in corpus]


def test_learned_findings_carry_the_same_evidence_as_rule_findings(
    layer: LearnedLayer, corpus: list[CorpusFile]
) -> None:
    seen_model_only = seen_agreeing = 0
    for enc, found in _all_findings(layer, corpus):
        texts = {u.id: u.text for u in enc.utterances}
        keys = [(f.utterance_id, f.label) for f in found]
        assert len(keys) == len(set(keys)), "rule and model agreeing give one finding"
        for f in found:
            a, b = f.span
            assert f.quote == texts[f.utterance_id][a:b] and f.quote.strip()
            assert 0 < f.confidence <= 1
            model = f.evidence if f.evidence.get("kind") == "model" else f.evidence.get("model")
            if f.label == "conflicting_command":
                continue
            if not model:  # only a rule the model never saw passes without its say
                assert f"h:{f.detector}" not in layer.index, f.rule
                continue
            assert {"probability", "threshold", "model"} <= set(model)
            assert model["probability"] >= model["threshold"]
            if f.rule.startswith("model."):
                seen_model_only += 1
                assert f.rule == f"model.{f.label}.v{layer.artifact.meta['version']}"
                assert {"terms", "signals"} <= set(model)
                assert "learned model" in explain(f)
            else:
                seen_agreeing += 1
                assert "the learned model agrees" in explain(f)
    assert seen_agreeing > 0 and seen_model_only > 0


def test_learned_findings_name_the_closest_training_example(layer: LearnedLayer, corpus: list[CorpusFile]) -> None:
    # every label the model may find alone, whatever its score, so that many findings have a neighbour to name
    eager = LearnedLayer(layer.artifact, digest=layer.digest)
    eager.alone_thresholds = np.zeros_like(eager.alone_thresholds)
    alone = [f for _, found in _all_findings(eager, corpus) for f in found if f.rule.startswith("model.")]
    named = [f.evidence["nearest"] for f in alone if "nearest" in f.evidence]
    assert named, "model findings name their closest training example"
    for nearest in named:
        assert nearest["id"] and nearest["text"] and 0 < nearest["similarity"] <= 1


def test_learned_layer_loads_only_labels_it_may_decide(layer: LearnedLayer) -> None:
    assert set(layer.labels) == set(MODEL_LABELS)
    assert "conflicting_command" not in layer.labels  # stays logic


def test_learned_disabling_by_name(layer: LearnedLayer, corpus: list[CorpusFile], tmp_path: Path) -> None:
    config = tmp_path / "agency.yaml"
    config.write_text("disable: [model.command]\n", encoding="utf-8")
    analyzer = Analyzer(config, model=layer)
    assert analyzer.learned is not None and "command" not in analyzer.learned.decides
    found = analyzer.findings(corpus[0].encounter)
    commands = [f for f in found if f.label == "command"]
    assert commands and all("model" not in f.evidence for f in commands)  # rules alone for commands
    config.write_text("disable: [model]\n", encoding="utf-8")
    assert Analyzer(config, model=layer).learned is None


def test_learned_agency_rule_unknown_to_the_model_is_not_vetoed(layer: LearnedLayer, tmp_path: Path) -> None:
    config = tmp_path / "agency.yaml"
    config.write_text(
        "rules:\n  - name: resource_request.zorblat\n    label: resource_request\n"
        '    patterns: ["\\\\bzorblat team\\\\b"]\n',
        encoding="utf-8",
    )
    enc = Encounter.model_validate(
        {
            "id": "z",
            "participants": [{"id": "O1", "role": "officer"}, {"id": "S1", "role": "subject"}],
            "utterances": [{"id": "u1", "speaker": "O1", "start": 0, "text": "I'll call the zorblat team for you."}],
        }
    )
    found = Analyzer(config, model=layer).findings(enc)
    assert [f.rule for f in found if f.label == "resource_request"] == ["resource_request.zorblat.v1"]


def test_learned_reports_name_the_model_in_use(layer: LearnedLayer, corpus: list[CorpusFile]) -> None:
    analysis = analyze(corpus[0].encounter, Analyzer(model=layer))
    version = layer.model_version
    assert version.startswith(f"deescalate-model v{layer.artifact.meta['version']} (sha256 ")
    assert json.loads(render(analysis, "json"))["analyzer"]["model"] == version
    assert version in render(analysis, "markdown")
    assert version in render(analysis, "html")
    rules_only = analyze(corpus[0].encounter, Analyzer(model=None))
    assert "rules alone" in json.loads(render(rules_only, "json"))["analyzer"]["model"]


def test_learned_model_card_tells_data_figures_and_limits(layer: LearnedLayer) -> None:
    card = model_card(layer.artifact, digest=layer.digest)
    assert layer.digest in card
    assert "3 writers (wa, wb, wc)" in card
    for label in MODEL_LABELS:
        assert f"| {label} |" in card
    assert "## Limits" in card and "synthetic" in card


def test_learned_leave_one_writer_out_scores_each_writer_on_unseen_text(corpus: list[CorpusFile]) -> None:
    result = leave_one_writer_out(corpus, OPTIONS, variants=("rules", "combined"))
    assert set(result.by_writer) == {"wa", "wb", "wc"}
    assert result.styles == {"wa": "style-wa", "wb": "style-wb", "wc": "style-wc"}
    gold = sum(len(u.labels or []) for cf in corpus for u in cf.encounter.utterances)
    for variant in ("rules", "combined"):
        board = result.overall[variant]
        assert sum(s.support for s in board.scores.values()) == gold
        assert board.encounters == len(corpus)


def test_learned_default_layer_is_the_bundled_one_or_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEESCALATE_MODEL", "none")
    assert load_layer("default") is None
    assert Analyzer().learned is None


def _threshold_case(hit_p: list[tuple[float, int]], alone_p: list[tuple[float, int]]) -> tuple[np.ndarray, ...]:
    rows = [(p, y, True) for p, y in hit_p] + [(p, y, False) for p, y in alone_p]
    return (
        np.array([r[0] for r in rows]),
        np.array([r[1] for r in rows], dtype=np.int64),
        np.array([r[2] for r in rows], dtype=bool),
    )


# out-of-fold (probability, gold) where a rule fired, and where none did
ALONE_RIGHT_HALF_THE_TIME = [(0.9, 1), (0.8, 0), (0.7, 1), (0.6, 0), (0.2, 0)]
ALONE_RIGHT_MOSTLY = [(0.9, 1), (0.8, 1), (0.7, 1), (0.6, 0), (0.2, 0)]
RULE_HITS = [(0.95, 1), (0.9, 1), (0.3, 0), (0.25, 1), (0.1, 0)]


@pytest.mark.parametrize(
    ("alone", "floor", "stand", "finds_alone"),
    [
        (ALONE_RIGHT_MOSTLY, 0.7, False, True),  # model-only leads right 3 times in 4: kept
        (ALONE_RIGHT_HALF_THE_TIME, 0.7, False, True),  # the top lead alone (p 0.9) still clears the floor
        (ALONE_RIGHT_HALF_THE_TIME, 0.0, True, True),
        ([(0.9, 0), (0.8, 1), (0.7, 0), (0.6, 1)], 0.7, False, False),  # near miss: every cut is 50% or less
    ],
)
def test_learned_threshold_for_findings_alone_keeps_the_precision_floor(
    alone: list[tuple[float, int]], floor: float, stand: bool, finds_alone: bool
) -> None:
    from deescalate.analysis.learned.train import _thresholds

    p, y, hit = _threshold_case(RULE_HITS, alone)
    chosen = _thresholds(p, y, hit, beta=1.0, alone_precision=floor, rules_stand=stand)
    found_alone = (~hit) & (p >= chosen.alone)
    assert bool(found_alone.any()) is finds_alone
    if found_alone.any():
        assert y[found_alone].mean() >= floor
    if stand:
        assert chosen.with_rule == chosen.alone  # a rule's hit stands; the first threshold only confirms
    else:
        # vetoing the rule hits it scores low must do at least as well as taking every hit
        def f1(pred: np.ndarray) -> float:
            tp = int((pred & (y == 1)).sum())
            return 2 * tp / (int(pred.sum()) + int(y.sum()))

        chosen_pred = np.where(hit, p >= chosen.with_rule, p >= chosen.alone)
        assert f1(chosen_pred) >= f1(np.where(hit, True, p >= chosen.alone))
        assert chosen.f1 == pytest.approx(f1(chosen_pred))


def test_learned_model_alone_needs_the_higher_threshold(layer: LearnedLayer, corpus: list[CorpusFile]) -> None:
    """The same probability makes a finding where a rule fired and none where the model is alone."""
    enc = corpus[0].encounter
    probe = LearnedLayer(layer.artifact, digest=layer.digest)
    probe.thresholds = np.zeros_like(probe.thresholds)  # confirm every rule hit
    probe.alone_thresholds = np.full_like(probe.alone_thresholds, 1.01)  # never find a label alone
    found = Analyzer(model=probe).findings(enc)
    assert found and not any(f.rule.startswith("model.") for f in found)
    probe.alone_thresholds = np.zeros_like(probe.alone_thresholds)
    assert any(f.rule.startswith("model.") for f in Analyzer(model=probe).findings(enc))


def test_learned_artifact_before_v3_uses_one_threshold_for_both(layer: LearnedLayer, tmp_path: Path) -> None:
    from dataclasses import replace

    path = tmp_path / "old.npz"
    save_artifact(replace(layer.artifact, alone_thresholds=None), path)
    with zipfile.ZipFile(path) as zf:
        assert "alone_thresholds.npy" not in zf.namelist()
    old = LearnedLayer.from_artifact(load_artifact(path))
    assert np.array_equal(old.alone_thresholds, old.thresholds)
    assert "alone_thresholds.npy" in zipfile.ZipFile(io.BytesIO(_bytes(layer))).namelist()


def _bytes(layer: LearnedLayer) -> bytes:
    from deescalate.analysis.learned.artifact import artifact_bytes

    return artifact_bytes(layer.artifact)


def test_learned_character_grams_from_the_word_cache_score_as_the_training_features(
    layer: LearnedLayer, corpus: list[CorpusFile]
) -> None:
    """Analysis adds character grams from a cache by word; training reads them as strings: same scores."""
    from deescalate.analysis.learned.features import TOKEN

    rules = Analyzer(model=None)
    for cf in corpus[:3]:
        full = rules.rule_stage(cf.encounter, features=True)
        lean = rules.rule_stage(cf.encounter, features=True, chars=False)
        assert all(not any(k.startswith("c:") for k in f) for f in lean.features)
        assert any(any(k.startswith("c:") for k in f) for f in full.features)
        words = [TOKEN.findall(ctx.prepared.text) for ctx in lean.contexts]
        np.testing.assert_allclose(layer.score(lean.features, words), layer.score(full.features), rtol=1e-5, atol=1e-6)
        # near miss: without the words the lean features lose the character grams, and the scores move
        assert not np.allclose(layer.score(lean.features), layer.score(full.features), atol=1e-6)
