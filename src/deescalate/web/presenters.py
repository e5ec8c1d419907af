"""What the pages show, shaped from what the services return: the transcript cut into highlighted
pieces, each finding with its label's name and colour, the checklist with its review counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from deescalate.analysis.labels import label_info, registry
from deescalate.analysis.verdicts import clock

STATUS_TEXT = {"pending": "Awaiting review", "confirmed": "Confirmed", "disputed": "Disputed"}


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of an utterance's text, inside at most one finding's highlight."""

    text: str
    finding: dict[str, Any] | None = None


def finding_view(finding: dict[str, Any]) -> dict[str, Any]:
    """A finding with what its label registry entry says about how to show it."""
    info = registry().get(finding["label"])
    return {
        **finding,
        "display": info.display if info else finding["label"],
        "colour": info.colour if info else "#777777",
        "polarity": info.polarity if info else "neutral",
        "status_text": STATUS_TEXT.get(finding["status"], finding["status"]),
    }


def highlight(text: str, findings: list[dict[str, Any]]) -> list[Piece]:
    """The text cut at every finding's span; where spans overlap, the one that starts later (the narrower,
    more specific one) colours the overlap, so every finding keeps some highlighted text of its own."""
    spans = []
    for finding in findings:
        start, end = _span_in(text, finding)
        if start < end:
            spans.append((start, end, finding))
    cuts = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    pieces: list[Piece] = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        covering = [f for s, e, f in spans if s <= start and end <= e]
        owner = max(covering, key=lambda f: (_span_in(text, f)[0], -f["id"])) if covering else None
        if pieces and pieces[-1].finding is owner:  # one piece per run, not per cut
            pieces[-1] = Piece(pieces[-1].text + text[start:end], owner)
        else:
            pieces.append(Piece(text[start:end], owner))
    return [p for p in pieces if p.text]


def _span_in(text: str, finding: dict[str, Any]) -> tuple[int, int]:
    """The finding's span when it still points at its quote; else wherever the quote first occurs; else nothing."""
    start, end = finding.get("span") or (0, 0)
    quote = finding.get("quote") or ""
    if 0 <= start < end <= len(text) and text[start:end] == quote:
        return start, end
    at = text.find(quote) if quote else -1
    return (at, at + len(quote)) if at >= 0 else (0, 0)


def transcript_view(detail: dict[str, Any]) -> list[dict[str, Any]]:
    """Each utterance with its speaker, time, highlighted text and the findings that quote it."""
    encounter = detail["encounter"]
    people = {p["id"]: p for p in encounter.get("participants", [])}
    by_utterance: dict[str, list[dict[str, Any]]] = {}
    for finding in detail["findings"]:
        by_utterance.setdefault(finding["utterance_id"], []).append(finding_view(finding))
    rows = []
    for index, utterance in enumerate(encounter.get("utterances", []), start=1):
        person = people.get(utterance["speaker"], {})
        findings = by_utterance.get(utterance["id"], [])
        rows.append(
            {
                "index": index,
                "id": utterance["id"],
                "speaker": person.get("name") or utterance["speaker"],
                "role": person.get("role", "other"),
                "clock": clock(utterance["start"]),
                "pieces": highlight(utterance["text"], findings),
                "findings": findings,
            }
        )
    return rows


def utterance_of(detail: dict[str, Any], finding_id: int) -> dict[str, Any]:
    return next(u for u in transcript_view(detail) if any(f["id"] == finding_id for f in u["findings"]))


def checklist_view(detail: dict[str, Any]) -> dict[str, Any]:
    """The checklist rows with, per item, how many of its findings are confirmed, disputed and pending."""
    counts: dict[str, Counter[str]] = {}
    for finding in detail["findings"]:
        counts.setdefault(finding["checklist_item"], Counter())[finding["status"]] += 1
    rows = [{**row, "counts": counts.get(row["item"], Counter())} for row in detail["checklist"]]
    totals = Counter(f["status"] for f in detail["findings"])
    return {"rows": rows, "totals": totals}


def legend(detail: dict[str, Any]) -> list[dict[str, str]]:
    """The labels this encounter's findings use, in registry order."""
    used = {f["label"] for f in detail["findings"]}
    return [
        {"name": name, "display": label_info(name).display, "colour": label_info(name).colour}
        for name in registry()
        if name in used
    ]
