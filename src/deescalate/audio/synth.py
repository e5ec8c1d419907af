"""Synthesized dialogue for tests, benchmarks and the demo: espeak-ng speaks an encounter.

Each speaker gets their own espeak-ng voice (variant, pitch, speed); the
camera wearer is loud and the others quieter, as on a body camera. Lines are
placed at their encounter times (pushed later if the previous line has not
finished), so the result has a known truth: who said what, when.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from deescalate.audio.decode import SAMPLE_RATE
from deescalate.encounter.model import Encounter, Role

# (voice, pitch 0-99, words per minute): distinct enough to tell apart by ear and by pitch
VOICES = [
    ("en-us+m3", 35, 165),
    ("en-us+f3", 75, 160),
    ("en-us+m1", 55, 150),
    ("en-us+f1", 90, 170),
    ("en-gb+m4", 20, 155),
    ("en-us+f4", 65, 145),
]
GAP_S = 0.35


@dataclass(frozen=True)
class SpokenLine:
    utterance_id: str
    speaker: str
    start: float
    end: float
    text: str


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def speak(text: str, voice: tuple[str, int, int]) -> np.ndarray:
    from deescalate.audio.decode import load_audio
    from deescalate.settings import Settings

    name, pitch, speed = voice
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "line.wav"
        subprocess.run(
            ["espeak-ng", "-v", name, "-p", str(pitch), "-s", str(speed), "-w", str(wav), text],
            check=True,
            capture_output=True,
            timeout=60,
        )
        return load_audio(wav, Settings())


def synthesize(
    encounter: Encounter,
    *,
    wearer: str | None = None,
    quiet_gain: float = 0.35,
    skip_dispatch: bool = False,
    pack: bool = False,
) -> tuple[np.ndarray, list[SpokenLine]]:
    """The encounter spoken aloud: (16 kHz mono audio, what was said when).

    ``pack`` puts the lines one after another with short pauses instead of at
    their encounter times (long silences make slow tests and benchmarks).
    """
    speakers = [p.id for p in encounter.participants]
    officers = [p.id for p in encounter.participants if p.role is Role.officer]
    wearer = wearer or (officers[0] if officers else speakers[0])
    voice_of = {pid: VOICES[i % len(VOICES)] for i, pid in enumerate(speakers)}
    pieces: list[tuple[float, np.ndarray]] = []
    lines: list[SpokenLine] = []
    cursor = 0.0
    for u in encounter.utterances:
        if skip_dispatch and encounter.role_of(u.speaker) is Role.dispatcher:
            continue
        clip = speak(u.text, voice_of[u.speaker]) * (1.0 if u.speaker == wearer else quiet_gain)
        start = (cursor + 2 * GAP_S if pack else max(u.start, cursor + GAP_S)) if lines else 0.5
        pieces.append((start, clip))
        end = start + clip.size / SAMPLE_RATE
        lines.append(SpokenLine(u.id, u.speaker, round(start, 3), round(end, 3), u.text))
        cursor = end
    total = int((cursor + 1.0) * SAMPLE_RATE)
    audio = np.zeros(total, dtype=np.float32)
    rng = np.random.default_rng(0)
    audio += rng.normal(0, 0.002, total).astype(np.float32)  # a little room noise
    for start, clip in pieces:
        i = int(start * SAMPLE_RATE)
        audio[i : i + clip.size] += clip[: total - i]
    return np.clip(audio, -1, 1), lines


def write_wav(path: Path, audio: np.ndarray) -> None:
    import wave

    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm.tobytes())
