"""The learned layer's artifact: one zip of JSON and NumPy arrays, that loading cannot execute.

No pickle anywhere: arrays are ``.npy`` members read with ``allow_pickle=False``,
everything else is JSON. Members are written in a fixed order with fixed
timestamps and sorted keys, so the same training gives the same bytes.

Members:
    meta.json        format, version, labels, training data summary, per-label figures
    vocab.json       feature strings; row i of the weights is feature i
    weights.npy      float32 [features, labels]
    bias.npy         float32 [labels]
    calibration.npy  float32 [labels, 2]: p = sigmoid(a * score + b) (Platt, out-of-fold)
    thresholds.npy   float32 [labels]: where a rule of the label fired, the finding stands when p >= threshold
    alone_thresholds.npy  float32 [labels]: where none fired, the model finds the label when p >= this
                     (models before v3 lack it: the one threshold serves both)
    examples.json    [[id, text], ...] positive training utterances, for "closest example"
    example_labels.npy  uint8 [examples, labels]
    example_indptr.npy / example_ids.npy  int32: for each word feature, the examples that have it
    example_norms.npy   float32 [examples]: sqrt of each example's number of word features
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from deescalate.errors import Code, ConfigError

FORMAT = "deescalate-model/1"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_ARRAYS = (
    "weights",
    "bias",
    "calibration",
    "thresholds",
    "example_labels",
    "example_indptr",
    "example_ids",
    "example_norms",
)
_OPTIONAL_ARRAYS = ("alone_thresholds",)  # members newer models have; written after the others, in this order


@dataclass(frozen=True)
class ModelArtifact:
    meta: dict[str, Any]
    vocab: list[str]
    weights: np.ndarray
    bias: np.ndarray
    calibration: np.ndarray
    thresholds: np.ndarray
    examples: list[list[str]]
    example_labels: np.ndarray
    example_indptr: np.ndarray
    example_ids: np.ndarray
    example_norms: np.ndarray
    alone_thresholds: np.ndarray | None = None

    @property
    def labels(self) -> list[str]:
        return list(self.meta["labels"])

    @property
    def version(self) -> str:
        return str(self.meta["version"])


def save_artifact(artifact: ModelArtifact, path: Path) -> str:
    """Write the artifact atomically; returns its SHA-256."""
    data = artifact_bytes(artifact)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return hashlib.sha256(data).hexdigest()


def artifact_bytes(artifact: ModelArtifact) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:

        def put(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)

        put("meta.json", _json(artifact.meta))
        put("vocab.json", _json(artifact.vocab))
        put("examples.json", _json(artifact.examples))
        for name in (*_ARRAYS, *_OPTIONAL_ARRAYS):
            value = getattr(artifact, name)
            if value is None:  # an optional member the model does not have
                continue
            array_bytes = io.BytesIO()
            np.save(array_bytes, value, allow_pickle=False)
            put(f"{name}.npy", array_bytes.getvalue())
    return buffer.getvalue()


def load_artifact(path: Path) -> ModelArtifact:
    where = str(path)
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            missing = {"meta.json", "vocab.json", "examples.json"} | {f"{a}.npy" for a in _ARRAYS}
            if missing - names:
                raise ConfigError(Code.E042, f"model file lacks {', '.join(sorted(missing - names))}", file=where)
            meta = json.loads(zf.read("meta.json"))
            if meta.get("format") != FORMAT:
                raise ConfigError(Code.E042, f"model format {meta.get('format')!r} is not {FORMAT}", file=where)
            present = [*_ARRAYS, *(a for a in _OPTIONAL_ARRAYS if f"{a}.npy" in names)]
            arrays = {a: np.load(io.BytesIO(zf.read(f"{a}.npy")), allow_pickle=False) for a in present}
            artifact = ModelArtifact(
                meta=meta,
                vocab=json.loads(zf.read("vocab.json")),
                examples=json.loads(zf.read("examples.json")),
                **arrays,
            )
    except FileNotFoundError:
        raise ConfigError(Code.E042, "model file not found", file=where) from None
    except (zipfile.BadZipFile, ValueError, KeyError, OSError) as exc:
        raise ConfigError(Code.E042, f"model file is unreadable: {exc}", file=where) from None
    n_labels = len(artifact.labels)
    alone = artifact.alone_thresholds
    if (
        artifact.weights.shape != (len(artifact.vocab), n_labels)
        or artifact.thresholds.shape != (n_labels,)
        or (alone is not None and alone.shape != (n_labels,))
    ):
        raise ConfigError(Code.E042, "model arrays do not match its vocabulary and labels", file=where)
    return artifact


def _json(value: object) -> bytes:
    return (json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
