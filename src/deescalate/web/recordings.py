"""Recordings uploaded to the web application: kept in the store as jobs, transcribed and analysed in the background.

An upload of an audio or video file answers at once (201, status ``queued``) and leaves a row in ``jobs`` holding
the file itself. One worker thread in the server process (started in the app's lifespan) claims queued jobs one at a
time, runs the audio pipeline that ``deescalate analyze MEDIA`` runs, writes its stage and percent to the row as it
goes, and stores the transcript and findings like an uploaded transcript's. Nothing lives only in memory: a job that
was running when the server stopped (a crash, a restart) is queued again when it starts, up to MAX_ATTEMPTS starts.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from deescalate.errors import Code, DeescalateError, InputError, NotFound
from deescalate.faults import crash_point
from deescalate.settings import Settings
from deescalate.store import integrity
from deescalate.store.models import EncounterStatus, Job, JobState, OriginalKind, StoredEncounter

if TYPE_CHECKING:
    from deescalate.audio.transcribe import Transcriber
    from deescalate.web.services import Actor

log = logging.getLogger(__name__)

KIND = "recording"
# A job that took the server down with it three times is not tried a fourth.
MAX_ATTEMPTS = 3
POLL_S = 0.5  # how often an idle worker looks for queued jobs


def _now() -> datetime:
    return datetime.now(UTC)


def check_duration(filename: str, data: bytes, settings: Settings) -> None:
    """Refuse a recording longer than the limit now, from its container's header, rather than after it queued.
    A file whose header FFmpeg cannot read is left to the worker, which reports what is wrong with it."""
    from deescalate.audio.decode import check_length, header_seconds  # FFmpeg's libraries: only for a recording

    with tempfile.TemporaryDirectory(prefix="deescalate-probe-") as folder:
        path = Path(folder) / filename
        path.write_bytes(data)
        seconds = header_seconds(path)
    check_length(seconds, settings, filename)


def queue_recording(
    session: Session, *, actor: Actor, filename: str, data: bytes, officer: str | None, settings: Settings
) -> tuple[StoredEncounter, bool]:
    """Keep the recording as its encounter's original and queue its job; the encounter shows ``queued`` until the
    worker has been through it."""
    from deescalate.web.services import commit_upload

    if not data:
        raise InputError(Code.E002, "file is empty", file=filename)
    check_duration(filename, data, settings)
    now = _now()
    stored = StoredEncounter(
        uploaded_by=actor.username,
        officer=officer,
        encounter={"id": Path(filename).stem, "participants": [], "utterances": []},
        source_name=filename,
        created_at=now,
        status=EncounterStatus.queued.value,
        machine_verdicts=None,
    )
    integrity.keep(
        stored, name=filename, kind=OriginalKind.recording.value, data=data, uploaded_by=actor.username, at=now
    )

    def add_job(new: StoredEncounter) -> None:
        # the bytes live once, in the original; the worker reads them from there, checked against their hash
        session.add(
            Job(
                encounter_id=new.id,
                kind=KIND,
                state=JobState.queued.value,
                stage="queued",
                percent=0,
                attempts=0,
                media_name=filename,
                media=b"",
                created_at=now,
                updated_at=now,
            )
        )

    stored, created = commit_upload(session, actor=actor, stored=stored, then=add_job)
    session.refresh(stored)  # loads the job relationship for the answer
    return stored, created


def job_view(job: Job) -> dict[str, Any]:
    return {
        "job": job.id,
        "encounter_id": job.encounter_id,
        "kind": job.kind,
        "state": job.state,
        "stage": job.stage,
        "percent": job.percent,
        "error": job.error,
        "attempts": job.attempts,
        "updated_at": (job.updated_at if job.updated_at.tzinfo else job.updated_at.replace(tzinfo=UTC)).isoformat(),
    }


def get_job(session: Session, *, actor: Actor, job_id: int) -> dict[str, Any]:
    """A job, if the actor may see its encounter (one answer for absent and not yours, as for encounters)."""
    from deescalate.web.services import _encounter_row

    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(Code.E112, f"job {job_id} not found", where="id")
    try:
        _encounter_row(session, actor=actor, encounter_id=job.encounter_id)
    except NotFound:
        raise NotFound(Code.E112, f"job {job_id} not found", where="id") from None
    return job_view(job)


def requeue_interrupted(session: Session) -> list[int]:
    """Jobs left ``running`` by a server that stopped: queued again, or failed after MAX_ATTEMPTS starts."""
    requeued = []
    for job in session.scalars(select(Job).where(Job.state == JobState.running.value)).all():
        encounter = session.get(StoredEncounter, job.encounter_id)
        job.updated_at = _now()
        if job.attempts >= MAX_ATTEMPTS:
            job.state, job.stage = JobState.failed.value, "failed"
            job.error = InputError(
                Code.E126, f"the server stopped during each of {job.attempts} tries", file=job.media_name
            ).one_line()
            if encounter is not None:
                encounter.status = EncounterStatus.failed.value
        else:
            job.state, job.stage, job.percent = JobState.queued.value, "queued again after a restart", 0
            if encounter is not None:
                encounter.status = EncounterStatus.queued.value
            requeued.append(job.id)
    session.commit()
    return requeued


def claim_next(session: Session) -> int | None:
    """The oldest queued job, marked running; None when none is queued (or another worker took it first)."""
    job_id = session.scalar(select(Job.id).where(Job.state == JobState.queued.value).order_by(Job.id).limit(1))
    if job_id is None:
        return None
    claimed = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == JobState.queued.value)
        .values(state=JobState.running.value, stage="starting", percent=0, attempts=Job.attempts + 1, updated_at=_now())
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        return None
    session.execute(
        update(StoredEncounter)
        .where(StoredEncounter.id == select(Job.encounter_id).where(Job.id == job_id).scalar_subquery())
        .values(status=EncounterStatus.processing.value)
    )
    session.commit()
    crash_point("job.claimed")
    return job_id


class _Stopping(Exception):
    """The server is shutting down: the job goes back to the queue."""


class JobWorker:
    """One background thread that works through the jobs table."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        *,
        transcriber: Callable[[], Transcriber] | None = None,
        poll_s: float = POLL_S,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.poll_s = poll_s
        self._make_transcriber = transcriber
        self._transcriber: Transcriber | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        with self.sessions() as session:
            requeued = requeue_interrupted(session)
        if requeued:
            log.info("re-queued interrupted jobs %s", requeued)
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="deescalate-jobs", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Ask the worker to stop; a job in flight goes back to the queue at its next progress step."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                with self.sessions() as session:
                    job_id = claim_next(session)
                if job_id is None:
                    self._stop.wait(self.poll_s)
                    continue
                self.run_job(job_id)
            except Exception:  # the store went away for a moment: log it, keep the worker alive
                log.exception("job worker")
                self._stop.wait(self.poll_s)

    def run_job(self, job_id: int) -> None:
        with self.sessions() as session:
            job = session.get(Job, job_id)
            if job is None:
                return
            name = job.media_name
            try:
                data = job.media or self._original(session, job)
            except DeescalateError as exc:
                self._fail(job_id, exc.one_line())
                return
        try:
            encounter = self._transcribe(job_id, name, data)
            self._progress(job_id, "analysing", 95)
            self._finish(job_id, encounter)
        except _Stopping:
            self._set(job_id, state=JobState.queued.value, stage="queued again after a restart", percent=0)
            self._set_encounter(job_id, EncounterStatus.queued)
        except DeescalateError as exc:
            self._fail(job_id, type(exc)(exc.code, exc.detail, file=name, where=exc.where).one_line())
        except Exception as exc:  # a bug or a broken library: the job fails, the worker goes on
            log.exception("job %s failed", job_id)
            self._fail(job_id, InputError(Code.E125, f"{type(exc).__name__}: {exc}", file=name).one_line())

    @staticmethod
    def _original(session: Session, job: Job) -> bytes:
        """The recording as uploaded, only if it still hashes to what was recorded then (a changed file is not
        transcribed: the job fails, naming both hashes)."""
        stored = session.get(StoredEncounter, job.encounter_id)
        if stored is None:
            raise NotFound(Code.E112, f"encounter {job.encounter_id} not found", file=job.media_name)
        return integrity.verified_bytes(session, stored)

    def _transcribe(self, job_id: int, name: str, data: bytes) -> Any:
        from deescalate.audio.pipeline import media_to_encounter  # loads numpy, FFmpeg bindings: only when needed

        with tempfile.TemporaryDirectory(prefix="deescalate-job-") as folder:
            path = Path(folder) / name
            path.write_bytes(data)
            return media_to_encounter(
                path,
                settings=self.settings,
                transcriber=self._speech_model(job_id),
                progress=lambda stage, percent: self._progress(job_id, stage, percent),
            ).encounter

    def _speech_model(self, job_id: int) -> Transcriber:
        if self._transcriber is None:  # loaded once, on the first job, kept for the next ones
            # before the recording is decoded (0-10): at 0, so that progress never goes back
            self._progress(job_id, "loading the speech model", 0)
            if self._make_transcriber is not None:
                self._transcriber = self._make_transcriber()
            else:
                from deescalate.audio.transcribe import Transcriber

                self._transcriber = Transcriber.from_settings(self.settings)
        return self._transcriber

    def _progress(self, job_id: int, stage: str, percent: int) -> None:
        if self._stop.is_set():
            raise _Stopping
        self._set(job_id, stage=stage, percent=percent)

    def _set(self, job_id: int, **values: Any) -> None:
        with self.sessions() as session:
            session.execute(update(Job).where(Job.id == job_id).values(updated_at=_now(), **values))
            session.commit()

    def _set_encounter(self, job_id: int, status: EncounterStatus) -> None:
        with self.sessions() as session:
            job = session.get(Job, job_id)
            if job is not None:
                session.execute(
                    update(StoredEncounter).where(StoredEncounter.id == job.encounter_id).values(status=status.value)
                )
                session.commit()

    def _fail(self, job_id: int, line: str) -> None:
        self._set(job_id, state=JobState.failed.value, stage="failed", error=line.replace("\n", " "))
        self._set_encounter(job_id, EncounterStatus.failed)

    def _finish(self, job_id: int, encounter: Any) -> None:
        from deescalate.web.services import attach_analysis

        with self.sessions() as session:
            job = session.get(Job, job_id)
            stored = session.get(StoredEncounter, job.encounter_id) if job is not None else None
            if job is None or stored is None:  # deleted while it ran
                return
            attach_analysis(stored, encounter=encounter)
            job.state, job.stage, job.percent, job.updated_at = JobState.done.value, "done", 100, _now()
            session.commit()
