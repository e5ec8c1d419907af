"""Retention: what is past its kind's retention period is deleted, and the deletion is written to the audit trail.

Each kind of data has its own period in settings (``DEESCALATE_RETENTION_*_DAYS``); the audit log's is the longest
(settings refuse otherwise), so every purge stays on record for as long as anything it describes could be asked
about. A purge is one transaction holding the audit chain's lock: the deletions, the audit rows dropped and the
row that records them commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, select, update
from sqlalchemy.orm import Session

from deescalate.settings import Settings
from deescalate.store import audit
from deescalate.store.audit import AuditEvent
from deescalate.store.models import (
    EncounterStatus,
    Job,
    Original,
    OriginalKind,
    StoredEncounter,
    StoredTrainingSession,
)

# a recording's original is kept while its encounter still waits for the worker, whatever its age
_FINISHED = (EncounterStatus.analysed.value, EncounterStatus.failed.value)


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of data with its own retention period: how to count and how to delete what is older than a cutoff."""

    name: str
    setting: str  # the Settings field holding its period in days
    count: Callable[[Connection | Session, datetime], int]
    purge: Callable[[audit.Chain, datetime, datetime], int]  # (the locked chain, cutoff, now) -> rows affected


def _scalar(bind: Connection | Session, query: Any) -> int:
    return int(bind.scalar(query) or 0)


def _old_encounters(cutoff: datetime) -> Any:
    return StoredEncounter.created_at < cutoff


def _count_encounters(bind: Connection | Session, cutoff: datetime) -> int:
    return _scalar(bind, select(func.count()).select_from(StoredEncounter).where(_old_encounters(cutoff)))


def _purge_encounters(locked: audit.Chain, cutoff: datetime, _now: datetime) -> int:
    """Findings, reviews, jobs and originals go with their encounter (foreign keys ON DELETE CASCADE)."""
    count = _count_encounters(locked.conn, cutoff)
    locked.conn.execute(delete(StoredEncounter).where(_old_encounters(cutoff)))
    return count


def _count_training(bind: Connection | Session, cutoff: datetime) -> int:
    return _scalar(
        bind, select(func.count()).select_from(StoredTrainingSession).where(StoredTrainingSession.created_at < cutoff)
    )


def _purge_training(locked: audit.Chain, cutoff: datetime, _now: datetime) -> int:
    """A practice session goes with its turns (ON DELETE CASCADE)."""
    count = _count_training(locked.conn, cutoff)
    locked.conn.execute(delete(StoredTrainingSession).where(StoredTrainingSession.created_at < cutoff))
    return count


def _old_recordings(cutoff: datetime) -> Any:
    finished = select(StoredEncounter.id).where(StoredEncounter.status.in_(_FINISHED))
    return (
        (Original.kind == OriginalKind.recording.value)
        & (Original.created_at < cutoff)
        & Original.purged_at.is_(None)
        & Original.encounter_id.in_(finished)
    )


def _old_job_media(cutoff: datetime) -> Any:
    """Recordings queued before originals were kept (migration 0007) hold their bytes in the job row."""
    return (Job.created_at < cutoff) & Job.state.in_(("done", "failed")) & (func.length(Job.media) > 0)


def _count_recordings(bind: Connection | Session, cutoff: datetime) -> int:
    return _scalar(bind, select(func.count()).select_from(Original).where(_old_recordings(cutoff))) + _scalar(
        bind, select(func.count()).select_from(Job).where(_old_job_media(cutoff))
    )


def _purge_recordings(locked: audit.Chain, cutoff: datetime, now: datetime) -> int:
    """The recording's bytes go; its record (name, size, SHA-256) and the transcript made from it stay."""
    count = _count_recordings(locked.conn, cutoff)
    locked.conn.execute(update(Job).where(_old_job_media(cutoff)).values(media=b""))
    locked.conn.execute(update(Original).where(_old_recordings(cutoff)).values(data=None, purged_at=now))
    return count


def _purge_audit(locked: audit.Chain, cutoff: datetime, _now: datetime) -> int:
    return locked.drop_before(cutoff)


KINDS = (
    # recordings first: an encounter purged in the same run takes its recording with it, counted once
    Kind("recording originals", "retention_recordings_days", _count_recordings, _purge_recordings),
    Kind("encounters", "retention_encounters_days", _count_encounters, _purge_encounters),
    Kind("training sessions", "retention_training_days", _count_training, _purge_training),
    # last, so the row recording this purge follows every deletion it counts
    Kind("audit rows", "retention_audit_days", audit.count_before, _purge_audit),
)


@dataclass(frozen=True, slots=True)
class Plan:
    """One kind's cutoff and how many rows are past it."""

    kind: str
    days: int
    cutoff: datetime
    count: int


def _cutoffs(settings: Settings, now: datetime) -> list[tuple[Kind, int, datetime]]:
    return [(kind, days, now - timedelta(days=days)) for kind in KINDS for days in [getattr(settings, kind.setting)]]


def plan(session: Session, *, settings: Settings, now: datetime | None = None) -> list[Plan]:
    """What a purge now would delete, kind by kind (``deescalate purge --dry-run``)."""
    cutoffs = _cutoffs(settings, now or datetime.now(UTC))
    return [Plan(kind.name, days, cutoff, kind.count(session, cutoff)) for kind, days, cutoff in cutoffs]


def purge(
    engine: Engine, *, settings: Settings, actor: str, remote: str | None, now: datetime | None = None
) -> list[Plan]:
    """Delete everything past its retention period and append one ``purge`` audit row with the counts."""
    now = now or datetime.now(UTC)
    with audit.chain(engine) as locked:
        done = [
            Plan(kind.name, days, cutoff, kind.purge(locked, cutoff, now))
            for kind, days, cutoff in _cutoffs(settings, now)
        ]
        detail = {
            "counts": {p.kind: p.count for p in done},
            "cutoffs": {p.kind: p.cutoff.isoformat() for p in done},
        }
        locked.append(AuditEvent(action="purge", actor=actor, remote=remote, detail=detail), at=now)
    return done
