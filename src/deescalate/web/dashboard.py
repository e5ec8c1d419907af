"""The agency's picture: per checklist item, how often each verdict, over time and by unit, call type and officer,
and how the measures are spread, all from what people confirmed.

Only confirmed findings count (services.reviewed_checklist): a disputed finding is the machine's word a person
rejected, a pending one is nobody's word yet. An encounter counts once at least one of its findings was reviewed;
one whose findings all await review is counted apart, never as "not observed". An encounter's date is its own
``started_at`` when the file gives one, else its upload day (UTC).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from statistics import median
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from deescalate.checklist import DELIVERY, ITEM_IDS, load_checklist
from deescalate.errors import Code, InputError
from deescalate.store.models import FindingStatus, StoredEncounter, User, UserRole
from deescalate.web.services import Actor, _aware, _visible, reviewed_checklist

STATUSES = ("demonstrated", "concerns", "mixed", "not observed")
ITEMS = (*ITEM_IDS, DELIVERY)
PERIODS = ("week", "month")
NO_UNIT = "(no unit)"
NO_CALL_TYPE = "(no call type)"
NO_OFFICER = "(no officer)"


@dataclass(frozen=True, slots=True)
class MeasureSpec:
    key: str
    title: str
    unit: str
    edges: tuple[float, ...]  # bin edges; the last bin is open ("edge and above")
    per_officer: bool  # one value per officer in the encounter, else one per encounter


MEASURES = (
    MeasureSpec("words_per_minute", "Speaking pace", "words per minute", tuple(range(0, 301, 25)), True),
    MeasureSpec(
        "command_word_share", "Share of words spoken in commands", "share", tuple(i / 10 for i in range(11)), True
    ),
    MeasureSpec("seconds_to_first_command", "Time to the first command", "seconds", tuple(range(0, 301, 30)), False),
    MeasureSpec("officers_giving_commands", "Officers giving commands", "officers", (0, 1, 2, 3, 4, 5), False),
    MeasureSpec(
        "longest_unanswered_command_run", "Longest run of unanswered commands", "commands", tuple(range(9)), False
    ),
)


@dataclass(frozen=True, slots=True)
class _Row:
    """One counted encounter: what a breakdown groups by and what the reviewed checklist and measures say."""

    when: date
    unit: str
    call_type: str
    officer: str
    statuses: dict[str, str]
    measures: dict[str, list[float]]


def dashboard(
    session: Session,
    *,
    actor: Actor,
    date_from: date | None = None,
    date_to: date | None = None,
    unit: str | None = None,
    call_type: str | None = None,
    period: str = "month",
) -> dict[str, Any]:
    """The dashboard's figures for the encounters ACTOR may see (an officer: their own) that pass the filters."""
    if period not in PERIODS:
        raise InputError(Code.E120, f"period {period!r} must be 'week' or 'month'", where="period")
    if date_from and date_to and date_from > date_to:
        raise InputError(Code.E120, f"date_from {date_from} is after date_to {date_to}", where="date_from")
    rows, awaiting = _rows(session, actor=actor)
    rows = [
        r
        for r in rows
        if (date_from is None or r.when >= date_from)
        and (date_to is None or r.when <= date_to)
        and (not unit or r.unit == unit)
        and (not call_type or r.call_type == call_type)
    ]
    titles = _titles()
    return {
        "filters": {
            "date_from": date_from.isoformat() if date_from else None,
            "date_to": date_to.isoformat() if date_to else None,
            "unit": unit or None,
            "call_type": call_type or None,
            "period": period,
        },
        "encounters": {"counted": len(rows), "awaiting_review": awaiting},
        "statuses": list(STATUSES),
        "items": [{"item": item, "title": titles[item], "counts": _counts(rows, item)} for item in ITEMS],
        "over_time": _groups(rows, lambda r: _period_of(r.when, period), sort_by_key=True),
        "by_unit": _groups(rows, lambda r: r.unit),
        "by_call_type": _groups(rows, lambda r: r.call_type),
        "by_officer": _groups(rows, lambda r: r.officer),
        "measures": [_distribution(spec, rows) for spec in MEASURES],
    }


def filter_choices(session: Session, *, actor: Actor) -> dict[str, list[str]]:
    """The units and call types the actor's counted encounters have: what the filter form offers."""
    rows, _ = _rows(session, actor=actor)
    return {"units": sorted({r.unit for r in rows}), "call_types": sorted({r.call_type for r in rows})}


def _rows(session: Session, *, actor: Actor) -> tuple[list[_Row], int]:
    query = _visible(actor).options(selectinload(StoredEncounter.findings)).order_by(StoredEncounter.id)
    units = dict(session.execute(select(User.username, User.unit).where(User.role == UserRole.officer.value)).all())
    rows, awaiting = [], 0
    for stored in session.scalars(query):
        if not any(f.status != FindingStatus.pending.value for f in stored.findings):
            awaiting += 1
            continue
        verdicts, measures = reviewed_checklist(stored)
        values: dict[str, list[float]] = {}
        for spec in MEASURES:
            raw: Iterable[Any] = (
                (getattr(o, spec.key) for o in measures.officers) if spec.per_officer else [getattr(measures, spec.key)]
            )
            values[spec.key] = [float(v) for v in raw if v is not None]
        rows.append(
            _Row(
                when=_date_of(stored),
                unit=(units.get(stored.officer) if stored.officer else None) or NO_UNIT,
                call_type=str(stored.encounter.get("call_type") or NO_CALL_TYPE),
                officer=stored.officer or NO_OFFICER,
                statuses={v.item: v.status.value for v in verdicts},
                measures=values,
            )
        )
    return rows, awaiting


def _date_of(stored: StoredEncounter) -> date:
    started = stored.encounter.get("started_at")
    if isinstance(started, str):
        try:
            parsed = datetime.fromisoformat(started.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return (parsed.astimezone(UTC) if parsed.tzinfo else parsed).date()
    return _aware(stored.created_at).astimezone(UTC).date()


def _period_of(day: date, period: str) -> str:
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def _titles() -> dict[str, str]:
    checklist = load_checklist()
    return {**{item: checklist.title(item) for item in ITEM_IDS}, DELIVERY: checklist.title(DELIVERY)}


def _counts(rows: Sequence[_Row], item: str) -> dict[str, int]:
    found = Counter(r.statuses.get(item, "not observed") for r in rows)
    return {status: found[status] for status in STATUSES}


def _groups(rows: Sequence[_Row], key_of: Any, *, sort_by_key: bool = False) -> list[dict[str, Any]]:
    grouped: dict[str, list[_Row]] = defaultdict(list)
    for r in rows:
        grouped[key_of(r)].append(r)
    keys = sorted(grouped) if sort_by_key else sorted(grouped, key=lambda k: (-len(grouped[k]), k))
    out = []
    for key in keys:
        members = grouped[key]
        items = {item: _counts(members, item) for item in ITEMS}
        total = sum(sum(c.values()) for c in items.values())
        out.append(
            {
                "key": key,
                "encounters": len(members),
                "items": items,
                # of all (encounter, item) verdicts in the group: what share shows the practice, what share concerns
                "demonstrated_share": _share(sum(c["demonstrated"] for c in items.values()), total),
                "concerns_share": _share(sum(c["concerns"] + c["mixed"] for c in items.values()), total),
            }
        )
    return out


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _distribution(spec: MeasureSpec, rows: Sequence[_Row]) -> dict[str, Any]:
    values = sorted(v for r in rows for v in r.measures[spec.key])
    bins = []
    for i, low in enumerate(spec.edges):
        high = spec.edges[i + 1] if i + 1 < len(spec.edges) else None
        count = sum(1 for v in values if v >= low and (high is None or v < high))
        if i == 0:  # anything below the first edge (none of these measures can be negative) joins the first bin
            count += sum(1 for v in values if v < low)
        bins.append({"low": low, "high": high, "count": count})
    return {
        "key": spec.key,
        "title": spec.title,
        "unit": spec.unit,
        "per": "officer" if spec.per_officer else "encounter",
        "count": len(values),
        "median": round(median(values), 3) if values else None,
        "min": values[0] if values else None,
        "max": values[-1] if values else None,
        "bins": bins,
    }
