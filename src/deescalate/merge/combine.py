"""Merge camera transcripts: one utterance per thing said, one participant per voice.

1. Every camera's times move onto the reference clock (``align``).
2. Utterances from different cameras that start within ``MERGE_WINDOW_S`` of
   each other and share enough words become one utterance listing every
   ``source``. Its text is the wearer's own camera version when the speaker is
   that camera's wearer (the clearest), else the fullest version.
3. Speaker labels are joined across cameras by the merged utterances they
   share, strongest evidence first, never joining two labels of the same
   camera (diarization already said they differ) nor two cameras' wearers.
4. Roles: a camera's wearer is an officer; a label joined to a wearer is that
   officer; a file that names roles keeps them; radio-style speakers are
   dispatchers; of the remaining voices the one who says most is the subject,
   the others bystanders. A roles file (``--roles``) overrides by name.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

from deescalate.analysis.context import CALL_SIGN
from deescalate.encounter.model import Encounter, Event, Participant, Role, Utterance
from deescalate.merge.align import CameraOffset, estimate_offsets
from deescalate.merge.text import similarity, tokens

MERGE_WINDOW_S = 2.5
MERGE_MIN_SIMILARITY = 0.5
EVENT_WINDOW_S = 3.0
_RADIO_WORDS = re.compile(r"^\s*(?:all )?units?\b|\bcopy\b|\ben route\b|\bgo ahead\b|\bstand by\b", re.I)
_DIARIZATION_LABEL = re.compile(r"^(?:speaker|spk|voice)[ _-]?\d+$", re.I)


def _radio_style(text: str) -> bool:
    return bool(_RADIO_WORDS.search(text) or CALL_SIGN.match(text.lower()))


@dataclass(frozen=True)
class Camera:
    """One camera's transcript and what we know of its wearer."""

    name: str
    encounter: Encounter
    wearer: str | None = None  # participant id of the wearer on this camera
    wearer_name: str | None = None

    @classmethod
    def from_encounter(cls, name: str, encounter: Encounter) -> Camera:
        meta = (encounter.model_extra or {}).get("camera") or {}
        wearer = meta.get("wearer") if isinstance(meta, dict) else None
        wearer_name = meta.get("wearer_name") if isinstance(meta, dict) else None
        officers = [p for p in encounter.participants if p.role is Role.officer]
        if wearer is None and len(officers) == 1:
            wearer = officers[0].id
        if wearer is None:  # the loudest, closest voice says the most on its own camera
            words: Counter[str] = Counter()
            for u in encounter.utterances:
                words[u.speaker] += len(tokens(u.text))
            wearer = words.most_common(1)[0][0] if words else None
        if wearer_name is None and wearer is not None:
            p = next((p for p in encounter.participants if p.id == wearer), None)
            wearer_name = p.name if p and p.name else f"Officer ({name})"
        return cls(name, encounter, wearer, wearer_name)


@dataclass
class _Member:
    camera: str
    utterance: Utterance
    start: float
    end: float | None
    words: list[str]


@dataclass
class _Item:
    members: list[_Member] = field(default_factory=list)

    @property
    def start(self) -> float:
        return min(m.start for m in self.members)


@dataclass(frozen=True)
class MergeResult:
    encounter: Encounter
    offsets: list[CameraOffset]
    speakers_per_camera: dict[str, int]


def merge_cameras(cameras: list[Camera], *, incident_id: str, roles: dict[str, Role] | None = None) -> MergeResult:
    offsets = estimate_offsets([(c.name, c.encounter) for c in cameras])
    # The incident clock starts at the earliest recording, so no time is negative.
    earliest = min(
        (u.start + o.offset for c, o in zip(cameras, offsets, strict=True) for u in c.encounter.utterances[:1]),
        default=0.0,
    )
    if earliest < 0:
        offsets = [replace(o, offset=round(o.offset - earliest, 3)) for o in offsets]
    shift = {o.camera: o.offset for o in offsets}
    items: list[_Item] = []
    for cam in cameras:
        for u in cam.encounter.utterances:
            member = _Member(
                cam.name,
                u,
                round(u.start + shift[cam.name], 3),
                None if u.end is None else round(u.end + shift[cam.name], 3),
                tokens(u.text),
            )
            _place(items, member)
    groups = _join_speakers(cameras, items)
    participants, speaker_of = _participants(cameras, items, groups, roles)
    wearer_of = {c.name: c.wearer for c in cameras}
    utterances = []
    for item in sorted(items, key=lambda it: it.start):
        speaker = speaker_of[(item.members[0].camera, item.members[0].utterance.speaker)]
        best = _best_member(item, speaker, speaker_of, wearer_of)
        extra = {k: v for k, v in (best.utterance.model_extra or {}).items() if k not in {"source"}}
        utterances.append(
            {
                **extra,
                "speaker": speaker,
                "start": best.start,
                "end": best.end,
                "text": best.utterance.text,
                "source": sorted({m.camera for m in item.members}),
                "merged_from": [f"{m.camera}:{m.utterance.id}" for m in item.members],
            }
        )
    utterances = _no_self_overlap(sorted(utterances, key=lambda u: float(u["start"])))  # type: ignore[arg-type]
    encounter = Encounter(
        id=incident_id,
        title=cameras[0].encounter.title,
        call_type=cameras[0].encounter.call_type,
        started_at=cameras[0].encounter.started_at,
        participants=participants,
        utterances=[Utterance(id=f"u{i}", **u) for i, u in enumerate(utterances, 1)],
        events=_events(cameras, shift, speaker_of),
        cameras=[
            {
                "id": o.camera,
                "offset": o.offset,
                "method": o.method,
                "confidence": o.confidence,
                "matches": o.matches,
                "aligned_to": o.via,
                "wearer": speaker_of.get((o.camera, wearer_of[o.camera] or "")),
            }
            for o in offsets
        ],
    )
    per_camera = {c.name: len(c.encounter.participants) for c in cameras}
    return MergeResult(encounter, offsets, per_camera)


def _place(items: list[_Item], member: _Member) -> None:
    best, best_sim = None, MERGE_MIN_SIMILARITY
    for item in reversed(items):
        if member.start - item.start > MERGE_WINDOW_S * 4:
            break
        if abs(item.start - member.start) > MERGE_WINDOW_S or any(m.camera == member.camera for m in item.members):
            continue
        sim = max(similarity(member.words, m.words) for m in item.members)
        if sim >= best_sim:
            best, best_sim = item, sim
    if best is None:
        items.append(_Item([member]))
    else:
        best.members.append(member)
    items.sort(key=lambda it: it.start)


def _join_speakers(cameras: list[Camera], items: list[_Item]) -> dict[tuple[str, str], tuple[str, str]]:
    """Union-find over (camera, speaker label); returns each label's group root."""
    parent: dict[tuple[str, str], tuple[str, str]] = {}
    members: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for cam in cameras:
        for p in cam.encounter.participants:
            key = (cam.name, p.id)
            parent[key] = key
            members[key] = {key}
    wearers = {(c.name, c.wearer) for c in cameras if c.wearer}

    def find(k: tuple[str, str]) -> tuple[str, str]:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    edges: Counter[tuple[tuple[str, str], tuple[str, str]]] = Counter()
    for item in items:
        keys = sorted({(m.camera, m.utterance.speaker) for m in item.members})
        for i, a in enumerate(keys):
            for b in keys[i + 1 :]:
                edges[(a, b)] += 1
    for (a, b), _count in edges.most_common():
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        merged = members[ra] | members[rb]
        cams = [cam for cam, _ in merged]
        if len(cams) != len(set(cams)) or len(merged & wearers) > 1:
            continue
        parent[rb] = ra
        members[ra] = merged
    return {k: find(k) for k in parent}


def _participants(
    cameras: list[Camera],
    items: list[_Item],
    groups: dict[tuple[str, str], tuple[str, str]],
    roles: dict[str, Role] | None,
) -> tuple[list[Participant], dict[tuple[str, str], str]]:
    by_root: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for key, root in groups.items():
        by_root[root].append(key)
    declared = {(c.name, p.id): p for c in cameras for p in c.encounter.participants}
    wearer_names = {(c.name, c.wearer): c.wearer_name for c in cameras if c.wearer}
    words: Counter[tuple[str, str]] = Counter()
    radio: Counter[tuple[str, str]] = Counter()
    spoken: Counter[tuple[str, str]] = Counter()
    for item in items:
        m = item.members[0]
        root = groups[(m.camera, m.utterance.speaker)]
        words[root] += len(m.words)
        spoken[root] += 1
        radio[root] += _radio_style(m.utterance.text)

    chosen: dict[tuple[str, str], tuple[str | None, Role]] = {}
    for root, keys in by_root.items():
        if not spoken[root]:
            continue
        wearer = next((wearer_names[k] for k in keys if k in wearer_names), None)
        named = [
            declared[k]
            for k in keys
            if declared[k].role is not Role.other
            or (declared[k].name and not _DIARIZATION_LABEL.match(declared[k].name or ""))
        ]
        if wearer:
            chosen[root] = (wearer, Role.officer)
        elif any(p.role is not Role.other for p in named):
            p = next(p for p in named if p.role is not Role.other)
            chosen[root] = (p.name, p.role)
        elif radio[root] * 2 > spoken[root]:
            chosen[root] = (None, Role.dispatcher)
        else:
            chosen[root] = (named[0].name if named and named[0].name else None, Role.other)
    civilians = sorted((r for r, (_, role) in chosen.items() if role is Role.other), key=lambda r: -words[r])
    participants: list[Participant] = []
    speaker_of: dict[tuple[str, str], str] = {}
    counters: Counter[str] = Counter()
    for root, (name, role) in sorted(chosen.items(), key=lambda kv: _role_order(kv[1][1], kv[0], civilians)):
        if role is Role.other:
            role = Role.subject if root == civilians[0] else Role.bystander
        counters[role.value] += 1
        prefix = {"officer": "O", "dispatcher": "D", "subject": "S", "bystander": "B"}.get(role.value, "X")
        pid = f"{prefix}{counters[role.value]}"
        label = name or {"dispatcher": "Dispatch", "subject": "Subject", "bystander": "Bystander"}.get(
            role.value, "Speaker"
        ) + (f" {counters[role.value]}" if role is not Role.dispatcher else "")
        if roles and label.casefold() in roles:
            role = roles[label.casefold()]
        participants.append(Participant(id=pid, role=role, name=label))
        for key in by_root[root]:
            speaker_of[key] = pid
    return participants, speaker_of


def _role_order(role: Role, root: tuple[str, str], civilians: list[tuple[str, str]]) -> tuple[int, int, str, str]:
    order = {Role.officer: 0, Role.dispatcher: 1, Role.other: 2}
    rank = civilians.index(root) if root in civilians else 0
    return order.get(role, 3), rank, root[0], root[1]


def _best_member(
    item: _Item, speaker: str, speaker_of: dict[tuple[str, str], str], wearer_of: dict[str, str | None]
) -> _Member:
    for m in item.members:
        if wearer_of.get(m.camera) and speaker_of.get((m.camera, wearer_of[m.camera] or "")) == speaker:
            return m
    return max(item.members, key=lambda m: (len(m.words) - 5 * m.utterance.text.count("["), -m.start))


def _no_self_overlap(utterances: list[dict[str, object]]) -> list[dict[str, object]]:
    """Trim an end that runs past the same speaker's next start (segment edges differ by camera)."""
    last: dict[str, dict[str, object]] = {}
    for u in utterances:
        prev = last.get(str(u["speaker"]))
        if prev is not None and prev["end"] is not None and float(prev["end"]) > float(u["start"]):  # type: ignore[arg-type]
            prev["end"] = max(float(prev["start"]), float(u["start"]))  # type: ignore[arg-type]
        last[str(u["speaker"])] = u
    return utterances


def _events(cameras: list[Camera], shift: dict[str, float], speaker_of: dict[tuple[str, str], str]) -> list[Event]:
    merged: list[Event] = []
    for cam in cameras:
        for e in cam.encounter.events:
            t = round(e.t + shift[cam.name], 3)
            by = speaker_of.get((cam.name, e.by)) if e.by else None
            if any(m.type == e.type and m.by == by and abs(m.t - t) <= EVENT_WINDOW_S for m in merged):
                continue
            merged.append(e.model_copy(update={"t": max(0.0, t), "by": by}))
    return sorted(merged, key=lambda e: e.t)


def camera_name(path: Path) -> str:
    return path.stem
