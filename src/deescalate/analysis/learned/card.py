"""The model card: what the learned layer was trained on, how well it does, and where it fails."""

from __future__ import annotations

from typing import Any

from deescalate.analysis.learned.artifact import ModelArtifact
from deescalate.analysis.scoring import Scoreboard

LIMITS = """\
- Trained on encounters written for the purpose by independently briefed writers (synthetic, not real
  body-camera speech), each in one style. Real speech has more noise, more overlap and other slang; expect
  lower figures on it, and measure on your own reviewed encounters (`deescalate model train --extra`).
- One utterance at a time, with the previous turn and a little conversation memory: labels that depend on
  what was said long before (a dismissal of distress stated minutes earlier) lean on the rules.
- English first; Spanish lines only as far as the corpus's code-switching writers used them.
- `conflicting_command` is not learned: it is logic over the commands (body demands x incompatibility table).
- Confidence is calibrated on held-out writers (Platt). A rule's hit on threat of force, insult,
  cannot-comply cue, dismissal and capacity check always stands (the model only adds to it), and the
  cannot-comply threshold weighs recall twice (F2) with a lower precision floor (0.5) for what the model
  finds alone: that label raises more false alarms by design.
- A finding the model makes where no rule fired must be right at least 70% of the time out of fold (the
  registry's `alone_precision`): it has only the model's word for it. Measured for v3, this cost 0.006 macro
  F1 on held-out training writers and gained 0.030 on the development corpus, whose annotators mark fewer
  of the borderline utterances the training writers marked.
- Findings are leads for a person to review against the recording, never conclusions about an officer.
"""


def model_card(artifact: ModelArtifact, *, digest: str, cross_validation: dict[str, Scoreboard] | None = None) -> str:
    meta = artifact.meta
    data: dict[str, Any] = meta["data"]
    lines = [
        f"# Model card: {meta['name']} v{meta['version']}",
        "",
        f"- File SHA-256: `{digest}`",
        f"- Built by deescalate {meta['deescalate']} (`deescalate model train`), seed {meta['options']['seed']}, "
        f"C={meta['options']['C']}, {meta['options']['folds']}-fold cross-validation grouped by writer",
        f"- Features: {meta['features']['vocabulary']:,} (words, word pairs, character 3-5-grams, role, "
        "addressee, every rule's hit, the previous turn, conversation memory); per-label logistic regression",
        "",
        "## Data",
        "",
        f"{data['encounters']} encounters, {data['utterances']:,} utterances, {len(data['writers'])} writers "
        f"({', '.join(data['writers'])}); styles: {', '.join(data['styles'])}.",
        f"Corpus digest `{data['sha256'][:16]}`.",
        "",
        "Thresholds: *rule fired*, where a rule of the label fired (the model confirms or vetoes it; for labels"
        " whose rule hits stand, only a confirmation); *alone*, where none fired (the model finds the label by"
        " itself, under the label's precision floor out of fold).",
        "",
        "| label | positives | threshold (rule fired) | threshold (alone) | P (out of fold) | R (out of fold) |"
        " F1 (out of fold) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label in meta["labels"]:
        fig = meta["per_label"][label]
        lines.append(
            f"| {label} | {fig['positives']} | {fig['threshold']:.3f} | "
            f"{fig.get('alone_threshold', fig['threshold']):.3f} | {fig['oof_precision']:.2f} | "
            f"{fig['oof_recall']:.2f} | {fig['oof_f1']:.2f} |"
        )
    if cross_validation:
        lines += [
            "",
            "## Leave one writer out",
            "",
            "| label | " + " | ".join(f"{v} F1" for v in cross_validation) + " |",
            "|---|" + "---:|" * len(cross_validation),
        ]
        boards = list(cross_validation.values())
        for label in boards[0].scores:
            lines.append(f"| {label} | " + " | ".join(f"{b.scores[label].f1:.2f}" for b in boards) + " |")
        lines.append("| **macro F1** | " + " | ".join(f"**{b.macro_f1:.3f}**" for b in boards) + " |")
    lines += ["", "## Limits", "", LIMITS]
    return "\n".join(lines)
