"""Real-time factor of `analyze MEDIA` end to end against faster-whisper alone (a script, not a test).

Both runs use the same loaded model and the same file; the figure is the
ratio: how much the pipeline (decoding, speaker separation, delivery measures,
analysis, report) adds beyond transcription. Target: under 10 % overhead.

    .venv/bin/python benchmarks/bench_audio.py [MEDIA_FILE]

Without a file, a dialogue is synthesized from the bundled parking-lot example
with espeak-ng.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from deescalate.analysis.analyzer import Analyzer, analyze
from deescalate.audio.decode import SAMPLE_RATE, load_audio
from deescalate.audio.pipeline import media_to_encounter
from deescalate.audio.transcribe import DECODINGS, Transcriber
from deescalate.report import render
from deescalate.settings import Settings


def synthesized(folder: Path) -> Path:
    from deescalate.audio.synth import synthesize, write_wav
    from deescalate.encounter.readers import read_encounter
    from deescalate.examples import example_paths

    encounter = read_encounter(next(p for p in example_paths() if "parking" in p.name))
    audio, _ = synthesize(encounter, skip_dispatch=True, pack=True)
    path = folder / "parking-lot.wav"
    write_wav(path, audio)
    return path


def best_of(n: int, fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    for decoding in DECODINGS:
        measure(decoding)


def measure(decoding: str) -> None:
    settings = Settings()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(sys.argv[1]) if len(sys.argv) > 1 else synthesized(Path(tmp))
        duration = load_audio(path, settings).size / SAMPLE_RATE
        transcriber = Transcriber(decoding=decoding)
        analyzer = Analyzer()
        model = transcriber.model

        def whisper_alone() -> None:
            segments, _ = model.transcribe(str(path), vad_filter=True, **DECODINGS[decoding])
            list(segments)

        def pipeline() -> None:
            result = media_to_encounter(path, settings=settings, transcriber=transcriber)
            render(analyze(result.encounter, analyzer), "html")

        pipeline()  # warm up both
        alone = best_of(3, whisper_alone)
        full = best_of(3, pipeline)
    print(f"== decoding {decoding!r}: file {path.name}, {duration:.1f} s of audio")
    print(f"faster-whisper alone: {alone:.2f} s (real-time factor {alone / duration:.3f})")
    print(f"analyze MEDIA end to end: {full:.2f} s (real-time factor {full / duration:.3f})")
    print(f"ratio {full / alone:.3f}: the pipeline adds {100 * (full / alone - 1):.1f} % beyond transcription")


if __name__ == "__main__":
    main()
