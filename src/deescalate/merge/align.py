"""Clock offsets between cameras.

Where every file states its absolute start (``started_at``), offsets come from
the clocks. Otherwise the same utterance heard on two cameras votes for the
offset between them: matched pairs (similar words, at least three distinctive
words) each give ``start_on_B - start_on_A``; the densest one-second cluster of
votes wins and its weighted median is the estimate. Confidence is the share of
vote weight inside that cluster.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from deescalate.encounter.model import Encounter
from deescalate.merge.text import content, similarity, tokens

MATCH_MIN_SIMILARITY = 0.6
MATCH_MIN_CONTENT_WORDS = 3
CLUSTER_WIDTH_S = 1.0


@dataclass(frozen=True, slots=True)
class CameraOffset:
    camera: str
    offset: float  # seconds to ADD to this camera's times to put them on the reference clock
    method: str  # "reference", "clock", "speech", "none"
    confidence: float  # 0..1
    matches: int  # matched utterance pairs behind a speech estimate
    via: str | None = None  # the camera this one was aligned against


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def pair_offset(a: Encounter, b: Encounter) -> tuple[float, float, int] | None:
    """Offset to add to B's times to put them on A's clock: (offset, confidence, matches)."""
    index: dict[str, list[int]] = defaultdict(list)
    b_tokens = [tokens(u.text) for u in b.utterances]
    for j, toks in enumerate(b_tokens):
        for word in content(toks):
            index[word].append(j)
    votes: list[tuple[float, float]] = []
    for u in a.utterances:
        a_toks = tokens(u.text)
        words = content(a_toks)
        if len(words) < MATCH_MIN_CONTENT_WORDS:
            continue
        shared: dict[int, int] = defaultdict(int)
        for word in words:
            for j in index.get(word, ()):
                shared[j] += 1
        for j, count in shared.items():
            if count < MATCH_MIN_CONTENT_WORDS:
                continue
            sim = similarity(a_toks, b_tokens[j])
            if sim >= MATCH_MIN_SIMILARITY:
                votes.append((u.start - b.utterances[j].start, sim))
    if not votes:
        return None
    votes.sort()
    best_lo, best_hi, best_weight, lo, weight = 0, 0, 0.0, 0, 0.0
    for hi, (t, w) in enumerate(votes):
        weight += w
        while t - votes[lo][0] > CLUSTER_WIDTH_S:
            weight -= votes[lo][1]
            lo += 1
        if weight > best_weight:
            best_lo, best_weight = lo, weight
            best_hi = hi
    cluster = votes[best_lo : best_hi + 1]
    total = sum(w for _, w in votes)
    return _weighted_median(cluster), best_weight / total, len(cluster)


def _weighted_median(votes: list[tuple[float, float]]) -> float:
    half = sum(w for _, w in votes) / 2
    acc = 0.0
    for t, w in votes:
        acc += w
        if acc >= half:
            return round(t, 3)
    return round(votes[-1][0], 3)


def estimate_offsets(cameras: list[tuple[str, Encounter]]) -> list[CameraOffset]:
    """Offsets of every camera onto the first camera's clock."""
    ref_name, ref = cameras[0]
    starts = {name: _parse_time(enc.started_at) for name, enc in cameras}
    result: dict[str, CameraOffset] = {ref_name: CameraOffset(ref_name, 0.0, "reference", 1.0, 0)}
    ref_start = starts[ref_name]
    if ref_start is not None:
        for name, _ in cameras[1:]:
            own = starts[name]
            if own is not None:
                result[name] = CameraOffset(
                    name, round((own - ref_start).total_seconds(), 3), "clock", 1.0, 0, ref_name
                )
    # Speech alignment for the rest, always against the best-matching camera already placed.
    pending = [(name, enc) for name, enc in cameras if name not in result]
    by_name = dict(cameras)
    while pending:
        best: tuple[float, str, str, tuple[float, float, int]] | None = None
        for name, enc in pending:
            for placed in list(result):
                est = pair_offset(by_name[placed], enc)
                if est is None:
                    continue
                score = est[1] * est[2]
                if best is None or score > best[0]:
                    best = (score, name, placed, est)
        if best is None:
            for name, _ in pending:
                result[name] = CameraOffset(name, 0.0, "none", 0.0, 0)
            break
        _, name, placed, (offset, confidence, matches) = best
        total = round(offset + result[placed].offset, 3)
        result[name] = CameraOffset(name, total, "speech", round(confidence, 3), matches, placed)
        pending = [(n, e) for n, e in pending if n != name]
    return [result[name] for name, _ in cameras]
