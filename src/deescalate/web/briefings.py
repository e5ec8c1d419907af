"""Briefings in the review application: a call in (file, pasted text or JSON body), the briefing out, both kept.

The call is read like ``deescalate brief`` reads it (simple call JSON or NENA EIDO) and stored in the records
store like any other message (``store_message``: repeated messages for one incident update one call), so later
briefings at the same address see it in their history. The briefing is made first, from what the store knew
before this call arrived, and kept as it was produced: its history is measured from the call's time, so a
briefing made again later would not read the same.

Its reviewable points are the statements a supervisor can check after the call: each officer-safety caution,
each critical question's answer, the triage and each recommended resource (the last two with the rule that made
them). A point is confirmed or disputed with a comment, like an encounter's finding; the newest review decides.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from deescalate.briefing.brief import Briefing, brief
from deescalate.briefing.call import CallIn
from deescalate.briefing.render import OUTCOME_WORDS
from deescalate.errors import Code, InputError, NotFound
from deescalate.settings import Settings
from deescalate.store.importers import read_call_file, store_message
from deescalate.store.models import BriefingPoint, BriefingReview, FindingStatus, StoredBriefing
from deescalate.web.services import DECISIONS, MAX_SOURCE_NAME, Actor, _aware, _now
from deescalate.zones import agency_zone

PASTED = "pasted call"  # the name a call typed or pasted into the page goes by in messages and the list
REQUEST_BODY = "request body"  # the same for a call sent as the API request's JSON body
RECENT = 50  # briefings the list shows, newest first


def create_briefing(session: Session, *, actor: Actor, name: str, data: bytes, settings: Settings) -> StoredBriefing:
    """Read the call in DATA, brief it against the records store, store the call and the briefing together."""
    name = Path(name).name[:MAX_SOURCE_NAME] or "upload"
    if not data.strip():
        raise InputError(Code.E127, "the call is empty: paste a call or choose a call file", file=name)
    zone = agency_zone(settings)
    call = _read_call(name, data, settings)
    briefing = brief(call, session=session, zone=zone)
    stored = store_message(session, call=call, source=f"{name} (web, {actor.username})", zone=zone)
    row = StoredBriefing(
        call_id=stored.call.id,
        call_number=stored.call.number,
        created_by=actor.username,
        created_at=_now(),
        source_name=name,
        stored={"outcome": stored.outcome, "message": stored.message, "notes_added": stored.notes_added},
        briefing=briefing.to_json_dict(),
        points=_points(briefing),
    )
    session.add(row)
    session.commit()
    return row


def _read_call(name: str, data: bytes, settings: Settings) -> CallIn:
    # read_call_file takes a path (its size, encoding and JSON checks): the upload goes into a temporary file
    # of its own name so that every message names what the user sent, never a temporary path
    with tempfile.TemporaryDirectory(prefix="deescalate-call-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            return read_call_file(path, settings)
        except InputError as exc:
            raise InputError(exc.code, exc.detail, file=name, where=exc.where) from None


def _points(b: Briefing) -> list[BriefingPoint]:
    pending = FindingStatus.pending.value
    points = [BriefingPoint(kind="caution", text=f"{c.label}: {c.text}", status=pending) for c in b.cautions]
    points += [BriefingPoint(kind="answer", text=f"{a.question} — {a.status}", status=pending) for a in b.answers]
    responder = f" → {b.triage.responder}" if b.triage.responder else ""
    triage = f"{OUTCOME_WORDS[b.triage.outcome]}{responder}: {b.triage.reason}"
    points.append(BriefingPoint(kind="triage", text=triage, rule=b.triage.rule, status=pending))
    points += [
        BriefingPoint(kind="resource", text=f"{r.resource}: {r.reason}", rule=r.rule, status=pending)
        for r in b.resources
    ]
    return points


def list_briefings(session: Session) -> list[dict[str, Any]]:
    """The newest briefings, each with its call line, triage and review counts."""
    query = (
        select(StoredBriefing)
        .options(selectinload(StoredBriefing.points))
        .order_by(StoredBriefing.id.desc())
        .limit(RECENT)
    )
    return [_summary(row) for row in session.scalars(query)]


def _summary(row: StoredBriefing) -> dict[str, Any]:
    b = row.briefing
    triage: dict[str, Any] = b["triage"]  # type: ignore[assignment]
    counts = {status.value: 0 for status in FindingStatus}
    counts.update(Counter(p.status for p in row.points))
    return {
        "id": row.id,
        "call_number": row.call_number,
        "call_line": b["call_line"],
        "triage": {"outcome": triage["outcome"], "responder": triage["responder"]},
        "cautions": len(b["cautions"]),  # type: ignore[arg-type]
        "created_by": row.created_by,
        "created_at": _aware(row.created_at).isoformat(),
        "source_name": row.source_name,
        "stored": row.stored,
        "review": counts,
    }


def get_briefing(session: Session, *, briefing_id: int) -> dict[str, Any]:
    """The briefing as produced, its points with their review state, and what storing its call did."""
    row = _briefing_row(session, briefing_id)
    return {**_summary(row), "briefing": row.briefing, "points": [_point_view(p) for p in row.points]}


def _briefing_row(session: Session, briefing_id: int) -> StoredBriefing:
    query = (
        select(StoredBriefing)
        .where(StoredBriefing.id == briefing_id)
        .options(selectinload(StoredBriefing.points).selectinload(BriefingPoint.reviews))
    )
    row = session.scalar(query)
    if row is None:
        raise NotFound(Code.E112, f"briefing {briefing_id} not found", where="id")
    return row


def _point_view(point: BriefingPoint) -> dict[str, Any]:
    last = point.reviews[-1] if point.reviews else None
    return {
        "id": point.id,
        "kind": point.kind,
        "text": point.text,
        "rule": point.rule,
        "status": point.status,
        "reviewer": last.reviewer if last else None,
        "comment": last.comment if last else None,
        "reviewed_at": _aware(last.at).isoformat() if last else None,
    }


def review_point(
    session: Session, *, actor: Actor, briefing_id: int, point_id: int, decision: str, comment: str
) -> dict[str, Any]:
    """Record a decision on one point of one briefing; a later review replaces its status and keeps the earlier."""
    status = DECISIONS.get(decision)
    if status is None:
        raise InputError(Code.E114, f"decision {decision!r} must be 'confirm' or 'dispute'", where="decision")
    point = session.get(BriefingPoint, point_id)
    if point is None or point.briefing_id != briefing_id:
        raise NotFound(Code.E112, f"briefing {briefing_id} has no point {point_id}", where="point_id")
    point.status = status.value
    session.add(BriefingReview(point=point, reviewer=actor.username, decision=decision, comment=comment, at=_now()))
    session.commit()
    return _point_view(point)
