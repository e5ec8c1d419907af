"""Analyzer throughput: utterances per second on one core (a script, not a test).

Builds a long encounter by repeating the shared development corpus (or, where
../shared is absent, the bundled examples) end to end, then times the whole
analyzer (findings, measures, verdicts, key moments) over it.

    .venv/bin/python benchmarks/bench_analyzer.py [--utterances 20000] [--repeat 3] [--model none|PATH]

Also times loading the learned layer from its file (cold, in a fresh process). Pin one core with
``taskset -c 0`` for the one-core figure.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from deescalate.analysis.analyzer import Analyzer, analyze
from deescalate.encounter.model import Encounter, Participant, Utterance
from deescalate.encounter.readers import read_encounter
from deescalate.examples import example_paths

SHARED_DEV = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "dev"


def long_encounter(target: int) -> tuple[Encounter, str]:
    sources = sorted(SHARED_DEV.glob("*.json")) if SHARED_DEV.is_dir() else example_paths()
    encounters = [read_encounter(p) for p in sources]
    participants: dict[str, Participant] = {}
    utterances: list[Utterance] = []
    offset = 0.0
    while len(utterances) < target:
        for enc in encounters:
            prefix = f"{enc.id}-{len(utterances)}-"
            for p in enc.participants:
                participants[prefix + p.id] = p.model_copy(update={"id": prefix + p.id})
            for u in enc.utterances:
                utterances.append(
                    u.model_copy(
                        update={
                            "id": f"u{len(utterances) + 1}",
                            "speaker": prefix + u.speaker,
                            "start": u.start + offset,
                            "end": None if u.end is None else u.end + offset,
                        }
                    )
                )
            offset = utterances[-1].stop + 5.0
            if len(utterances) >= target:
                break
    name = "shared dev corpus" if SHARED_DEV.is_dir() else "bundled examples"
    return Encounter(id="bench", participants=list(participants.values()), utterances=utterances), name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--utterances", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--model", default="default", help="default (bundled), a model file, or none")
    args = parser.parse_args()
    encounter, source = long_encounter(args.utterances)
    analyzer = Analyzer(model=None if args.model == "none" else args.model)
    n = len(encounter.utterances)
    analyze(encounter.model_copy(update={"utterances": encounter.utterances[:200]}), analyzer)  # warm caches
    timings = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        result = analyze(encounter, analyzer)
        timings.append(time.perf_counter() - t0)
    best, median = min(timings), statistics.median(timings)
    hour = 900  # a busy one-hour encounter has roughly 900 utterances
    print(f"source: {source}; {n} utterances, {len(result.findings)} findings")
    print(f"whole analyzer, one core: best {n / best:,.0f} utt/s, median {n / median:,.0f} utt/s")
    print(f"a one-hour encounter (~{hour} utterances) takes about {hour / (n / median) * 1000:.0f} ms")
    print(f"learned model: {analyzer.model_version or 'none (rules alone)'}")
    if analyzer.learned is not None:
        print(f"model load from file, fresh process: {cold_load_seconds(args.model):.2f} s")


def cold_load_seconds(model: str) -> float:
    """Seconds to read and index the model file in a new interpreter (imports excluded)."""
    code = (
        "import time; from deescalate.analysis.learned import load_layer; "
        f"t = time.perf_counter(); load_layer({model!r}); print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


if __name__ == "__main__":
    main()
