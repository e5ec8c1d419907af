"""Small helpers shared by the Markdown and HTML reports."""

from __future__ import annotations

import re

from deescalate.analysis.findings import Finding
from deescalate.analysis.result import Analysis, KeyMoment, Verdict
from deescalate.checklist import DELIVERY, ITEM_IDS, load_checklist
from deescalate.encounter.model import Encounter, Role, Utterance

ITEM_ORDER = (*ITEM_IDS, DELIVERY)
ROLE_ORDER = (Role.officer, Role.subject, Role.bystander, Role.dispatcher, Role.other)
NOT_ASSESSED = "not assessed"  # shown for a checklist item the analysis gave no verdict for

_TIME_PREFIX = re.compile(r"^\s*\d+:\d{2}(?::\d{2})?\s*[—–-]\s*")


def fmt_time(t: float | None) -> str:
    """Seconds as m:ss (minutes may pass 59: 75:03); an em dash for None."""
    if t is None:
        return "—"
    s = int(max(t, 0.0))
    return f"{s // 60}:{s % 60:02d}"


def fmt_seconds(t: float | None) -> str:
    return "—" if t is None else f"{t:.0f} s"


def fmt_share(share: float) -> str:
    return f"{share * 100:.0f}%"


def fmt_rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def speaker_name(encounter: Encounter, pid: str) -> str:
    try:
        return encounter.participant(pid).label
    except KeyError:
        return pid


def officer_count(encounter: Encounter) -> int:
    return sum(1 for p in encounter.participants if p.role == Role.officer)


def checklist_rows(analysis: Analysis) -> list[tuple[str, str, Verdict | None]]:
    """(item, title, verdict) for C1..C7 and delivery, then any other item the analysis has a verdict for."""
    by_item = {v.item: v for v in analysis.verdicts}
    checklist = load_checklist()
    rows: list[tuple[str, str, Verdict | None]] = []
    for item in ITEM_ORDER:
        verdict = by_item.get(item)
        rows.append((item, verdict.title if verdict else checklist.title(item), verdict))
    rows.extend((v.item, v.title, v) for v in analysis.verdicts if v.item not in ITEM_ORDER)
    return rows


def status_text(verdict: Verdict | None) -> str:
    return verdict.status.value if verdict else NOT_ASSESSED


def moment_text(moment: KeyMoment) -> str:
    """The moment's words without a leading "0:42 — " (the report writes the time itself)."""
    return _TIME_PREFIX.sub("", moment.text, count=1)


def findings_by_item(findings: tuple[Finding, ...]) -> list[tuple[str, list[Finding]]]:
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.checklist_item, []).append(f)
    order = {item: i for i, item in enumerate(ITEM_ORDER)}
    return [
        (item, sorted(fs, key=lambda f: f.start))
        for item, fs in sorted(groups.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
    ]


def bar_end(u: Utterance) -> float:
    """End of an utterance's timeline bar: its end, or an estimate from its length at 2.5 words/s."""
    if u.end is not None and u.end > u.start:
        return u.end
    return u.start + max(1.0, len(u.text.split()) / 2.5)


def lane_order(encounter: Encounter) -> list[tuple[str, str, Role]]:
    """(id, name, role) of each lane: officers first, then subject, bystanders, dispatcher, other.

    A speaker missing from the participant list still gets a lane (as "other")."""
    lanes = [(p.id, p.label, p.role) for p in encounter.participants]
    known = {p.id for p in encounter.participants}
    for u in encounter.utterances:
        if u.speaker not in known:
            known.add(u.speaker)
            lanes.append((u.speaker, u.speaker, Role.other))
    return sorted(lanes, key=lambda lane: ROLE_ORDER.index(lane[2]))  # stable: file order within a role
