"""Split an annotated encounter into per-officer body-camera views, for testing merge.

Each officer wears a camera. On it:
- the wearer's own lines are clear (exact text), at the camera's own clock;
- other officers' lines are often lost (``drop_other_officer``) and, when
  heard, garbled like speech-to-text from a distance (lower case, no
  punctuation, words dropped);
- civilians and the dispatcher's radio are heard by most cameras, lightly
  garbled; every utterance survives on at least one camera;
- speakers carry diarization labels (SPEAKER_00 ...), not names; the camera's
  metadata names its wearer's label and the officer's name, as body-camera
  systems record whose camera it is;
- each camera starts recording at its own moment, so its clock is offset, and
  segment starts jitter a little.
Every camera utterance keeps ``origin`` (the original utterance id) so a
merge can be scored against the original.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, replace

from deescalate.analysis.analyzer import Analyzer
from deescalate.analysis.findings import Finding
from deescalate.encounter.model import Encounter, Participant, Role, Utterance

_PUNCT = re.compile(r"[^\w\s'\[\]-]")


@dataclass(frozen=True)
class SplitSettings:
    drop_other_officer: float = 0.35
    drop_civilian: float = 0.2
    drop_word: float = 0.15
    max_clock_offset_s: float = 45.0
    jitter_s: float = 0.15
    seed: int = 7


@dataclass(frozen=True)
class CameraView:
    name: str
    encounter: Encounter
    true_start: float  # when this camera started, on the original clock


def _garble(text: str, rng: random.Random, drop_word: float) -> str:
    words = _PUNCT.sub(" ", text.lower()).split()
    kept = [w for w in words if rng.random() >= drop_word]
    if not kept and words:
        kept = words[: max(1, len(words) // 2)]
    if len(kept) > 4 and rng.random() < 0.1:
        kept[rng.randrange(len(kept))] = "[inaudible]"
    return " ".join(kept)


def split_encounter(encounter: Encounter, settings: SplitSettings | None = None) -> list[CameraView]:
    settings = settings or SplitSettings()
    rng = random.Random(f"{settings.seed}:{encounter.id}")
    officers = [p for p in encounter.participants if p.role is Role.officer]
    if len(officers) < 2:
        raise ValueError(f"{encounter.id}: needs two or more officers to make camera views")
    first_time = min((u.start for u in encounter.utterances), default=0.0)
    starts = {o.id: first_time - rng.uniform(0, settings.max_clock_offset_s) for o in officers}
    heard: dict[str, list[Utterance]] = {o.id: [] for o in officers}
    for u in encounter.utterances:
        role = encounter.role_of(u.speaker)
        owner = u.speaker if u.speaker in heard else None
        keep_any = False
        for o in officers:
            if o.id == owner:
                text, keep = u.text, True
            elif role is Role.officer:
                keep = rng.random() >= settings.drop_other_officer
                text = _garble(u.text, rng, settings.drop_word * 2)
            else:
                keep = rng.random() >= settings.drop_civilian
                text = _garble(u.text, rng, settings.drop_word)
            if not keep or not text.strip():
                continue
            keep_any = True
            heard[o.id].append(_on_camera(u, text, starts[o.id], rng, settings.jitter_s))
        if not keep_any:  # nobody's camera caught it: let the nearest (first officer) have it faintly
            o = officers[0]
            heard[o.id].append(_on_camera(u, _garble(u.text, rng, settings.drop_word), starts[o.id], rng, 0))
    views = []
    for o in officers:
        utterances = sorted(heard[o.id], key=lambda x: x.start)
        labels: dict[str, str] = {}
        for x in utterances:
            labels.setdefault(x.speaker, f"SPEAKER_{len(labels):02d}")
        participants = [Participant(id=label, role=Role.other, name=label) for label in labels.values()]
        view = Encounter(
            id=f"{encounter.id}-cam-{o.id}",
            title=encounter.title,
            call_type=encounter.call_type,
            participants=participants,
            utterances=[
                x.model_copy(update={"id": f"c{i}", "speaker": labels[x.speaker]}) for i, x in enumerate(utterances, 1)
            ],
            events=[e.model_copy(update={"t": round(e.t - starts[o.id], 3)}) for e in encounter.events if e.by == o.id],
            camera={"wearer": labels.get(o.id), "wearer_name": o.name or o.id, "true_start": round(starts[o.id], 3)},
        )
        views.append(CameraView(view.id, view, starts[o.id]))
    return views


def _on_camera(u: Utterance, text: str, start: float, rng: random.Random, jitter: float) -> Utterance:
    shift = rng.uniform(-jitter, jitter) if jitter else 0.0
    local = max(0.0, round(u.start - start + shift, 3))
    end = None if u.end is None else max(local, round(u.end - start + shift, 3))
    return Utterance(id=u.id, speaker=u.speaker, start=local, end=end, text=text, origin=u.id)


@dataclass(frozen=True)
class MergeScore:
    encounter_id: str
    cameras: int
    offset_errors: tuple[float, ...]  # seconds, one per non-reference camera
    original_utterances: int
    recovered: int  # original utterances that became exactly one merged utterance, unmixed
    duplicated: int  # original utterances that became more than one merged utterance
    mixed: int  # merged utterances that joined different original utterances


def score_merge(original: Encounter, views: list[CameraView], merged: Encounter, offsets: list[float]) -> MergeScore:
    origin_of = {f"{v.name}:{u.id}": (u.model_extra or {}).get("origin") for v in views for u in v.encounter.utterances}
    count: dict[str, int] = {u.id: 0 for u in original.utterances}
    mixed = 0
    pure: set[str] = set()
    for u in merged.utterances:
        origins = {origin_of.get(k) for k in (u.model_extra or {}).get("merged_from", [])} - {None}
        if len(origins) > 1:
            mixed += 1
        for o in origins:
            count[str(o)] += 1
        if len(origins) == 1:
            pure.add(str(next(iter(origins))))
    ref = views[0].true_start
    errors = tuple(
        round(abs((est - offsets[0]) - (v.true_start - ref)), 3) for v, est in zip(views[1:], offsets[1:], strict=True)
    )
    return MergeScore(
        encounter_id=original.id,
        cameras=len(views),
        offset_errors=errors,
        original_utterances=len(original.utterances),
        recovered=sum(1 for uid, n in count.items() if n == 1 and uid in pure),
        duplicated=sum(1 for n in count.values() if n > 1),
        mixed=mixed,
    )


def to_original_ids(merged: Encounter) -> dict[str, str]:
    """Merged utterance id -> the original utterance id its chosen text came from."""
    return {u.id: str((u.model_extra or {}).get("origin")) for u in merged.utterances}


@dataclass(frozen=True)
class SplitMergeRun:
    score: MergeScore
    views: list[CameraView]
    merged: Encounter
    findings_on_original_ids: list[Finding]  # the merged encounter's findings, pointed back at original ids


def split_and_merge(original: Encounter, analyzer: Analyzer, settings: SplitSettings | None = None) -> SplitMergeRun:
    """Split an encounter into camera views, merge them back, and score the merge."""
    from deescalate.merge.combine import Camera, merge_cameras

    views = split_encounter(original, settings)
    result = merge_cameras([Camera.from_encounter(v.name, v.encounter) for v in views], incident_id=original.id)
    score = score_merge(original, views, result.encounter, [o.offset for o in result.offsets])
    back = to_original_ids(result.encounter)
    mapped = [
        replace(
            f,
            utterance_ids=tuple(back[u] for u in f.utterance_ids),
            conflicts_with=back.get(f.conflicts_with) if f.conflicts_with else None,
        )
        for f in analyzer.findings(result.encounter)
    ]
    return SplitMergeRun(score, views, result.encounter, mapped)
