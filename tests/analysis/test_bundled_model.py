"""The bundled learned layer is what the committed corpus and code build: retrained from corpus/train with
the default options, it comes out byte for byte the same file (and so with the same SHA-256)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from deescalate.analysis.learned import bundled_path, load_layer
from deescalate.analysis.learned.artifact import artifact_bytes
from deescalate.analysis.learned.train import TrainOptions, collect, load_corpus, train

TRAIN = Path(__file__).resolve().parents[2] / "corpus" / "train"


def test_bundled_model_ships_and_loads() -> None:
    layer = load_layer("bundled")
    assert layer is not None, f"no model at {bundled_path()}"
    assert layer.artifact.meta["data"]["writers"] == sorted(p.name for p in TRAIN.iterdir() if p.is_dir())


@pytest.mark.slow
def test_bundled_model_rebuilds_byte_identically() -> None:
    shipped = bundled_path().read_bytes()
    rebuilt = artifact_bytes(train(collect(load_corpus([TRAIN])), TrainOptions()).artifact)
    assert hashlib.sha256(rebuilt).hexdigest() == hashlib.sha256(shipped).hexdigest()
