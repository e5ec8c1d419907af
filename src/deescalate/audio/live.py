"""Live mode: analyze speech as it arrives and alert within about a second.

Audio arrives in small blocks (a file played at real speed, raw PCM on a pipe,
or a microphone). An energy detector with an adaptive noise floor finds where
an utterance ends (a short pause after speech); that stretch is transcribed at
once and appended to the running encounter, and the analyzer runs over the
recent past. An alert is printed as soon as the newest utterance carries a
threat of force, an insult, a conflicting command, or an inability cue that no
officer has yet checked.

Speakers live: the camera wearer is the loudest voice, so a stretch within
``WEARER_MARGIN_DB`` of the loudest speech so far is the wearer (an officer);
a quieter voice is an officer when it gives directives, else the subject. This
is coarser than the offline speaker separation, and says so in each alert.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

from deescalate.analysis.analyzer import Analyzer
from deescalate.analysis.findings import Finding
from deescalate.audio.decode import SAMPLE_RATE, load_audio
from deescalate.audio.transcribe import Transcriber
from deescalate.encounter.model import Encounter, Participant, Role, Utterance
from deescalate.settings import Settings

ALERT_LABELS = ("threat_of_force", "insult", "conflicting_command", "inability_cue")
FRAME_S = 0.03
END_PAUSE_S = 0.35  # silence that ends an utterance
MIN_SPEECH_S = 0.25
MAX_UTTERANCE_S = 12.0
SPEECH_ABOVE_FLOOR_DB = 12.0
WEARER_MARGIN_DB = 4.5
CONTEXT_UTTERANCES = 60  # the analyzer re-reads this much recent past on every new utterance
_DIRECTIVE = re.compile(
    r"^(?:\W*(?:sir|ma'am|hey|okay|now)\W+)*(?:get|put|show|step|turn|stand|sit|stay|keep|hold|drop|come|move|stop|"
    r"back|go|walk|roll|open|give|hands|don't|let me see|i need you to|you need to)\b",
    re.I,
)


@dataclass(frozen=True)
class Alert:
    label: str
    utterance: Utterance
    finding: Finding
    heard_at: float  # stream seconds when the utterance ended
    latency_s: float  # wall-clock seconds from the end of the utterance to the alert

    def line(self) -> str:
        m, s = divmod(int(self.utterance.start), 60)
        what = {
            "threat_of_force": "THREAT OF FORCE",
            "insult": "INSULT",
            "conflicting_command": f"CONFLICTING COMMAND (clashes with {self.finding.conflicts_with})",
            "inability_cue": "CANNOT COMPLY? no officer has checked yet",
        }[self.label]
        return f'[{m}:{s:02d}] {what}: "{self.utterance.text}" ({self.latency_s:.2f} s after it was said)'


@dataclass
class LiveSession:
    """Feed audio blocks; get alerts back."""

    transcriber: Transcriber
    analyzer: Analyzer
    on_alert: Callable[[Alert], None]
    clock: Callable[[], float] = time.monotonic
    utterances: list[Utterance] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    # seconds from the end of each utterance to the end of its analysis (alert or not)
    latencies: list[float] = field(default_factory=list)
    _buffer: list[np.ndarray] = field(default_factory=list)
    _samples: int = 0
    _speech_start: float | None = None
    _last_speech: float = 0.0
    _levels: list[float] = field(default_factory=list)
    _loudest: float = -120.0
    _pending: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    _checked_cues: set[str] = field(default_factory=set)
    _alerted: set[tuple[str, str]] = field(default_factory=set)

    @property
    def stream_time(self) -> float:
        return self._samples / SAMPLE_RATE

    def feed(self, block: np.ndarray) -> None:
        self._pending = np.concatenate([self._pending, block.astype(np.float32)])
        frame = int(FRAME_S * SAMPLE_RATE)
        while self._pending.size >= frame:
            chunk, self._pending = self._pending[:frame], self._pending[frame:]
            self._frame(chunk)

    def close(self) -> None:
        if self._speech_start is not None:
            self._finish_utterance()

    def _frame(self, chunk: np.ndarray) -> None:
        level = 20 * np.log10(float(np.sqrt(np.mean(chunk**2))) + 1e-9)
        self._levels.append(level)
        if len(self._levels) > 2000:
            del self._levels[:1000]
        floor = float(np.percentile(self._levels[-600:], 10))
        t = self.stream_time
        self._samples += chunk.size
        speech = level > floor + SPEECH_ABOVE_FLOOR_DB and level > -55
        if self._speech_start is None:
            if speech:
                self._speech_start = t
                self._buffer = [chunk]
                self._last_speech = t + FRAME_S
            return
        self._buffer.append(chunk)
        if speech:
            self._last_speech = t + FRAME_S
        too_long = self.stream_time - self._speech_start > MAX_UTTERANCE_S
        if self.stream_time - self._last_speech >= END_PAUSE_S or too_long:
            self._finish_utterance()

    def _finish_utterance(self) -> None:
        start = self._speech_start or 0.0
        end = self._last_speech
        audio = np.concatenate(self._buffer) if self._buffer else np.zeros(0, dtype=np.float32)
        self._speech_start, self._buffer = None, []
        if end - start < MIN_SPEECH_S or audio.size == 0:
            return
        heard_wall = self.clock() - (self.stream_time - end)
        segments = self.transcriber.transcribe(audio, vad=False, offset=start)
        text = " ".join(s.text for s in segments).strip()
        if not text:
            return
        level = 20 * np.log10(float(np.sqrt(np.mean(audio**2))) + 1e-9)
        self._loudest = max(self._loudest, level)
        if level >= self._loudest - WEARER_MARGIN_DB:
            speaker = "WEARER"
        else:
            speaker = "OFFICER2" if _DIRECTIVE.search(text) else "SUBJECT"
        u = Utterance(
            id=f"u{len(self.utterances) + 1}", speaker=speaker, start=round(start, 3), end=round(end, 3), text=text
        )
        self.utterances.append(u)
        self._analyze(u, end, heard_wall)
        self.latencies.append(round(self.clock() - heard_wall, 3))

    def _analyze(self, newest: Utterance, end: float, heard_wall: float) -> None:
        recent = self.utterances[-CONTEXT_UTTERANCES:]
        encounter = Encounter(id="live", participants=PARTICIPANTS, utterances=recent)
        findings = self.analyzer.findings(encounter)
        for f in findings:
            if f.label == "capacity_check":
                self._checked_cues |= {
                    c.utterance_id for c in findings if c.label == "inability_cue" and c.start <= f.start
                }
        for f in findings:
            if f.utterance_id != newest.id or f.label not in ALERT_LABELS:
                continue
            if f.label == "inability_cue" and newest.id in self._checked_cues:
                continue
            key = (f.utterance_id, f.label)
            if key in self._alerted:
                continue
            self._alerted.add(key)
            alert = Alert(f.label, newest, f, round(end, 3), round(self.clock() - heard_wall, 3))
            self.alerts.append(alert)
            self.on_alert(alert)


PARTICIPANTS = [
    Participant(id="WEARER", role=Role.officer, name="Officer (camera wearer)"),
    Participant(id="OFFICER2", role=Role.officer, name="Another officer"),
    Participant(id="SUBJECT", role=Role.subject, name="Subject"),
]
BLOCK_S = 0.1


def file_blocks(path: Path, settings: Settings, *, real_time: bool = True) -> Iterator[np.ndarray]:
    """A recording played back in 100 ms blocks, at real speed unless asked otherwise."""
    audio = load_audio(path, settings)
    step = int(BLOCK_S * SAMPLE_RATE)
    t0 = time.monotonic()
    for i in range(0, audio.size, step):
        if real_time:
            delay = t0 + i / SAMPLE_RATE - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        yield audio[i : i + step]


def pipe_blocks(stream: BinaryIO | None = None) -> Iterator[np.ndarray]:
    """Raw 16 kHz mono signed 16-bit little-endian PCM on standard input."""
    source = stream or sys.stdin.buffer
    step = int(BLOCK_S * SAMPLE_RATE) * 2
    while True:
        data = source.read(step)
        if not data:
            return
        yield np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2").astype(np.float32) / 32768.0


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (no interpolation beyond what was measured)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, -(-int(share * 100) * len(ordered) // 100) - 1))]
