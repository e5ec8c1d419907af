"""Retention: each kind of data is deleted once past its own period, the purge is one audit row with the counts,
the audit chain still verifies, and settings refuse an audit log kept shorter than what it describes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from deescalate.errors import Code, ConfigError
from deescalate.settings import Settings
from deescalate.store import audit, integrity, retention
from deescalate.store.audit import AuditEvent
from deescalate.store.models import (
    EncounterStatus,
    Job,
    Original,
    OriginalKind,
    Review,
    StoredEncounter,
    StoredFinding,
    StoredTrainingSession,
    TrainingTurn,
)

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
SETTINGS = replace(
    Settings(),
    retention_encounters_days=100,
    retention_recordings_days=30,
    retention_training_days=30,
    retention_audit_days=365,
)


def _encounter(
    session: Session, *, age_days: float, kind: OriginalKind, status: EncounterStatus = EncounterStatus.analysed
) -> int:
    at = NOW - timedelta(days=age_days)
    stored = StoredEncounter(
        uploaded_by="sam", officer=None, encounter={"id": "e"}, source_name="e", created_at=at, status=status.value
    )
    data = f"{age_days}{kind}".encode()  # each its own bytes: the same bytes are one original
    integrity.keep(stored, name=f"e{age_days}", kind=kind.value, data=data, uploaded_by="sam", at=at)
    finding = StoredFinding(record={}, label="command", checklist_item="C3", utterance_id="u1", status="confirmed")
    finding.reviews = [Review(reviewer="sam", decision="confirm", comment="", at=at)]
    stored.findings = [finding]
    session.add(stored)
    session.commit()
    return stored.id


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def stored(factory: sessionmaker[Session], engine: Engine) -> dict[str, int]:
    with factory() as session:
        ids = {
            "old transcript": _encounter(session, age_days=101, kind=OriginalKind.transcript),
            "recent transcript": _encounter(session, age_days=99, kind=OriginalKind.transcript),
            "old recording": _encounter(session, age_days=31, kind=OriginalKind.recording),
            "recent recording": _encounter(session, age_days=29, kind=OriginalKind.recording),
            # still waiting for the worker: its recording is what it will be transcribed from
            "queued recording": _encounter(
                session, age_days=60, kind=OriginalKind.recording, status=EncounterStatus.queued
            ),
        }
        for age in (31, 29):  # practice sessions, each with a turn
            at = NOW - timedelta(days=age)
            practice = StoredTrainingSession(trainee="olly", scenario="deaf-driver", title="t", seed=1, created_at=at)
            practice.turns = [TrainingTurn(number=1, line="B: hello", result={}, at=at)]
            session.add(practice)
        session.commit()
    for age in (400, 366, 364):
        audit.append(engine, AuditEvent(action="encounter.view", actor="aud"), at=NOW - timedelta(days=age))
    return ids


def test_retention_dry_run_counts_and_deletes_nothing(factory: sessionmaker[Session], stored: dict[str, int]) -> None:
    with factory() as session:
        plans = {p.kind: p.count for p in retention.plan(session, settings=SETTINGS, now=NOW)}
        assert plans == {"recording originals": 1, "encounters": 1, "training sessions": 1, "audit rows": 2}
        assert _count(session, StoredEncounter) == 5 and audit.verify(session).rows == 3


def test_retention_purge_deletes_each_kind_past_its_period(
    engine: Engine, factory: sessionmaker[Session], stored: dict[str, int]
) -> None:
    with factory() as session:
        planned = {p.kind: p.count for p in retention.plan(session, settings=SETTINGS, now=NOW)}
    done = retention.purge(engine, settings=SETTINGS, actor="cli:ops", remote="cli@host", now=NOW)
    assert {p.kind: p.count for p in done} == planned  # the dry run said what the purge did
    with factory() as session:
        remaining = set(session.scalars(select(StoredEncounter.id)))
        assert remaining == set(stored.values()) - {stored["old transcript"]}
        # findings, reviews and the original went with their encounter
        assert _count(session, StoredFinding) == _count(session, Review) == _count(session, Original) == 4
        assert _count(session, StoredTrainingSession) == _count(session, TrainingTurn) == 1  # the turns went with it
        old = session.get(StoredEncounter, stored["old recording"])
        assert old is not None and old.original is not None and old.original.purged_at is not None
        check = integrity.check(session, old)
        assert (check.state, check.sha256) == ("purged", old.source_sha256)  # the hash outlives the bytes
        for name in ("recent recording", "queued recording"):
            kept = session.get(StoredEncounter, stored[name])
            assert kept is not None and integrity.check(session, kept).state == "verified", name
        result = audit.verify(session)
        newest = audit.search(session, limit=1)[0]
    assert result.rows == 2  # the view younger than a year, and the purge's own row
    assert newest["action"] == "purge" and newest["actor"] == "cli:ops"
    assert newest["detail"]["counts"] == {
        "recording originals": 1,
        "encounters": 1,
        "training sessions": 1,
        "audit rows": 2,
    }


def test_retention_purge_again_finds_nothing_more(
    engine: Engine, factory: sessionmaker[Session], stored: dict[str, int]
) -> None:
    retention.purge(engine, settings=SETTINGS, actor="cli:ops", remote=None, now=NOW)
    again = retention.purge(engine, settings=SETTINGS, actor="cli:ops", remote=None, now=NOW)
    assert {p.count for p in again} == {0}
    with factory() as session:
        assert audit.verify(session).rows == 3  # each purge is recorded, even one that found nothing


def test_retention_old_job_media_from_before_originals_is_purged(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    at = NOW - timedelta(days=40)
    with factory() as session:
        stored = StoredEncounter(uploaded_by="sam", encounter={}, source_name="r.wav", created_at=at, status="analysed")
        session.add(stored)
        session.flush()
        session.add(Job(encounter_id=stored.id, kind="recording", state="done", stage="done", percent=100,
                        attempts=1, media_name="r.wav", media=b"RIFF....", created_at=at, updated_at=at))  # fmt: skip
        session.commit()
    done = {p.kind: p.count for p in retention.purge(engine, settings=SETTINGS, actor="x", remote=None, now=NOW)}
    assert done["recording originals"] == 1
    with factory() as session:
        assert session.scalar(select(Job.media)) == b""


@pytest.mark.parametrize(
    ("field", "days", "refused"),
    [
        ("retention_encounters_days", 366, True),
        ("retention_recordings_days", 366, True),
        ("retention_training_days", 366, True),
        ("retention_encounters_days", 365, False),  # as long as the audit log: allowed
    ],
)
def test_retention_settings_refuse_an_audit_log_shorter_than_the_data(field: str, days: int, refused: bool) -> None:
    if refused:
        with pytest.raises(ConfigError) as caught:
            replace(SETTINGS, **{field: days})
        assert caught.value.code is Code.E142 and field.upper() in str(caught.value)
    else:
        assert getattr(replace(SETTINGS, **{field: days}), field) == days


def test_retention_settings_from_the_environment_are_checked() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"DEESCALATE_RETENTION_AUDIT_DAYS": "30"})
    assert caught.value.code is Code.E142 and "\n" not in str(caught.value)
