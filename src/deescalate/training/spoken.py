"""Spoken trainee turns: one recording per turn, read by the project's own speech to text (``audio/``).

Each recording is decoded (:func:`deescalate.audio.decode.load_audio`), transcribed with word timings
(:class:`deescalate.audio.transcribe.Transcriber`) and measured as the body-camera pipeline measures an
utterance (:mod:`deescalate.audio.delivery`): words per minute from the word times, and the speech level in
dBFS over the words' span. The transcribed words are the trainee's line.

Loudness means something only against the same voice on the same microphone, so a turn is *raised* when it
is ``RAISED_DB`` (6 dB) or more above the trainee's own median level over all their spoken turns, the
analyzer's rule for a raised voice on a body camera; it is *fast* above the analyzer's ``FAST_SPEECH_WPM``.
A recording with no speech in it (silence, room noise) is a turn of silence, said so, not an error; a file
that is missing, not audio or cannot be decoded is an error naming the file.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deescalate.analysis.verdicts import FAST_SPEECH_WPM
from deescalate.audio.delivery import FLOOR_DB, RAISED_DB, span_level_db, weighted_median, words_per_minute
from deescalate.audio.formats import MEDIA_SUFFIXES, is_media
from deescalate.errors import Code, InputError
from deescalate.settings import Settings

NO_SPEECH = "no speech found in the recording (played as silence)"


@dataclass(frozen=True, slots=True)
class SpokenWord:
    start: float  # seconds from the start of the recording
    end: float
    text: str
    probability: float


@dataclass(frozen=True, slots=True)
class SpokenTurn:
    """One recording, transcribed and measured."""

    file: str
    text: str  # "" when no speech was found
    words: tuple[SpokenWord, ...]
    level_db: float  # speech level over the words' span (dBFS)
    words_per_minute: float | None
    duration_s: float  # of the recording
    transcribe_s: float  # decoding and transcription time
    note: str = ""  # why there is no text (E103's message), else ""

    @property
    def speech_s(self) -> float:
        return round(self.words[-1].end - self.words[0].start, 3) if self.words else 0.0

    @property
    def name(self) -> str:
        return Path(self.file).name


@dataclass(frozen=True, slots=True)
class TurnDelivery:
    """A spoken turn's delivery against the trainee's own median level."""

    turn: int
    file: str
    words: int
    words_per_minute: float | None
    level_db: float | None  # None: no speech
    relative_db: float | None
    raised: bool
    fast: bool
    note: str = ""

    @property
    def flags(self) -> tuple[str, ...]:
        return (("raised voice",) if self.raised else ()) + (("too fast",) if self.fast else ())

    def as_utterance_delivery(self) -> dict[str, Any]:
        """The ``delivery`` an utterance carries, as the body-camera pipeline writes it."""
        return {
            "words_per_minute": self.words_per_minute,
            "level_db": self.level_db,
            "relative_db": self.relative_db,
            "raised": self.raised,
        }


@dataclass(frozen=True, slots=True)
class SpokenSummary:
    turns: tuple[TurnDelivery, ...]
    median_db: float | None  # the trainee's own level, the reference for "raised"
    words_per_minute: float | None  # all spoken words over all speaking time
    raised_turns: int
    fast: bool

    def line(self) -> str:
        spoken = [t for t in self.turns if t.level_db is not None]
        if not spoken:
            return f"{len(self.turns)} spoken turns; no speech was found in any of them."
        pace = f"{self.words_per_minute:.0f} words/min" if self.words_per_minute is not None else "pace not measurable"
        flags = []
        if self.fast:
            flags.append(f"too fast (over {FAST_SPEECH_WPM:.0f} words/min)")
        if self.raised_turns:
            flags.append(f"voice raised in {self.raised_turns} of {len(spoken)} turns")
        tail = "; " + "; ".join(flags) if flags else "; calm, even delivery"
        return (
            f"{len(spoken)} spoken turns: {pace}, median level {self.median_db:.1f} dBFS "
            f"(raised: {RAISED_DB:.0f} dB above it){tail}."
        )


def summarize(turns: Sequence[tuple[int, SpokenTurn]]) -> SpokenSummary:
    """Per turn and overall: pace, level against the trainee's own median, and the flags."""
    heard = [(n, s) for n, s in turns if s.words]
    median = (
        round(weighted_median([s.level_db for _, s in heard], [max(s.speech_s, 0.1) for _, s in heard]), 1)
        if heard
        else None
    )
    rows = []
    for n, s in turns:
        if not s.words or median is None:
            rows.append(TurnDelivery(n, s.name, 0, None, None, None, False, False, s.note or NO_SPEECH))
            continue
        relative = round(float(s.level_db - median), 1)
        wpm = None if s.words_per_minute is None else float(s.words_per_minute)
        fast = bool(wpm is not None and wpm > FAST_SPEECH_WPM)
        rows.append(
            TurnDelivery(n, s.name, len(s.words), wpm, float(s.level_db), relative, bool(relative >= RAISED_DB), fast)
        )
    talk = sum(s.speech_s for _, s in heard)
    count = sum(len(s.words) for _, s in heard)
    overall = round(count / talk * 60.0, 1) if talk >= 0.5 and count >= 2 else None
    return SpokenSummary(
        turns=tuple(rows),
        median_db=median,
        words_per_minute=overall,
        raised_turns=sum(r.raised for r in rows),
        fast=bool(overall is not None and overall > FAST_SPEECH_WPM),
    )


# -- finding and reading the recordings ---------------------------------------------------------------------------


def audio_files(paths: Iterable[Path]) -> list[Path]:
    """The recordings, one per turn: a folder gives its audio files in name order, a file itself."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted((p for p in path.iterdir() if p.is_file() and is_media(p)), key=lambda p: p.name)
            if not inside:
                kinds = " ".join(sorted(MEDIA_SUFFIXES))
                raise InputError(Code.E102, f"folder holds no audio files ({kinds})", file=str(path))
            found += inside
        elif not path.exists():
            raise InputError(Code.E001, "file not found", file=str(path))
        elif not is_media(path):
            raise InputError(Code.E102, f"is not an audio file (suffix {path.suffix or 'none'!r})", file=str(path))
        else:
            found.append(path)
    if not found:
        raise InputError(Code.E102, "give at least one recording (a folder or audio files)")
    return found


class TurnTranscriber:
    """Transcribes recordings one by one; the speech model is loaded once, at the first."""

    def __init__(self, settings: Settings | None = None, transcriber: Any = None) -> None:
        self.settings = settings or Settings.from_env()
        self._transcriber = transcriber

    def __call__(self, path: Path) -> SpokenTurn:
        from deescalate.audio.decode import SAMPLE_RATE, load_audio  # FFmpeg and the speech model: only when used
        from deescalate.audio.transcribe import Transcriber

        began = time.perf_counter()
        try:
            audio = load_audio(path, self.settings)
        except InputError as exc:
            if exc.code is not Code.E074:  # digital silence is a turn of silence; the rest are errors
                raise
            return SpokenTurn(str(path), "", (), FLOOR_DB, None, 0.0, round(time.perf_counter() - began, 3), NO_SPEECH)
        if self._transcriber is None:
            self._transcriber = Transcriber.from_settings(self.settings)
        words = tuple(w for s in self._transcriber.transcribe(audio) for w in s.words)
        duration = round(audio.size / SAMPLE_RATE, 3)
        spent = round(time.perf_counter() - began, 3)
        if not words:
            return SpokenTurn(str(path), "", (), FLOOR_DB, None, duration, spent, NO_SPEECH)
        level = round(float(span_level_db(audio, words[0].start, words[-1].end)), 1)
        return SpokenTurn(
            file=str(path),
            text=" ".join(w.text for w in words),
            words=tuple(SpokenWord(float(w.start), float(w.end), w.text, float(w.probability)) for w in words),
            level_db=level,
            words_per_minute=None if (wpm := words_per_minute(words)) is None else float(wpm),
            duration_s=duration,
            transcribe_s=spent,
        )
