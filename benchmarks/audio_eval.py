"""Audio accuracy on synthesized dialogue (a script, not a test).

Each bundled example encounter (and any encounter files given) is spoken by
espeak-ng (one voice per speaker, the wearer loud), transcribed and analyzed
from the audio. Reported: word error rate, speaker attribution (words whose
speaker label maps, by majority, to the true speaker), speakers found, and
recall of the analyzer's transcript findings when it works from the audio.

    .venv/bin/python benchmarks/audio_eval.py [--decoding accurate,fast] [ENCOUNTER.json ...]

Each decoding (see ``audio.transcribe.DECODINGS``) is measured on the same audio.
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from deescalate.analysis.analyzer import Analyzer
from deescalate.audio.pipeline import media_to_encounter
from deescalate.audio.synth import synthesize, write_wav
from deescalate.audio.transcribe import DECODINGS, Transcriber
from deescalate.encounter.readers import read_encounter
from deescalate.examples import example_paths
from deescalate.settings import Settings


def tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def edit_distance(a: list[str], b: list[str]) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def main() -> None:
    args = sys.argv[1:]
    decodings = list(DECODINGS)
    if len(args) >= 2 and args[0] == "--decoding":
        decodings, args = args[1].split(","), args[2:]
    paths = [Path(p) for p in args] or example_paths()
    analyzer = Analyzer()
    for decoding in decodings:
        print(f"== decoding {decoding!r}")
        measure(paths, analyzer, Transcriber(decoding=decoding))


def measure(paths: list[Path], analyzer: Analyzer, transcriber: Transcriber) -> None:
    totals: Counter[str] = Counter()
    print(f"{'encounter':32} {'WER':>5} {'spk acc':>7} {'found/true':>10} {'finding recall':>14}")
    for path in paths:
        original = read_encounter(path)
        audio, lines = synthesize(original, skip_dispatch=True, pack=True)
        kept = {line.utterance_id for line in lines}
        spoken = original.model_copy(update={"utterances": [u for u in original.utterances if u.id in kept]})
        with tempfile.TemporaryDirectory() as tmp:
            wav = Path(tmp) / f"{original.id}.wav"
            write_wav(wav, audio)
            heard = media_to_encounter(wav, settings=Settings(), transcriber=transcriber).encounter
        ref = [w for u in spoken.utterances for w in tokens(u.text)]
        hyp = [w for u in heard.utterances for w in tokens(u.text)]
        errors = edit_distance(ref, hyp)

        def truth_at(t: float, lines: list = lines) -> tuple[str, str] | None:  # type: ignore[type-arg]
            for line in lines:
                if line.start - 0.2 <= t <= line.end + 0.2:
                    return line.speaker, line.utterance_id
            return None

        votes: dict[str, Counter[str]] = defaultdict(Counter)
        word_truth: list[tuple[str, str]] = []
        for u in heard.utterances:
            for w in (u.model_extra or {}).get("words", []):
                t = truth_at((w["start"] + w["end"]) / 2)
                if t:
                    votes[u.speaker][t[0]] += 1
                    word_truth.append((u.speaker, t[0]))
        mapping = {label: c.most_common(1)[0][0] for label, c in votes.items()}
        correct = sum(mapping[label] == true for label, true in word_truth)

        truth = {(f.label, f.utterance_id) for f in analyzer.findings(spoken)}
        found = set()
        for f in analyzer.findings(heard):
            u = next(x for x in heard.utterances if x.id == f.utterance_id)
            for line in lines:
                if min(u.stop, line.end) > max(u.start, line.start):
                    found.add((f.label, line.utterance_id))
        hit = len(truth & found)
        media = (heard.model_extra or {})["media"]
        true_speakers = len({line.speaker for line in lines})
        print(
            f"{original.id:32} {errors / len(ref):5.2f} {correct / max(1, len(word_truth)):7.2f} "
            f"{media['speakers_found']:>5}/{true_speakers:<4} {hit:>6}/{len(truth):<3} = {hit / max(1, len(truth)):.2f}"
        )
        totals.update(err=errors, ref=len(ref), ok=correct, words=len(word_truth), hit=hit, truth=len(truth))
    print(
        f"{'overall':32} {totals['err'] / totals['ref']:5.2f} {totals['ok'] / totals['words']:7.2f} "
        f"{'':10} {totals['hit']:>6}/{totals['truth']:<3} = {totals['hit'] / totals['truth']:.2f}"
    )


if __name__ == "__main__":
    main()
