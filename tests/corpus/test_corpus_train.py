"""The training corpus in the project (corpus/train): well-formed, labelled by the spec, and as varied as
the issue asks (writers, size, every label)."""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from deescalate.analysis.labels import LABELS, registry
from deescalate.encounter.model import Encounter
from deescalate.encounter.readers import read_encounter

TRAIN = Path(__file__).resolve().parents[2] / "corpus" / "train"


@cache
def _corpus() -> tuple[tuple[Path, Encounter], ...]:
    return tuple((p, read_encounter(p)) for p in sorted(TRAIN.rglob("*.json")))


def test_corpus_is_large_and_varied() -> None:
    files = _corpus()
    writers = {(enc.model_extra or {})["writer"] for _, enc in files}
    styles = {(enc.model_extra or {})["style"] for _, enc in files}
    assert len(files) >= 240
    assert sum(len(enc.utterances) for _, enc in files) >= 15_000
    assert len(writers) >= 12 and len(styles) >= 12
    counts: Counter[str] = Counter(label for _, enc in files for u in enc.utterances for label in u.labels or [])
    assert set(counts) == set(LABELS)
    assert min(counts.values()) >= 150, counts.most_common()[-3:]


def test_corpus_files_sit_in_their_writers_folder() -> None:
    for path, enc in _corpus():
        assert path.parent.name == (enc.model_extra or {})["writer"], path
        assert enc.id == path.stem, path


@pytest.mark.parametrize("writer", sorted({p.parent.name for p in TRAIN.rglob("*.json")}))
def test_corpus_labels_follow_the_spec(writer: str) -> None:
    info = registry()
    for path, enc in _corpus():
        if path.parent.name != writer:
            continue
        by_id = {u.id: u for u in enc.utterances}
        for u in enc.utterances:
            where = f"{path.name}:{u.id}"
            role = enc.role_of(u.speaker)
            for label in u.labels or []:
                assert label in info, where
                assert role in info[label].speakers, f"{where}: {label} said by a {role.value}"
            if "conflicting_command" in (u.labels or []):
                assert "command" in (u.labels or []), where
                earlier = by_id.get(u.conflicts_with or "")
                assert earlier is not None and "command" in (earlier.labels or []), where
                assert 0 <= u.start - earlier.start <= 12.0, where
            else:
                assert u.conflicts_with is None, where
