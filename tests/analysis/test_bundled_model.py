"""The bundled learned layer is what the committed corpus and code build: retrained from corpus/train with
the default options, it comes out byte for byte the same file (and so with the same SHA-256)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from deescalate.analysis.learned import bundled_path, load_layer

TRAIN = Path(__file__).resolve().parents[2] / "corpus" / "train"


def test_bundled_model_ships_and_loads() -> None:
    layer = load_layer("bundled")
    assert layer is not None, f"no model at {bundled_path()}"
    assert layer.artifact.meta["data"]["writers"] == sorted(p.name for p in TRAIN.iterdir() if p.is_dir())


# Vector kernels other than the ones this CPU would pick: BLAS and NumPy choose theirs per CPU at run time,
# so a rebuild under other ones stands in for a rebuild on another machine
OTHER_CPU = {
    "OPENBLAS_CORETYPE": "Prescott",
    "OPENBLAS_NUM_THREADS": "1",
    "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",  # NumPy 2.4 names
}
REBUILD = """
import hashlib, sys
from pathlib import Path
from deescalate.analysis.learned.artifact import artifact_bytes
from deescalate.analysis.learned.train import TrainOptions, collect, load_corpus, train
art = train(collect(load_corpus([Path(sys.argv[1])])), TrainOptions()).artifact
print(hashlib.sha256(artifact_bytes(art)).hexdigest())
"""


@pytest.mark.slow
def test_bundled_model_rebuilds_byte_identically_under_other_cpu_kernels() -> None:
    shipped = hashlib.sha256(bundled_path().read_bytes()).hexdigest()
    env = {**os.environ, **OTHER_CPU}
    result = subprocess.run(
        [sys.executable, "-c", REBUILD, str(TRAIN)], capture_output=True, text=True, env=env, timeout=900, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == shipped
