"""Decode any common audio or video file to 16 kHz mono float32 with PyAV (FFmpeg's libraries)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from deescalate.errors import Code, InputError
from deescalate.settings import Settings

SAMPLE_RATE = 16_000
# Below this RMS (about -60 dBFS) a whole recording is treated as silence.
SILENCE_RMS = 1e-3


def load_audio(path: Path, settings: Settings) -> np.ndarray:
    """The file's first audio stream as 16 kHz mono float32 in [-1, 1]."""
    import av  # imported here so transcript-only use never loads FFmpeg

    where = str(path)
    if not path.exists():
        raise InputError(Code.E001, "file not found", file=where)
    if path.stat().st_size == 0:
        raise InputError(Code.E002, "file is empty", file=where)
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.error.InvalidDataError, av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise InputError(Code.E070, f"not a media file FFmpeg can read ({_reason(exc)})", file=where) from None
    with container:
        if not container.streams.audio:
            raise InputError(Code.E071, "has no audio track", file=where)
        stream = container.streams.audio[0]
        check_length(_duration(container, stream), settings, where)
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        chunks: list[np.ndarray] = []
        samples = 0
        limit = int(settings.max_media_seconds * SAMPLE_RATE)
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    data = out.to_ndarray().reshape(-1)
                    chunks.append(data)
                    samples += data.size
                if samples > limit:
                    raise InputError(Code.E072, f"is longer than the {settings.max_media_seconds} s limit", file=where)
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
        except av.error.FFmpegError as exc:
            if not chunks:
                raise InputError(Code.E070, f"audio cannot be decoded ({_reason(exc)})", file=where) from None
            # a truncated recording: keep what decoded, as a camera's last seconds are often cut
    if not chunks:
        raise InputError(Code.E073, "audio track holds no samples", file=where)
    audio = np.concatenate(chunks).astype(np.float32) / 32768.0
    if float(np.sqrt(np.mean(audio**2))) < SILENCE_RMS:
        raise InputError(Code.E074, "audio is silent: nothing to transcribe", file=where)
    return audio


def check_length(duration: float | None, settings: Settings, where: str) -> None:
    """Refuse a recording longer than the limit, from the length its header gives (None: not known yet)."""
    if duration is not None and duration > settings.max_media_seconds:
        raise InputError(
            Code.E072,
            f"is {duration / 3600:.1f} h long; the limit is {settings.max_media_seconds / 3600:.1f} h "
            "(set DEESCALATE_MAX_MEDIA_SECONDS to change it)",
            file=where,
        )


def header_seconds(path: Path) -> float | None:
    """The length the file's header gives for its first audio track, without decoding; None if it cannot say."""
    import av

    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if not container.streams.audio:
                return None
            return _duration(container, container.streams.audio[0])
    except (av.error.FFmpegError, UnicodeDecodeError, OSError):
        return None


def _duration(container: object, stream: object) -> float | None:
    dur = getattr(stream, "duration", None)
    base = getattr(stream, "time_base", None)
    if dur is not None and base is not None:
        return float(dur * base)
    cdur = getattr(container, "duration", None)
    return cdur / 1_000_000 if cdur else None


def _reason(exc: BaseException) -> str:
    text = str(getattr(exc, "strerror", "") or exc).strip().rstrip(".")
    return text.split(":")[-1].strip() or type(exc).__name__
