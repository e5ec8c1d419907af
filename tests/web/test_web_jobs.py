"""Recordings uploaded to the web application: queued, transcribed and analysed by the background worker,
progress in the jobs table, interrupted jobs resumed on start, corrupt media failed with one line."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from deescalate.audio.synth import espeak_available, synthesize, write_wav
from deescalate.store.models import EncounterStatus, Job, JobState, StoredEncounter
from deescalate.web.recordings import MAX_ATTEMPTS
from tests.audio.test_pipeline import script_encounter
from tests.web.conftest import token_for, upload

Auth = Callable[[str], dict[str, str]]
needs_espeak = pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed (make test installs it)")
# Bounded polling: the synthesized stop is ~25 s of speech, tiny.en on CPU transcribes it in a few seconds.
WAIT_S = 180.0


@pytest.fixture(scope="module")
def stop_wav(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    if not espeak_available():
        pytest.skip("espeak-ng is not installed (make test installs it)")
    audio, _lines = synthesize(script_encounter(), pack=True)
    path = tmp_path_factory.mktemp("jobs") / "stop.wav"
    write_wav(path, audio)
    return path.read_bytes()


def wait_for(client: TestClient, headers: dict[str, str], job_id: int) -> dict[str, Any]:
    """The job once it is done or failed; every answer on the way is a valid progress report."""
    deadline = time.monotonic() + WAIT_S
    seen: list[int] = []
    while True:
        response = client.get(f"/api/v1/jobs/{job_id}", headers=headers)
        assert response.status_code == 200, response.text
        job: dict[str, Any] = response.json()
        assert 0 <= job["percent"] <= 100 and job["stage"]
        seen.append(job["percent"])
        if job["state"] in ("done", "failed"):
            job["seen"] = seen
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job['state']} ({job['stage']}) after {WAIT_S} s"
        time.sleep(0.2)


def _leave_job(app: FastAPI, *, data: bytes, state: JobState, attempts: int, name: str = "stop.wav") -> int:
    """A job row as a server that died mid-way leaves it."""
    now = datetime.now(UTC)
    with app.state.sessions() as session:
        stored = StoredEncounter(
            uploaded_by="sam",
            officer=None,
            encounter={"id": "stop", "participants": [], "utterances": []},
            source_name=name,
            created_at=now,
            status=EncounterStatus.processing.value,
        )
        session.add(stored)
        session.flush()
        job = Job(
            encounter_id=stored.id,
            kind="recording",
            state=state.value,
            stage="transcribing",
            percent=40,
            attempts=attempts,
            media_name=name,
            media=data,
            created_at=now,
            updated_at=now,
        )
        session.add(job)
        session.commit()
        return job.id


@needs_espeak
def test_jobs_recording_is_transcribed_and_analysed_in_the_background(
    client: TestClient, auth: Auth, stop_wav: bytes
) -> None:
    headers = auth("sam")
    body = upload(client, headers, name="stop.wav", data=stop_wav, officer="olly")
    assert body["status"] in ("queued", "processing") and body["findings"] == []  # the worker may have begun
    progress = body["progress"]
    assert isinstance(progress, dict) and progress["state"] in ("queued", "running")
    job = wait_for(client, headers, progress["job"])
    assert job["state"] == "done" and job["percent"] == 100 and job["error"] is None
    assert job["seen"] == sorted(job["seen"])  # progress only goes forward
    detail = client.get(f"/api/v1/encounters/{body['id']}", headers=headers).json()
    assert detail["status"] == "analysed" and detail["officer"] == "olly"
    assert detail["progress"]["state"] == "done"
    assert len(detail["encounter"]["utterances"]) >= 4
    labels = {f["label"] for f in detail["findings"]}
    assert detail["findings"] and all(f["status"] == "pending" for f in detail["findings"])
    assert labels & {"threat_of_force", "command", "medical_check", "capacity_check", "introduction"}, labels
    assert detail["checklist"]
    # the list shows the finished job without polling any more
    page = client.get("/", headers=headers).text
    assert "Transcribed and analysed" in page and 'hx-trigger="every 2s"' not in page


@needs_espeak
def test_jobs_progress_only_goes_forward_while_the_speech_model_loads(app: FastAPI, stop_wav: bytes) -> None:
    """A fresh worker loads the speech model on its first job: that step comes before decoding (0-10), so it
    must not report more than decoding does (a poll once saw 0, 5, then 0 again)."""
    from deescalate.web.recordings import JobWorker

    job_id = _leave_job(app, data=stop_wav, state=JobState.running, attempts=1)  # no other worker claims it
    worker = JobWorker(app.state.sessions, app.state.settings)
    reported: list[tuple[str, int]] = []
    record = worker._set

    def spy(job: int, **values: Any) -> None:
        if "percent" in values:
            reported.append((values["stage"], values["percent"]))
        record(job, **values)

    worker._set = spy  # type: ignore[method-assign]
    worker.run_job(job_id)
    stages = [stage for stage, _ in reported]
    assert "loading the speech model" in stages and "transcribing" in stages
    percents = [p for _, p in reported]
    assert percents == sorted(percents), reported
    with app.state.sessions() as session:
        assert session.get(Job, job_id).state == JobState.done.value


@needs_espeak
def test_jobs_interrupted_job_is_requeued_on_start(app: FastAPI, auth: Auth, stop_wav: bytes) -> None:
    job_id = _leave_job(app, data=stop_wav, state=JobState.running, attempts=1)
    with TestClient(app) as client:  # the server starts again
        job = wait_for(client, auth("sam"), job_id)
    assert job["state"] == "done" and job["attempts"] == 2
    with app.state.sessions() as session:
        stored = session.get(StoredEncounter, session.get(Job, job_id).encounter_id)
        assert stored.status == "analysed" and stored.findings


@pytest.mark.parametrize(
    ("state", "attempts", "expected"),
    [
        (JobState.running, MAX_ATTEMPTS, "failed"),  # it brought the server down each time: not tried again
        (JobState.running, MAX_ATTEMPTS - 1, "failed"),  # tried once more (and the corrupt file fails it)
        (JobState.failed, 1, "failed"),  # finished jobs stay as they are
    ],
)
def test_jobs_restart_requeues_only_running_jobs_under_the_limit(
    app: FastAPI, auth: Auth, state: JobState, attempts: int, expected: str
) -> None:
    job_id = _leave_job(app, data=b"RIFF garbage", state=state, attempts=attempts)
    with TestClient(app) as client:
        job = wait_for(client, auth("sam"), job_id)
    assert job["state"] == expected
    if state is JobState.running and attempts >= MAX_ATTEMPTS:
        assert "[E126]" in job["error"] and job["attempts"] == attempts
    elif state is JobState.running:
        assert "[E070]" in job["error"] and job["attempts"] == attempts + 1
    else:
        assert job["attempts"] == attempts and job["error"] is None


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("broken.wav", b"this is not audio at all"),
        ("truncated.wav", b"RIFF\x24\x00\x00\x00WAVEfmt "),
        ("clip.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64),
    ],
)
def test_jobs_corrupt_recording_fails_with_one_line(client: TestClient, auth: Auth, name: str, data: bytes) -> None:
    headers = auth("sam")
    body = upload(client, headers, name=name, data=data)
    job = wait_for(client, headers, body["progress"]["job"])  # type: ignore[index]
    assert job["state"] == "failed" and job["stage"] == "failed"
    line = job["error"]
    assert "\n" not in line and line.startswith(f"{name}: ") and line.endswith("]") and "[E07" in line
    detail = client.get(f"/api/v1/encounters/{body['id']}", headers=headers).json()
    assert detail["status"] == "failed" and detail["findings"] == [] and detail["checklist"] == []
    page = client.get(f"/encounters/{body['id']}", headers=headers)
    assert page.status_code == 200 and "Failed:" in page.text


def test_jobs_empty_recording_is_refused_at_upload(client: TestClient, auth: Auth) -> None:
    response = client.post("/api/v1/encounters", headers=auth("sam"), files={"file": ("empty.wav", b"")})
    assert response.status_code == 422 and response.json()["error"]["code"] == "E002"


@pytest.mark.parametrize(
    ("viewer", "status"),
    [("sam", 200), ("aud", 200), ("olly", 200), ("oscar", 404)],  # oscar is not the camera wearer
)
def test_jobs_are_seen_by_whoever_sees_the_encounter(client: TestClient, auth: Auth, viewer: str, status: int) -> None:
    body = upload(client, auth("sam"), name="broken.wav", data=b"not audio", officer="olly")
    job_id = body["progress"]["job"]  # type: ignore[index]
    response = client.get(f"/api/v1/jobs/{job_id}", headers=auth(viewer))
    assert response.status_code == status
    if status == 404:
        assert response.json()["error"]["code"] == "E112"


@pytest.mark.parametrize("job_id", ["999", "0"])
def test_jobs_unknown_job_is_not_found(client: TestClient, auth: Auth, job_id: str) -> None:
    response = client.get(f"/api/v1/jobs/{job_id}", headers=auth("ada"))
    assert response.status_code == 404 and response.json()["error"]["code"] == "E112"


def test_jobs_progress_fragment_polls_while_queued_and_reloads_the_review_page_when_done(
    app: FastAPI, auth: Auth
) -> None:
    job_id = _leave_job(app, data=b"not audio", state=JobState.queued, attempts=0)
    with app.state.sessions() as session:
        encounter_id = session.get(Job, job_id).encounter_id
    # no worker: the app is not started (no lifespan), so the job stays queued
    client = TestClient(app)
    headers = {"Authorization": f"Bearer {token_for(client, 'sam')}"}
    fragment = client.get(f"/encounters/{encounter_id}/progress", headers=headers)
    assert fragment.status_code == 200 and 'hx-trigger="every 2s"' in fragment.text and "(40%)" in fragment.text
    listing = client.get("/", headers=headers).text
    assert f'hx-get="/encounters/{encounter_id}/progress?page=list"' in listing
    review = client.get(f"/encounters/{encounter_id}", headers=headers).text
    assert f'hx-get="/encounters/{encounter_id}/progress?page=review"' in review
    with app.state.sessions() as session:
        session.get(StoredEncounter, encounter_id).status = "failed"
        session.get(Job, job_id).state = "failed"
        session.commit()
    done = client.get(f"/encounters/{encounter_id}/progress?page=review", headers=headers)
    assert done.status_code == 204 and done.headers["HX-Refresh"] == "true"
    settled = client.get(f"/encounters/{encounter_id}/progress", headers=headers)
    assert settled.status_code == 200 and "hx-trigger" not in settled.text
