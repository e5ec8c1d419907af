"""Live-alert latency (a script, not a test): a synthesized dialogue played at real speed.

Latency is wall-clock time from the end of the utterance in the stream to the
printed alert: the end-of-speech pause, transcription and analysis. Target:
p95 under 1.5 s with the tiny model on this 2-core CPU.

    .venv/bin/python benchmarks/bench_live.py
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from deescalate.analysis.analyzer import Analyzer
from deescalate.audio.live import LiveSession, file_blocks, percentile
from deescalate.audio.synth import synthesize, write_wav
from deescalate.audio.transcribe import Transcriber
from deescalate.encounter.readers import read_encounter
from deescalate.examples import example_paths
from deescalate.settings import Settings


def main() -> None:
    encounter = read_encounter(next(p for p in example_paths() if "parking" in p.name))
    audio, lines = synthesize(encounter, skip_dispatch=True, pack=True)
    session = LiveSession(Transcriber(), Analyzer(), on_alert=lambda a: print(a.line()))
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "live.wav"
        write_wav(wav, audio)
        print(f"playing {len(audio) / 16000:.0f} s at real speed ({len(lines)} lines)…")
        for block in file_blocks(wav, Settings(), real_time=True):
            session.feed(block)
        session.close()
    print(f"{len(session.utterances)} utterances heard, {len(session.alerts)} alerts")
    for name, values in (("alerts", [a.latency_s for a in session.alerts]), ("every utterance", session.latencies)):
        if values:
            print(
                f"latency, {name} (n={len(values)}): median {statistics.median(values):.2f} s, "
                f"p95 {percentile(values, 0.95):.2f} s, max {max(values):.2f} s"
            )


if __name__ == "__main__":
    main()
