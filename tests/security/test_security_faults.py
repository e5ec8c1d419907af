"""kill -9 at the worst moments: a real `deescalate serve` during an upload, a review and a recording's job, and
`deescalate import-calls` between and inside its batches. Each process kills itself at a named crash point
(DEESCALATE_CRASH_AT, deescalate.faults), so every run dies at the same place. After a restart nothing that was
committed is lost, nothing half-written remains, no job stays 'running', and doing it again duplicates nothing.
"""

from __future__ import annotations

import csv
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from deescalate.analysis.analyzer import Analyzer, analyze
from deescalate.encounter.readers import read_encounter
from deescalate.store.importers import BATCH_SIZE
from deescalate.web.recordings import MAX_ATTEMPTS
from tests.security.faults import Server, deescalate, rows
from tests.security.fuzz import COUNTS, full_only
from tests.web.conftest import EXAMPLE, PASSWORD

FAULTS = COUNTS.setdefault("faults (kill -9)", Counter())


@pytest.fixture
def store(tmp_path: Path) -> str:
    """A migrated SQLite store with an admin, made by the CLI as an agency would."""
    url = f"sqlite:///{tmp_path}/review.db"
    done = deescalate("user", "add", "ada", "--role", "admin", "--password-stdin", db_url=url, stdin=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    return url


@pytest.fixture
def server(store: str, tmp_path: Path) -> Iterator[Server]:
    srv = Server(store, tmp_path / "serve.log")
    yield srv
    srv.stop()


def _upload(server: Server, token: str) -> object:
    return server.request("POST", "/api/v1/encounters", token, files={"file": (EXAMPLE.name, EXAMPLE.read_bytes())})


def _check_encounters(url: str) -> int:
    """Every stored, analysed encounter has all its findings (as many as analysing it again gives); no finding
    or review is without its parent. Returns how many encounters are stored."""
    expected = len(analyze(read_encounter(EXAMPLE), Analyzer()).findings)
    for (eid,) in rows(url, "select id from encounters where status = 'analysed'"):
        assert rows(url, f"select count(*) from findings where encounter_id = {eid}") == [(expected,)]
    assert rows(url, "select count(*) from findings where encounter_id not in (select id from encounters)") == [(0,)]
    assert rows(url, "select count(*) from reviews where finding_id not in (select id from findings)") == [(0,)]
    return int(rows(url, "select count(*) from encounters")[0][0])


@full_only
def test_security_faults_kill_during_upload_leaves_nothing_half_stored(server: Server, store: str) -> None:
    server.start(crash_at="upload.before_commit")
    token = server.token()
    assert _upload(server, token) is None  # the connection dropped: the server died mid-request
    server.wait_killed()
    FAULTS["kills"] += 1
    assert _check_encounters(store) == 0  # the analysis was done, the transaction never committed

    server.start()
    response = _upload(server, token)  # the same token: the key is the store's, not the process's
    assert response is not None and response.status_code == 201, response
    assert _check_encounters(store) == 1  # uploading again stores it once, whole


@full_only
def test_security_faults_kill_during_review_keeps_status_and_history_together(server: Server, store: str) -> None:
    server.start()
    token = server.token()
    uploaded = _upload(server, token)
    assert uploaded is not None and uploaded.status_code == 201  # type: ignore[attr-defined]
    finding = uploaded.json()["findings"][0]["id"]  # type: ignore[attr-defined]
    server.stop()

    server.start(crash_at="review.before_commit")
    review = {"decision": "confirm", "comment": "seen on the video"}
    assert server.request("POST", f"/api/v1/findings/{finding}/review", token, json=review) is None
    server.wait_killed()
    FAULTS["kills"] += 1
    assert rows(store, f"select status from findings where id = {finding}") == [("pending",)]
    assert rows(store, "select count(*) from reviews") == [(0,)]

    server.start()
    response = server.request("POST", f"/api/v1/findings/{finding}/review", token, json=review)
    assert response is not None and response.status_code == 200, response
    assert rows(store, f"select status from findings where id = {finding}") == [("confirmed",)]
    assert rows(store, "select decision from reviews") == [("confirm",)]
    assert _check_encounters(store) == 1


def test_security_faults_job_killed_each_try_is_failed_not_left_running(server: Server, store: str) -> None:
    """A recording whose job kills the server every time it is claimed: requeued after each restart, failed
    (E126) after MAX_ATTEMPTS tries, never left 'running' with no worker on it."""
    server.start(crash_at="job.claimed")
    token = server.token()
    _upload_recording = server.request("POST", "/api/v1/encounters", token, files={"file": ("cam.ogg", b"OggS" * 64)})
    server.wait_killed()  # the worker claimed it within its poll interval, and the process died
    FAULTS["kills"] += 1
    for attempt in range(2, MAX_ATTEMPTS + 1):
        assert rows(store, "select state, attempts from jobs") == [("running", attempt - 1)]
        server.start(crash_at="job.claimed", wait=False)  # requeued at start, claimed again, killed again
        server.wait_killed()
        FAULTS["kills"] += 1
    server.start()  # the last try ended in a kill too: this start gives up on it
    assert rows(store, "select state, attempts from jobs") == [("failed", MAX_ATTEMPTS)]
    (error,) = rows(store, "select error from jobs")[0]
    assert "[E126]" in error and "cam.ogg" in error
    assert rows(store, "select status from encounters") == [("failed",)]
    assert _upload_recording is None or _upload_recording.status_code == 201


def _calls_csv(path: Path, count: int) -> None:
    """A New Orleans calls-for-service export of COUNT rows, each at its own premise block."""
    start = datetime(2024, 1, 1, 8, 0)
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["NOPD_Item", "Type_", "TypeText", "Priority", "TimeCreate", "BLOCK_ADDRESS", "Location"])
        for i in range(count):
            when = (start + timedelta(minutes=7 * i)).strftime("%m/%d/%Y %I:%M:%S %p")
            out.writerow([f"F{i:06d}-24", "103M", "MENTAL PATIENT", "2A", when, f"{i % 400:03d}XX Canal St", ""])


@pytest.mark.parametrize(
    ("crash_at", "batches_kept"),
    [
        pytest.param("import.before_commit:1", 0, marks=full_only),
        pytest.param("import.committed:1", 1, marks=full_only),
        ("import.before_commit:3", 2),
    ],
)
def test_security_faults_import_killed_between_and_inside_batches(
    tmp_path: Path, crash_at: str, batches_kept: int
) -> None:
    url = f"sqlite:///{tmp_path}/records.db"
    source = tmp_path / "calls.csv"
    total = 2 * BATCH_SIZE + 500  # three batches
    _calls_csv(source, total)

    killed = deescalate("import-calls", source, "--db", url, db_url=url, crash_at=crash_at)
    assert killed.returncode == -9, killed.stderr
    FAULTS["kills"] += 1
    kept = batches_kept * BATCH_SIZE
    assert rows(url, "select count(*) from calls") == [(kept,)]  # every committed batch, and nothing of the next
    orphans = (
        "select count(*) from premises where id not in (select premise_id from calls where premise_id is not null)"
    )
    assert rows(url, orphans) == [(0,)]  # premises go in with their batch's calls, or not at all

    again = deescalate("import-calls", source, "--db", url, db_url=url)
    assert again.returncode == 0, again.stderr
    assert rows(url, "select count(*), count(distinct number) from calls") == [(total, total)]
    assert f"{total - kept:,} of {total:,} rows imported, {kept:,} skipped" in again.stderr
    FAULTS["rows lost"] += total - int(rows(url, "select count(*) from calls")[0][0])
    FAULTS["rows duplicated"] += total - int(rows(url, "select count(distinct number) from calls")[0][0])


@full_only
def test_security_faults_crash_points_are_inert_unless_named(tmp_path: Path) -> None:
    """A crash point named for another place never fires: the same import runs to its end."""
    url = f"sqlite:///{tmp_path}/records.db"
    source = tmp_path / "calls.csv"
    _calls_csv(source, 10)
    done = deescalate("import-calls", source, "--db", url, db_url=url, crash_at="upload.before_commit")
    assert done.returncode == 0, done.stderr
    assert rows(url, "select count(*) from calls") == [(10,)]
    assert rows(url, "select number from calls order by number")[0] == ("F000000-24",)


KILL_LOOPS = int(os.environ.get("DEESCALATE_KILL_LOOPS", "5"))
_STATUS_OF = {None: "pending", "confirm": "confirmed", "dispute": "disputed"}


@full_only
def test_security_faults_timed_kills_during_uploads_and_reviews(server: Server, store: str) -> None:
    """kill -9 at a random moment while uploads and reviews stream in, KILL_LOOPS times, restarting each time:
    every encounter whole, every finding's status the one its last stored review gave."""
    chance = random.Random(14)  # seeded: the same moments on every run
    server.start()
    token = server.token()
    for _ in range(KILL_LOOPS):
        stop = threading.Event()
        traffic = threading.Thread(target=_traffic, args=(server, token, stop), daemon=True)
        traffic.start()
        time.sleep(chance.uniform(0.5, 4.0))
        assert server.process is not None
        server.process.kill()
        server.process.wait(timeout=30)
        FAULTS["kills"] += 1
        stop.set()
        traffic.join(timeout=120)  # bounded: every request has a timeout, and the server is gone
        server.start()
        _check_encounters(store)
        last = "select decision from reviews r where r.finding_id = f.id order by r.id desc limit 1"
        for status, decision in rows(store, f"select f.status, ({last}) from findings f"):
            assert status == _STATUS_OF[decision], (status, decision)
    FAULTS["encounters stored through kills"] += _check_encounters(store)
    FAULTS["reviews stored through kills"] += int(rows(store, "select count(*) from reviews")[0][0])


def _traffic(server: Server, token: str, stop: threading.Event) -> None:
    """Uploads, each followed by reviews of its first findings, until STOP or the server is gone."""
    while not stop.is_set():
        uploaded = _upload(server, token)
        if uploaded is None:
            return
        for n, finding in enumerate(uploaded.json().get("findings", [])[:4]):  # type: ignore[attr-defined]
            review = {"decision": "confirm" if n % 2 else "dispute", "comment": f"take {n}"}
            if server.request("POST", f"/api/v1/findings/{finding['id']}/review", token, json=review) is None:
                return
