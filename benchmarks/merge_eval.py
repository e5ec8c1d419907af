"""Split-and-merge evaluation of `deescalate merge` (a script, not a test).

For every annotated encounter with two or more officers: split it into one
body-camera view per officer (own clock, other officers faint or lost, ASR
noise), merge the views back, and measure clock-offset error, utterances
recovered without duplicates, and conflicting_command precision/recall/F1 on
the merged result against the same figure on the original encounter.

    .venv/bin/python benchmarks/merge_eval.py [CORPUS_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

from deescalate.analysis.analyzer import Analyzer
from deescalate.analysis.scoring import Scoreboard
from deescalate.encounter.model import Role
from deescalate.encounter.readers import read_encounter
from deescalate.merge.simulate import split_and_merge

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "dev"


def main() -> None:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    analyzer = Analyzer()
    original_board, merged_board = Scoreboard(), Scoreboard()
    errors: list[float] = []
    total = recovered = duplicated = mixed = 0
    print(f"{'encounter':10} cams  utt  recovered  dup  mixed  max offset err (s)")
    for path in sorted(corpus.glob("*.json")):
        original = read_encounter(path)
        if sum(p.role is Role.officer for p in original.participants) < 2:
            continue
        run = split_and_merge(original, analyzer)
        score = run.score
        errors += score.offset_errors
        total += score.original_utterances
        recovered += score.recovered
        duplicated += score.duplicated
        mixed += score.mixed
        original_board.add(original, analyzer.findings(original))
        merged_board.add(original, run.findings_on_original_ids)
        print(
            f"{original.id:10} {score.cameras:4} {score.original_utterances:4} {score.recovered:10} "
            f"{score.duplicated:4} {score.mixed:6}  {max(score.offset_errors):.3f}"
        )
    print()
    print(
        f"offsets: {len(errors)} cameras aligned, max error {max(errors):.3f} s, mean {sum(errors) / len(errors):.3f} s"
    )
    print(
        f"utterances: {recovered}/{total} recovered ({recovered / total:.1%}), {duplicated} duplicated, {mixed} mixed"
    )
    for name, board in (("original", original_board), ("merged", merged_board)):
        s = board.scores["conflicting_command"]
        print(
            f"conflicting_command on {name:8}: P={s.precision:.2f} R={s.recall:.2f} F1={s.f1:.3f} (support {s.support})"
        )
    print(f"macro F1 over all labels: original {original_board.macro_f1:.3f}, merged {merged_board.macro_f1:.3f}")


if __name__ == "__main__":
    main()
