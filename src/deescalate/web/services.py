"""What the review application does, independent of HTTP: accounts, uploads, listing, reading and reviewing.

Every function takes the database session and the acting user by keyword; routes only translate
requests into these calls. Who may call what is decided before (web.deps); what a user may *see*
(an officer, only their own encounters) is decided here, because it shapes the queries.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import false, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from deescalate.analysis.findings import Finding
from deescalate.analysis.measures import compute_measures
from deescalate.analysis.result import Measures, Verdict
from deescalate.analysis.verdicts import judge
from deescalate.audio.formats import is_media
from deescalate.encounter.model import Encounter
from deescalate.encounter.readers import read_encounter
from deescalate.encounter.writers import safe_file_name
from deescalate.errors import AuthError, Code, ConflictError, InputError, NotFound, PermissionDenied
from deescalate.faults import crash_point
from deescalate.report.explain import explain
from deescalate.settings import Settings
from deescalate.store import integrity
from deescalate.store.db import within_days
from deescalate.store.encounters import attach_analysis  # moved to the store; web.recordings imports it from here
from deescalate.store.models import (
    EncounterStatus,
    FindingStatus,
    OriginalKind,
    Review,
    StoredEncounter,
    StoredFinding,
    User,
    UserRole,
)
from deescalate.web.security import hash_password, password_matches

DECISIONS = {"confirm": FindingStatus.confirmed, "dispute": FindingStatus.disputed}
# a file name is shown back to the user and kept: long enough for any real name, short enough for one line
MAX_SOURCE_NAME = 255


@dataclass(frozen=True, slots=True)
class Actor:
    """The signed-in user as the services see it (detached from any session)."""

    username: str
    role: UserRole
    unit: str | None
    scopes: frozenset[str] | None = None  # an API token's scopes; None for a page session (all the role holds)


def actor_of(user: User) -> Actor:
    return Actor(username=user.username, role=UserRole(user.role), unit=user.unit)


def _now() -> datetime:
    return datetime.now(UTC)


# --- accounts ---------------------------------------------------------------------------------------------------


def create_user(session: Session, *, username: str, role: UserRole, password: str, unit: str | None = None) -> User:
    name = username.strip()
    if not name or len(name) > 80 or any(c.isspace() for c in name):
        raise InputError(Code.E114, f"user name {username!r} must be 1-80 characters without spaces", where="username")
    if len(password) < 12:  # NIST SP 800-63B's floor is 8; these accounts open records about real people
        raise InputError(Code.E114, "password must be at least 12 characters", where="password")
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise ConflictError(Code.E113, f"user name {name!r} is already taken", where="username")
    user = User(username=name, role=role.value, unit=unit, password_hash=hash_password(password), created_at=_now())
    session.add(user)
    try:
        session.commit()
    except IntegrityError:  # another process took the name between the check and the insert
        session.rollback()
        raise ConflictError(Code.E113, f"user name {name!r} is already taken", where="username") from None
    return user


def authenticate(session: Session, *, username: str, password: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if not password_matches(user.password_hash if user else None, password) or user is None:
        raise AuthError(Code.E110, "user name or password is wrong")
    return user


def find_user(session: Session, *, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


# --- encounters -------------------------------------------------------------------------------------------------


def store_upload(
    session: Session, *, actor: Actor, filename: str, data: bytes, officer: str | None, settings: Settings
) -> tuple[StoredEncounter, bool]:
    """Keep the uploaded file as it came, with its SHA-256; read it the way the CLI reads a file, analyse it and
    store it with its findings. The same bytes uploaded again are the record already stored: (it, False)."""
    name = safe_file_name(filename or "upload", "upload")[:MAX_SOURCE_NAME]
    existing = integrity.find(session, sha256=integrity.sha256_of(data)) if data else None
    if existing is not None:
        return _already_stored(session, actor=actor, stored=existing), False
    if officer is not None:
        check_officer(session, actor=actor, officer=officer)
    if is_media(Path(name)):  # transcribed and analysed in the background (web.recordings)
        from deescalate.web.recordings import queue_recording

        return queue_recording(session, actor=actor, filename=name, data=data, officer=officer, settings=settings)
    encounter = _read_upload(name, data, settings)
    now = _now()
    stored = StoredEncounter(
        uploaded_by=actor.username, officer=officer, source_name=name, created_at=now, encounter={}, status=""
    )
    integrity.keep(stored, name=name, kind=OriginalKind.transcript.value, data=data, uploaded_by=actor.username, at=now)
    attach_analysis(stored, encounter=encounter)
    return commit_upload(session, actor=actor, stored=stored)


def commit_upload(
    session: Session,
    *,
    actor: Actor,
    stored: StoredEncounter,
    then: Callable[[StoredEncounter], None] | None = None,
) -> tuple[StoredEncounter, bool]:
    """Store a new upload (THEN adds what needs its id); if the same bytes were stored meanwhile (two uploads at
    once), the record stored first."""
    session.add(stored)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        existing = integrity.find(session, sha256=stored.source_sha256 or "")
        if existing is None:
            raise
        return _already_stored(session, actor=actor, stored=existing), False
    if then is not None:
        then(stored)
    crash_point("upload.before_commit")
    session.commit()
    return stored, True


def _already_stored(session: Session, *, actor: Actor, stored: StoredEncounter) -> StoredEncounter:
    try:
        return _encounter_row(session, actor=actor, encounter_id=stored.id)
    except NotFound:
        raise ConflictError(
            Code.E141,
            f"this file is already stored as encounter {stored.id}, which your role may not see; "
            "ask an admin to assign it",
            file=stored.source_name,
        ) from None


def check_officer(session: Session, *, actor: Actor, officer: str) -> None:
    """OFFICER may be named as an encounter's camera wearer: an officer's account, and in a supervisor's unit."""
    user = find_user(session, username=officer)
    if user is None:
        raise InputError(Code.E114, f"officer {officer!r} is not a user of this application", where="officer")
    if user.role != UserRole.officer.value:
        raise InputError(Code.E114, f"{officer!r} is a {user.role}, not an officer", where="officer")
    if actor.role is UserRole.supervisor and user.unit != actor.unit:
        raise PermissionDenied(
            Code.E111, f"officer {officer!r} is not in your unit ({actor.unit or 'none'})", where="officer"
        )


def assign_officer(session: Session, *, actor: Actor, encounter_id: int, officer: str | None) -> dict[str, Any]:
    """Name (or clear) the officer an encounter belongs to: who, as an officer, sees it."""
    row = _encounter_row(session, actor=actor, encounter_id=encounter_id)
    if officer is not None:
        check_officer(session, actor=actor, officer=officer)
    row.officer = officer
    session.commit()
    return _summary(row)


def _read_upload(name: str, data: bytes, settings: Settings) -> Encounter:
    # The readers take a path (format from the suffix, size and encoding checks): a temporary file with the
    # upload's own name keeps their messages about "name", not about a random temporary name.
    with tempfile.TemporaryDirectory(prefix="deescalate-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            return read_encounter(path, settings=settings)
        except InputError as exc:
            raise InputError(exc.code, exc.detail, file=name, where=exc.where) from None


def _visible(actor: Actor) -> Any:
    """The encounters ACTOR may see: an officer their own; a supervisor those of their unit's officers and their
    own uploads not yet assigned; admins and auditors all; anyone else (trainers: training data) none."""
    query = select(StoredEncounter)
    if actor.role is UserRole.officer:
        return query.where(StoredEncounter.officer == actor.username)
    if actor.role is UserRole.supervisor:
        unit = select(User.username).where(User.role == UserRole.officer.value, User.unit == actor.unit)
        own = StoredEncounter.officer.is_(None) & (StoredEncounter.uploaded_by == actor.username)
        return query.where(or_(StoredEncounter.officer.in_(unit), own) if actor.unit else own)
    if actor.role in (UserRole.admin, UserRole.auditor):
        return query
    return query.where(false())


def list_encounters(
    session: Session,
    *,
    actor: Actor,
    officer: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    verdict: str | None = None,
) -> list[dict[str, Any]]:
    """Encounters the actor may see, newest first; dates are upload days (UTC), both ends included;
    verdict keeps those where the machine gave that status to at least one checklist item."""
    query = _visible(actor).options(selectinload(StoredEncounter.findings)).order_by(StoredEncounter.id.desc())
    if officer:
        query = query.where(StoredEncounter.officer == officer)
    query = query.where(*within_days(StoredEncounter.created_at, date_from, date_to))
    rows = session.scalars(query).all()
    summaries = [_summary(row) for row in rows]
    if verdict:
        summaries = [s for s in summaries if verdict in s["machine_statuses"].values()]
    return summaries


def _summary(row: StoredEncounter) -> dict[str, Any]:
    counts = {status.value: 0 for status in FindingStatus}
    for f in row.findings:
        counts[f.status] += 1
    return {
        "id": row.id,
        "encounter_id": row.encounter.get("id"),
        "title": row.encounter.get("title"),
        "call_type": row.encounter.get("call_type"),
        "officer": row.officer,
        "uploaded_by": row.uploaded_by,
        "source_name": row.source_name,
        "created_at": _aware(row.created_at).isoformat(),
        "status": row.status,
        "source_sha256": row.source_sha256,
        "findings": counts,
        "machine_statuses": {v["item"]: v["status"] for v in row.machine_verdicts or []},
        "progress": _progress(row),
    }


def _progress(row: StoredEncounter) -> dict[str, Any] | None:
    """A recording's job as the list and the API show it; None for an uploaded transcript."""
    from deescalate.web.recordings import job_view

    return job_view(row.job) if row.job is not None else None


def get_encounter(
    session: Session, *, actor: Actor, encounter_id: int, verify_original: bool = False
) -> dict[str, Any]:
    """The encounter, its findings with their review state, and the checklist as reviewed beside the machine's;
    with VERIFY_ORIGINAL, the uploaded file hashed again (``original.state``: verified, changed, purged, not kept)."""
    row = _encounter_row(session, actor=actor, encounter_id=encounter_id)
    original = integrity.check(session, row).to_dict() if verify_original else None
    if row.status != EncounterStatus.analysed.value:  # a recording not transcribed yet, or failed: no transcript
        return {**_summary(row), "original": original, "encounter": row.encounter, "findings": [], "checklist": []}
    findings = [_finding_of(f.record) for f in row.findings]
    reviewed, _ = reviewed_checklist(row)
    machine = {v["item"]: v for v in row.machine_verdicts or []}
    checklist = [
        {
            "item": v.item,
            "title": v.title,
            "status": v.status.value,
            "summary": v.summary,
            "machine_status": machine.get(v.item, {}).get("status"),
            "machine_summary": machine.get(v.item, {}).get("summary"),
        }
        for v in reviewed
    ]
    return {
        **_summary(row),
        "original": original,
        "encounter": row.encounter,
        "findings": [_finding_view(stored, finding) for stored, finding in zip(row.findings, findings, strict=True)],
        "checklist": checklist,
    }


def reviewed_checklist(row: StoredEncounter) -> tuple[tuple[Verdict, ...], Measures]:
    """The checklist and measures a person's review supports: only confirmed findings count."""
    encounter = Encounter.model_validate(row.encounter)
    confirmed = [_finding_of(f.record) for f in row.findings if f.status == FindingStatus.confirmed.value]
    # Measures come from the transcript and the findings; only confirmed findings feed the reviewed view.
    measures = compute_measures(encounter, confirmed)
    return judge(encounter, confirmed, measures), measures


def _encounter_row(session: Session, *, actor: Actor, encounter_id: int) -> StoredEncounter:
    query = (
        _visible(actor)
        .where(StoredEncounter.id == encounter_id)
        .options(selectinload(StoredEncounter.findings).selectinload(StoredFinding.reviews))
    )
    row = session.scalar(query)
    if row is None:  # one answer for "absent" and "not yours": an officer learns nothing about others' encounters
        raise NotFound(Code.E112, f"encounter {encounter_id} not found", where="id")
    return row


def _finding_of(record: dict[str, Any]) -> Finding:
    data = dict(record)
    data["utterance_ids"] = tuple(data["utterance_ids"])
    data["span"] = tuple(data["span"])
    return Finding(**data)


def _finding_view(stored: StoredFinding, finding: Finding) -> dict[str, Any]:
    last = stored.reviews[-1] if stored.reviews else None
    return {
        **stored.record,
        "id": stored.id,
        "utterance_id": stored.utterance_id,
        "explanation": explain(finding),
        "status": stored.status,
        "reviewer": last.reviewer if last else None,
        "comment": last.comment if last else None,
        "reviewed_at": _aware(last.at).isoformat() if last else None,
        "source_sha256": stored.source_sha256,
    }


def review_finding(session: Session, *, actor: Actor, finding_id: int, decision: str, comment: str) -> dict[str, Any]:
    """Record a decision; a later review of the same finding replaces its status and keeps the earlier one."""
    status = DECISIONS.get(decision)
    if status is None:
        raise InputError(Code.E114, f"decision {decision!r} must be 'confirm' or 'dispute'", where="decision")
    stored = session.get(StoredFinding, finding_id)
    if stored is None:
        raise NotFound(Code.E112, f"finding {finding_id} not found", where="id")
    _encounter_row(session, actor=actor, encounter_id=stored.encounter_id)  # same visibility as the encounter
    stored.status = status.value
    session.add(Review(finding=stored, reviewer=actor.username, decision=decision, comment=comment, at=_now()))
    crash_point("review.before_commit")
    session.commit()
    return {"id": stored.id, "status": stored.status, "reviewer": actor.username, "comment": comment}


def _aware(t: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def encounter_id_of_finding(session: Session, *, actor: Actor, finding_id: int) -> int:
    """The stored encounter a finding belongs to, if the actor may see it."""
    stored = session.get(StoredFinding, finding_id)
    if stored is None:
        raise NotFound(Code.E112, f"finding {finding_id} not found", where="id")
    return _encounter_row(session, actor=actor, encounter_id=stored.encounter_id).id


def officer_names(session: Session, *, actor: Actor) -> list[str]:
    """User names with the officer role ACTOR may name as a camera wearer (a supervisor: their unit's)."""
    query = select(User.username).where(User.role == UserRole.officer.value).order_by(User.username)
    if actor.role is UserRole.supervisor:
        query = query.where(User.unit == actor.unit)
    return list(session.scalars(query))
