"""Tables of the records store.

A call for service happens at a premise (a normalised address) and involves
persons in a role (caller, subject, victim, witness, other). Caution flags sit
on a person or a premise; each says who entered it, when, from which call,
and when it expires or must be reviewed: a briefing shows an expired flag as
expired, never as a fact.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class FlagCategory(StrEnum):
    weapon = "weapon"
    violence_toward_officers = "violence_toward_officers"
    mental_health_crisis = "mental_health_crisis"
    substance_use = "substance_use"
    medical_condition = "medical_condition"
    disability = "disability"  # deaf, autism, ...
    language = "language"
    dog = "dog"
    hazard = "hazard"


class PersonRole(StrEnum):
    caller = "caller"
    subject = "subject"
    victim = "victim"
    witness = "witness"
    other = "other"


class Base(DeclarativeBase):
    pass


class Premise(Base):
    __tablename__ = "premises"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(200), unique=True)  # normalised, see store.addresses
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str | None] = mapped_column(Text)
    # where the address lies on its street: one house number, or a block's range ("025XX ..." is 2500..2599)
    street: Mapped[str | None] = mapped_column(String(200))
    number_low: Mapped[int | None] = mapped_column(Integer)
    number_high: Mapped[int | None] = mapped_column(Integer)
    calls: Mapped[list[Call]] = relationship(back_populates="premise")
    flags: Mapped[list[Flag]] = relationship(back_populates="premise")

    __table_args__ = (Index("ix_premises_street_range", "street", "number_low"),)


class Call(Base):
    __tablename__ = "calls"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    type_code: Mapped[str | None] = mapped_column(String(32))
    type_text: Mapped[str | None] = mapped_column(String(120))
    priority: Mapped[str | None] = mapped_column(String(16))  # as the source wrote it
    priority_level: Mapped[int | None] = mapped_column(Integer)  # 1 most urgent ... 5, see store.layouts
    premise_id: Mapped[int | None] = mapped_column(ForeignKey("premises.id"))
    address: Mapped[str | None] = mapped_column(String(200))  # as reported
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    narrative: Mapped[str | None] = mapped_column(Text)  # caller's remarks, verbatim
    disposition: Mapped[str | None] = mapped_column(String(120))
    units: Mapped[str | None] = mapped_column(String(200))  # comma-separated unit ids
    reporting_officer: Mapped[str | None] = mapped_column(String(120))
    source: Mapped[str | None] = mapped_column(String(200))  # import file or system
    # from EIDO messages (migration 0002): repeated messages for one incident update this row
    incident_id: Mapped[str | None] = mapped_column(String(255))  # unique: uq_calls_incident_id
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # the newest message's time
    notes: Mapped[list[dict[str, str | None]] | None] = mapped_column(JSON)  # {"at", "author", "text"}, in order
    premise: Mapped[Premise | None] = relationship(back_populates="calls")
    people: Mapped[list[CallPerson]] = relationship(back_populates="call", cascade="all, delete-orphan")

    __table_args__ = (
        Index("ix_calls_premise_received", "premise_id", "received_at"),
        Index("uq_calls_incident_id", "incident_id", unique=True),
    )


class Person(Base):
    __tablename__ = "persons"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_name: Mapped[str | None] = mapped_column(String(80))
    last_name: Mapped[str | None] = mapped_column(String(80))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(32))
    calls: Mapped[list[CallPerson]] = relationship(back_populates="person")
    flags: Mapped[list[Flag]] = relationship(back_populates="person")

    __table_args__ = (Index("ix_persons_name_dob", "last_name", "first_name", "date_of_birth"),)

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or f"person {self.id}"


class CallPerson(Base):
    __tablename__ = "call_persons"
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True, default=PersonRole.other.value)
    call: Mapped[Call] = relationship(back_populates="people")
    person: Mapped[Person] = relationship(back_populates="calls")

    __table_args__ = (Index("ix_call_persons_person", "person_id"),)


class Flag(Base):
    __tablename__ = "flags"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(32))  # a FlagCategory value
    text: Mapped[str] = mapped_column(Text)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    premise_id: Mapped[int | None] = mapped_column(ForeignKey("premises.id"), index=True)
    entered_by: Mapped[str] = mapped_column(String(120))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source_call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    person: Mapped[Person | None] = relationship(back_populates="flags")
    premise: Mapped[Premise | None] = relationship(back_populates="flags")
    source_call: Mapped[Call | None] = relationship()

    def status(self, now: datetime) -> str:
        """'active', 'expired', or 'review due' (past its review date, not expired)."""
        if self.expires_at is not None and _aware(self.expires_at) <= now:
            return "expired"
        if self.review_at is not None and _aware(self.review_at) <= now:
            return "review due"
        return "active"


def _aware(t: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    from datetime import UTC

    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


__all__ = ["Base", "Call", "CallPerson", "Flag", "FlagCategory", "Person", "PersonRole", "Premise", "UniqueConstraint"]


# Review platform (migration 0004): accounts, uploaded encounters, their findings and people's reviews of them.


class UserRole(StrEnum):
    admin = "admin"
    supervisor = "supervisor"
    trainer = "trainer"
    officer = "officer"
    auditor = "auditor"


class FindingStatus(StrEnum):
    pending = "pending"
    confirmed = "confirmed"
    disputed = "disputed"


class EncounterStatus(StrEnum):
    analysed = "analysed"
    failed = "failed"
    queued = "queued"  # a recording waiting for the background worker (migration 0005)
    processing = "processing"  # a recording being transcribed and analysed


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # a UserRole value
    unit: Mapped[str | None] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))  # Argon2id, see web.security
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # every page session and API token issued before this time is void (deescalate user revoke-tokens; 0007)
    revoked_before: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StoredEncounter(Base):
    __tablename__ = "encounters"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uploaded_by: Mapped[str] = mapped_column(String(80))  # a username
    officer: Mapped[str | None] = mapped_column(String(80), index=True)  # the camera wearer's username
    encounter: Mapped[dict[str, object]] = mapped_column(JSON)  # encounter/v1 as read from the upload
    source_name: Mapped[str] = mapped_column(String(255))  # the uploaded file's name
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    status: Mapped[str] = mapped_column(String(16))  # an EncounterStatus value
    # the machine's verdicts from all findings, reviewed or not: list filters read it without re-analysing
    machine_verdicts: Mapped[list[dict[str, object]] | None] = mapped_column(JSON)
    findings: Mapped[list[StoredFinding]] = relationship(
        back_populates="encounter", cascade="all, delete-orphan", order_by="StoredFinding.id"
    )
    # a recording's transcription job (None for an uploaded transcript); selectin: the list shows its progress
    job: Mapped[Job | None] = relationship(lazy="selectin", viewonly=True, uselist=False)
    # the SHA-256 of the file this transcript and its findings were derived from (migration 0007)
    source_sha256: Mapped[str | None] = mapped_column(String(64))
    # the uploaded file, kept as it came; None for encounters stored before originals were kept
    original: Mapped[Original | None] = relationship(
        lazy="selectin", uselist=False, back_populates="encounter", cascade="all, delete-orphan"
    )


class StoredFinding(Base):
    __tablename__ = "findings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounters.id", ondelete="CASCADE"), index=True)
    record: Mapped[dict[str, object]] = mapped_column(JSON)  # Finding.to_dict()
    label: Mapped[str] = mapped_column(String(64))
    checklist_item: Mapped[str] = mapped_column(String(16))
    utterance_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=FindingStatus.pending.value)  # a FindingStatus value
    source_sha256: Mapped[str | None] = mapped_column(String(64))  # the original it was found in (0007)
    encounter: Mapped[StoredEncounter] = relationship(back_populates="findings")
    reviews: Mapped[list[Review]] = relationship(
        back_populates="finding", cascade="all, delete-orphan", order_by="Review.id"
    )


class Review(Base):
    """One person's decision on one finding; the newest decides the finding's status, older ones stay as history."""

    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    reviewer: Mapped[str] = mapped_column(String(80))  # a username
    decision: Mapped[str] = mapped_column(String(16))  # "confirm" or "dispute"
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finding: Mapped[StoredFinding] = relationship(back_populates="reviews")


# Background jobs (migration 0005): a recording uploaded to the web application, transcribed and analysed by the
# server's worker. The row holds the upload itself, so a restart resumes a queued or interrupted job.


class JobState(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class Job(Base):
    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounters.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # "recording"
    state: Mapped[str] = mapped_column(String(16), index=True)  # a JobState value
    stage: Mapped[str] = mapped_column(String(32))  # what the worker is doing, in words: "transcribing"
    percent: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)  # one line, with its error code, when failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # starts, counting restarts after an interruption
    media_name: Mapped[str] = mapped_column(String(255))
    media: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # the upload as it came
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# Briefings and practice in the web application (migration 0006). A briefing keeps the document as it was
# produced (history is measured from the call's time, so it would not come out the same later), its reviewable
# points and people's reviews of them; a training session keeps its seed and every turn as played, so a restart
# replays it to where it stood.


class StoredBriefing(Base):
    __tablename__ = "briefings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # the call as stored in the records store; kept when a rebuilt store (demo-data --replace) deletes the call
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"), index=True)
    call_number: Mapped[str] = mapped_column(String(64), index=True)
    created_by: Mapped[str] = mapped_column(String(80))  # a username
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    source_name: Mapped[str] = mapped_column(String(255))  # the uploaded file's name, or "pasted call"
    stored: Mapped[dict[str, object]] = mapped_column(JSON)  # what storing the call did: outcome, message
    briefing: Mapped[dict[str, object]] = mapped_column(JSON)  # Briefing.to_json_dict(), as `deescalate brief`
    points: Mapped[list[BriefingPoint]] = relationship(
        back_populates="briefing", cascade="all, delete-orphan", order_by="BriefingPoint.id"
    )


class BriefingPoint(Base):
    """One reviewable statement of a briefing: a caution, a question's answer, the triage, a resource."""

    __tablename__ = "briefing_points"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    briefing_id: Mapped[int] = mapped_column(ForeignKey("briefings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # caution, answer, triage, resource
    text: Mapped[str] = mapped_column(Text)
    rule: Mapped[str | None] = mapped_column(String(120))  # the triage or resource rule that made it
    status: Mapped[str] = mapped_column(String(16), default=FindingStatus.pending.value)  # a FindingStatus value
    briefing: Mapped[StoredBriefing] = relationship(back_populates="points")
    reviews: Mapped[list[BriefingReview]] = relationship(
        back_populates="point", cascade="all, delete-orphan", order_by="BriefingReview.id"
    )


class BriefingReview(Base):
    __tablename__ = "briefing_reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("briefing_points.id", ondelete="CASCADE"), index=True)
    reviewer: Mapped[str] = mapped_column(String(80))
    decision: Mapped[str] = mapped_column(String(16))  # "confirm" or "dispute"
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    point: Mapped[BriefingPoint] = relationship(back_populates="reviews")


class StoredTrainingSession(Base):
    __tablename__ = "training_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trainee: Mapped[str] = mapped_column(String(80), index=True)  # a username
    scenario: Mapped[str] = mapped_column(String(80))  # a bundled scenario id
    title: Mapped[str] = mapped_column(String(200))
    seed: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ending: Mapped[str | None] = mapped_column(String(32))  # the ending's kind, or "stopped"
    debrief: Mapped[dict[str, object] | None] = mapped_column(JSON)  # Debrief.to_json_dict(), once ended
    plot_svg: Mapped[str | None] = mapped_column(Text)  # the debrief's agitation and rapport picture
    turns: Mapped[list[TrainingTurn]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="TrainingTurn.number"
    )


class TrainingTurn(Base):
    __tablename__ = "training_turns"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ...: the order they were played in
    line: Mapped[str] = mapped_column(Text)  # as TrainingSession.play takes it ("B: ...", "/call ems")
    result: Mapped[dict[str, object]] = mapped_column(JSON)  # what the trainee was shown: reply, moves, state
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    session: Mapped[StoredTrainingSession] = relationship(back_populates="turns")

    # two requests taking the same next turn: the second insert fails instead of forking the session
    __table_args__ = (UniqueConstraint("session_id", "number", name="uq_training_turns_session_number"),)


# Evidence, API tokens and the audit trail (migration 0007).


class OriginalKind(StrEnum):
    transcript = "transcript"
    recording = "recording"


class Original(Base):
    """An uploaded file exactly as it came, with the SHA-256 it had then (store.integrity checks it on read)."""

    __tablename__ = "originals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # one original per encounter and one encounter per original: an upload of the same bytes is the same record
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounters.id", ondelete="CASCADE"), unique=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)  # the same bytes are stored once
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))  # an OriginalKind value
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # None once purged under retention
    uploaded_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    encounter: Mapped[StoredEncounter] = relationship(back_populates="original")


class ApiToken(Base):
    """An issued bearer token: only its hash is kept, with its scopes, expiry and revocation."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the token's random part
    scopes: Mapped[list[str]] = mapped_column(JSON)  # permission names of web.deps.PERMISSIONS
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    user: Mapped[User] = relationship()


class AuditRow(Base):
    """One entry of the append-only audit trail; ``hash`` covers the row and the previous row's hash (store.audit).

    Ids are given by store.audit, one more than the last, so a deleted row leaves a gap that names it.
    """

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str | None] = mapped_column(String(80))  # a username, the name tried at sign-in, or "cli:USER"
    role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))  # "encounter.view", "login.failed", ...
    target: Mapped[str | None] = mapped_column(String(120))  # "encounter:12", "user:olly", ...
    remote: Mapped[str | None] = mapped_column(String(120))  # the client's address, or "cli@HOST"
    status: Mapped[int] = mapped_column(Integer)  # the HTTP status answered (0 for the command line)
    detail: Mapped[dict[str, object]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_log_actor_at", "actor", "at"),
        Index("ix_audit_log_target_at", "target", "at"),
        Index("ix_audit_log_remote_at", "remote", "at"),
    )


class AuditHead(Base):
    """The one row that says where the audit chain starts and ends, and how many rows it holds: deleting the
    newest rows (which no later row links to) shows against it."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # always 1
    count: Mapped[int] = mapped_column(Integer)
    first_id: Mapped[int] = mapped_column(Integer)  # the oldest row kept (rows before it were purged)
    last_id: Mapped[int] = mapped_column(Integer)
    base_hash: Mapped[str] = mapped_column(String(64))  # what the oldest kept row's prev_hash must be
    last_hash: Mapped[str] = mapped_column(String(64))


# Batch work (migration 0008): one row per unit of work of `deescalate batch` (a transcript, a recording, or the
# cameras of one incident), keyed by the content hash of its files, so a rerun skips what is stored and a killed
# batch takes up what was in flight. The row is written when an item is claimed and again, with its encounter, in
# the same transaction that stores the result.


class BatchState(StrEnum):
    running = "running"  # claimed by a batch process (claimed_by); taken over when that process is gone
    done = "done"
    failed = "failed"


class BatchItem(Base):
    __tablename__ = "batch_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the content (see batch.sources)
    kind: Mapped[str] = mapped_column(String(16))  # "transcript", "recording" or "incident"
    source: Mapped[str] = mapped_column(Text)  # the file names as the batch found them, one per line
    incident_id: Mapped[str | None] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(16), index=True)  # a BatchState value
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # claims, counting those a killed batch never finished
    error: Mapped[str | None] = mapped_column(Text)  # one line, with its error code, when failed
    encounter_id: Mapped[int | None] = mapped_column(ForeignKey("encounters.id", ondelete="SET NULL"))
    audio_seconds: Mapped[float | None] = mapped_column(Float)  # recordings: the audio transcribed
    claimed_by: Mapped[str] = mapped_column(String(160))  # "host:pid:run" of the batch that holds or held it
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # renewed while in flight (the lease)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
