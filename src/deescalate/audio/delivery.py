"""Delivery measured from the audio: speaking rate, speech level, and raised-voice moments.

Levels are dBFS: ``20 * log10(RMS)`` with full scale 1.0, so a sine of amplitude
0.1 (RMS 0.0707) is -23 dBFS. A span's *speech level* is the RMS over its
active frames only (20 ms frames, 10 ms hop, kept when within
``ACTIVE_RANGE_DB`` of the span's loud frames), so pauses between words and the
room noise in them do not pull a slow talker's level down.

Loudness on a body camera mostly says how far a voice is from the microphone,
so a level only means something against a reference from the same recording:
the recording's own speech median (:func:`speech_median_db`) or, better, each
speaker's own median (:func:`speaker_median_db`). A voice is *raised* when it is
``RAISED_DB`` or more above that reference.

``RAISED_DB`` is 6 dB because that is the step from normal to raised vocal
effort in the standard speech levels (ANSI S3.5-1997, after Pearsons, Bennett
& Fidell 1977: normal 62.4, raised 68.3, loud 74.9, shouted 82.3 dB SPL at
1 m), i.e. twice the sound pressure. One voice's level from phrase to phrase
at steady effort varies far less: 0.7 dB (standard deviation) on the
synthesized espeak-ng dialogue, a few dB in natural speech. So 6 dB is clear
of ordinary variation while still catching a raised voice before it becomes a
shout; a moment must also last (``min_duration_s``), so one loud word is not
a raised voice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from deescalate.audio.transcribe import Word

SAMPLE_RATE = 16_000
RAISED_DB = 6.0
FRAME_S = 0.020
HOP_S = 0.010
# Frames quieter than the span's 95th-percentile frame by more than this are pauses, not speech.
ACTIVE_RANGE_DB = 25.0
# The level reported for a span with no signal at all (digital silence or no samples).
FLOOR_DB = -100.0
# A pace needs at least this many words over at least this long, else it is noise.
MIN_PACE_WORDS = 2
MIN_PACE_S = 0.5
# Words closer than this belong to one speech chunk when measuring a median level.
CHUNK_GAP_S = 0.5
# Raised utterances of one speaker further apart than this are separate moments.
MERGE_GAP_S = 5.0


@dataclass(frozen=True, slots=True)
class Delivery:
    words_per_minute: float | None
    level_db: float
    relative_db: float
    raised: bool


@dataclass(frozen=True, slots=True)
class RaisedMoment:
    speaker: str
    start: float
    end: float
    above_db: float  # speech-time-weighted mean level above the speaker's own median
    utterances: int


def to_db(power: float | np.ndarray) -> np.ndarray:
    """Mean square to dBFS, floored at ``FLOOR_DB``."""
    return 10.0 * np.log10(np.maximum(np.asarray(power, dtype=np.float64), 10 ** (FLOOR_DB / 10)))


def frame_powers(x: np.ndarray, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Mean square of each 20 ms frame (10 ms hop); one frame when the span is shorter than that."""
    x = np.asarray(x)
    n = max(1, int(round(FRAME_S * sample_rate)))
    hop = max(1, int(round(HOP_S * sample_rate)))
    if x.size == 0:
        return np.zeros(0)
    if x.size <= n:
        return np.array([float(np.mean(np.square(x, dtype=np.float64)))])
    starts = np.arange(0, x.size - n + 1, hop)
    if n % hop == 0:  # frames are whole hops: sum squares hop by hop, a chunk at a time (hours of audio fit)
        blocks = x.size // hop
        sums = np.empty(blocks)
        step = 1 << 16
        for i in range(0, blocks, step):
            part = x[i * hop : min(blocks, i + step) * hop].astype(np.float64).reshape(-1, hop)
            sums[i : i + part.shape[0]] = np.einsum("ij,ij->i", part, part)
        cs = np.concatenate(([0.0], np.cumsum(sums)))
        k, per = starts // hop, n // hop
        return (cs[k + per] - cs[k]) / n
    cs = np.concatenate(([0.0], np.cumsum(np.square(x, dtype=np.float64))))
    return (cs[starts + n] - cs[starts]) / n


def active_mask(powers: np.ndarray) -> np.ndarray:
    """Which frames are speech: within ``ACTIVE_RANGE_DB`` of the loud (95th percentile) frames."""
    if powers.size == 0:
        return np.zeros(0, dtype=bool)
    db = to_db(powers)
    return (db >= np.percentile(db, 95) - ACTIVE_RANGE_DB) & (db > FLOOR_DB)


def active_level_db(x: np.ndarray, sample_rate: int = SAMPLE_RATE) -> float:
    """dBFS of a span's speech: RMS over its active frames."""
    powers = frame_powers(x, sample_rate)
    mask = active_mask(powers)
    if not mask.any():
        return FLOOR_DB
    return float(to_db(float(np.mean(powers[mask]))))


def span_level_db(audio: np.ndarray, start: float, end: float, sample_rate: int = SAMPLE_RATE) -> float:
    """Speech level (dBFS) of ``audio[start:end]`` (seconds), clipped to the recording."""
    i = max(0, int(round(start * sample_rate)))
    j = min(audio.size, int(round(end * sample_rate)))
    return active_level_db(audio[i:j], sample_rate) if j > i else FLOOR_DB


def words_per_minute(words: Sequence[Word]) -> float | None:
    """Words / (last word end - first word start) * 60; None for fewer than 2 words or under 0.5 s."""
    if len(words) < MIN_PACE_WORDS:
        return None
    span = max(w.end for w in words) - min(w.start for w in words)
    if span < MIN_PACE_S:
        return None
    return round(len(words) / span * 60.0, 1)


def utterance_delivery(
    audio: np.ndarray,
    start: float,
    end: float,
    words: Sequence[Word],
    *,
    sample_rate: int = SAMPLE_RATE,
    reference_db: float,
) -> Delivery:
    """Pace and level of one utterance; ``reference_db`` is the speaker's (or recording's) median level."""
    level = round(span_level_db(audio, start, end, sample_rate), 1)
    relative = round(level - reference_db, 1)
    return Delivery(words_per_minute(words), level, relative, relative >= RAISED_DB)


def _chunks(words: Sequence[Word], labels: Sequence[str] | None = None) -> list[tuple[str, float, float]]:
    """Consecutive words (same label, gaps under ``CHUNK_GAP_S``) as (label, start, end) chunks."""
    order = sorted(range(len(words)), key=lambda i: (words[i].start, words[i].end))
    out: list[tuple[str, float, float]] = []
    for i in order:
        w = words[i]
        label = labels[i] if labels is not None else ""
        if out and out[-1][0] == label and w.start - out[-1][2] < CHUNK_GAP_S:
            out[-1] = (label, out[-1][1], max(out[-1][2], w.end))
        else:
            out.append((label, w.start, max(w.end, w.start)))
    return out


def weighted_median(values: Sequence[float], weights: Sequence[float]) -> float:
    v = np.asarray(values, dtype=np.float64)
    w = np.maximum(np.asarray(weights, dtype=np.float64), 1e-9)
    order = np.argsort(v)
    cum = np.cumsum(w[order])
    return float(v[order][np.searchsorted(cum, cum[-1] / 2.0)])


def _median_level(audio: np.ndarray, chunks: list[tuple[str, float, float]], sample_rate: int) -> float:
    levels = [span_level_db(audio, s, e, sample_rate) for _, s, e in chunks]
    keep = [(lv, e - s) for lv, (_, s, e) in zip(levels, chunks, strict=True) if lv > FLOOR_DB]
    if not keep:
        return FLOOR_DB
    return round(weighted_median([k[0] for k in keep], [k[1] for k in keep]), 1)


def speech_median_db(audio: np.ndarray, words: Sequence[Word], sample_rate: int = SAMPLE_RATE) -> float:
    """The recording's own speech level: the time-weighted median of its speech chunks' levels (dBFS).

    Chunks are runs of words with gaps under ``CHUNK_GAP_S``, each measured like an
    utterance (:func:`span_level_db`), so an utterance at ordinary effort sits near 0 dB
    relative to this median.
    """
    return _median_level(audio, _chunks(words), sample_rate)


def speaker_median_db(
    audio: np.ndarray, words: Sequence[Word], labels: Sequence[str], sample_rate: int = SAMPLE_RATE
) -> dict[str, float]:
    """Each speaker's own median speech level (dBFS), from the words given that speaker's label."""
    if len(labels) != len(words):
        raise ValueError("one label per word")
    by_label: dict[str, list[tuple[str, float, float]]] = defaultdict(list)
    for chunk in _chunks(words, labels):
        by_label[chunk[0]].append(chunk)
    return {label: _median_level(audio, chunks, sample_rate) for label, chunks in by_label.items()}


def raised_voice_moments(
    deliveries: Sequence[tuple[str, float, float, Delivery]],
    speaker_medians: dict[str, float],
    *,
    min_duration_s: float = 1.0,
) -> list[RaisedMoment]:
    """Sustained raised voice: a speaker ``RAISED_DB`` or more above their own median for ``min_duration_s``.

    ``deliveries`` are (speaker, start, end, Delivery) per utterance. A speaker's
    consecutive raised utterances (no calmer utterance of theirs between, gaps
    under ``MERGE_GAP_S``; others may speak in between) merge into one moment,
    kept when their summed speaking time is at least ``min_duration_s``. A
    speaker missing from ``speaker_medians`` is measured against the median
    level of their own utterances here.
    """
    by_speaker: dict[str, list[tuple[float, float, Delivery]]] = defaultdict(list)
    for speaker, start, end, d in sorted(deliveries, key=lambda t: (t[1], t[2])):
        by_speaker[speaker].append((start, end, d))
    moments: list[RaisedMoment] = []
    for speaker, items in by_speaker.items():
        median = speaker_medians.get(speaker)
        if median is None:
            median = float(np.median([d.level_db for _, _, d in items]))
        runs: list[list[tuple[float, float, float]]] = [[]]  # each (start, end, dB above)
        for start, end, d in items:
            above = d.level_db - median
            if above < RAISED_DB:
                runs.append([])
                continue
            if runs[-1] and start - runs[-1][-1][1] > MERGE_GAP_S:
                runs.append([])
            runs[-1].append((start, end, above))
        for run in runs:
            talk = sum(e - s for s, e, _ in run)
            if run and talk >= min_duration_s:
                above = sum((e - s) * a for s, e, a in run) / talk
                moments.append(RaisedMoment(speaker, run[0][0], run[-1][1], round(above, 1), len(run)))
    return sorted(moments, key=lambda m: (m.start, m.speaker))
