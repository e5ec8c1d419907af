"""Both engines, end to end: the same backlog (transcripts, a corrupt file, an incident of two cameras, a recording)
stores the same results on a process pool and on Ray, the results the web upload would store; a real batch killed
with SIGKILL mid-way and run again loses and repeats nothing.

One local Ray (two CPUs) serves the whole module; the killed batches join it with --address.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deescalate.batch.runner import BatchOptions, Summary, run_batch
from deescalate.batch.sources import plan_sources
from deescalate.encounter.readers import read_encounter
from deescalate.settings import Settings
from deescalate.store.db import open_store
from deescalate.store.encounters import AnalysedEncounter
from deescalate.store.models import BatchState
from tests.batch.conftest import CORRUPT, SRC, counts, mixed_backlog, results_by_key, text_backlog

ENGINES = ["local", "ray"]
KILL_AFTER = 8
BACKLOG = 40
ORPHAN_WAIT_S = 15.0  # a worker left by a killed batch notices within a second or two; this bounds the wait


@pytest.fixture(scope="module")
def ray_address() -> Iterator[str]:
    try:
        import ray
    except ImportError:
        pytest.skip("ray is not installed (pip install 'deescalate[ray]'; make test installs it)")
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        runtime_env={"env_vars": {"PYTHONPATH": SRC}},
        logging_level=logging.ERROR,
        log_to_driver=False,
    )
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


def _engine(request: pytest.FixtureRequest, engine: str) -> str | None:
    """Ray's address for the ray engine (started once for the module), None for local."""
    return request.getfixturevalue("ray_address") if engine == "ray" else None


def batch(url: str, sources: list[Path], engine: str) -> Summary:
    factory = open_store(url)
    try:
        plan = plan_sources(sources, settings=Settings())
        return run_batch(
            plan=plan, sessions=factory, settings=Settings(), options=BatchOptions(engine=engine, workers=2)
        )
    finally:
        factory.kw["bind"].dispose()


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mixed_backlog(tmp_path_factory.mktemp("mixed"))


@pytest.fixture(scope="module")
def runs(request: pytest.FixtureRequest, mixed: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """ENGINE -> (store URL, first run, second run) of the mixed backlog; each engine runs it once per module."""
    done: dict[str, tuple[str, Summary, Summary]] = {}

    def run(engine: str) -> tuple[str, Summary, Summary]:
        if engine not in done:
            _engine(request, engine)
            url = f"sqlite:///{tmp_path_factory.mktemp(engine)}/store.db"
            done[engine] = (url, batch(url, [mixed], engine), batch(url, [mixed], engine))
        return done[engine]

    return run


@pytest.fixture(params=ENGINES)
def mixed_run(request: pytest.FixtureRequest, runs: Any) -> Any:
    return (request.param, *runs(request.param))


def test_batch_engines_store_what_the_web_upload_stores(mixed_run: Any, mixed: Path) -> None:
    engine, url, first, _ = mixed_run
    found = results_by_key(url)
    plan = plan_sources([mixed], settings=Settings())
    assert first.stored == len(plan.items) - 1 and len(first.failed) == 1
    by_file = {Path(item.members[0].path).name: item for item in plan.items}
    for name, item in by_file.items():
        got = found[item.key]
        if name == CORRUPT:
            assert got["state"] == BatchState.failed.value and got["encounter"] is None
            assert got["error"].startswith(f"{mixed.parent / CORRUPT}:line") and got["error"].endswith("[E020]")
        elif item.kind == "transcript":  # the oracle: what an upload of the same file stores
            expected = AnalysedEncounter.of(read_encounter(Path(item.members[0].path)))
            assert got["encounter"] == expected.encounter and got["verdicts"] == expected.machine_verdicts
            assert got["findings"] == [(f, "pending") for f in expected.findings]
    incident = next(i for i in plan.items if i.kind == "incident")
    merged = found[incident.key]["encounter"]
    assert merged["id"] == "INC-7" and found[incident.key]["officer"] == "Officer Kowalski"
    assert {"Officer Kowalski", "Officer Lee"} <= {p.get("name") for p in merged["participants"]}
    recording = next(i for i in plan.items if i.kind == "recording")
    transcribed = found[recording.key]["encounter"]
    assert transcribed["media"]["file"].endswith(".ogg") and len(transcribed["utterances"]) > 5
    assert transcribed["started_at"] == "2024-05-01T10:00:00+00:00"
    assert first.audio_seconds == pytest.approx(transcribed["media"]["duration_s"], abs=0.01)


def test_batch_engines_second_run_stores_nothing_twice(mixed_run: Any) -> None:
    engine, url, first, second = mixed_run
    assert (second.stored, second.already_done, second.failed) == (0, first.stored, [])
    assert len(second.failed_before) == 1 and not second.clean
    rows, encounters, orphans = counts(url)
    assert (rows, encounters, orphans) == (first.stored + 1, first.stored, 0)


def test_batch_engines_local_and_ray_store_the_same(runs: Any) -> None:
    local, ray = (results_by_key(runs(engine)[0]) for engine in ENGINES)
    assert local == ray


@pytest.fixture(scope="module")
def backlog(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """BACKLOG transcripts and what an uninterrupted batch stores for them."""
    folder = tmp_path_factory.mktemp("backlog")
    text_backlog(folder, BACKLOG, start=40)
    url = f"sqlite:///{tmp_path_factory.mktemp('uninterrupted')}/store.db"
    assert batch(url, [folder], "local").stored == BACKLOG
    return folder, results_by_key(url)


def cli(*args: str | Path, url: str, kill_after: int = 0) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DEESCALATE_")}
    environ.update({"PYTHONPATH": SRC, "DEESCALATE_DATABASE_URL": url})
    if kill_after:
        environ["DEESCALATE_BATCH_TEST_KILL_AFTER"] = str(kill_after)
    child = subprocess.Popen(
        [sys.executable, "-m", "deescalate", "batch", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environ,
        start_new_session=True,  # its own process group: what it leaves behind can be found
    )
    stdout, stderr = child.communicate(timeout=180)
    deadline = time.monotonic() + ORPHAN_WAIT_S
    while _group_alive(child.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = _group_alive(child.pid)
    if left:
        os.killpg(child.pid, signal.SIGKILL)
    assert not left, "worker processes outlived their batch"
    return subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("engine", ENGINES)
def test_batch_killed_mid_way_resumes_without_losses_or_duplicates(
    request: pytest.FixtureRequest, engine: str, backlog: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    address = _engine(request, engine)
    folder, uninterrupted = backlog
    url = f"sqlite:///{tmp_path}/store.db"
    args: list[str | Path] = [
        folder,
        "--engine",
        engine,
        "--workers",
        "2",
        *(["--address", address] if address else []),
    ]

    killed = cli(*args, url=url, kill_after=KILL_AFTER)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    at_kill = results_by_key(url)
    done = [k for k, v in at_kill.items() if v["state"] == BatchState.done.value]
    in_flight = [k for k, v in at_kill.items() if v["state"] == BatchState.running.value]
    assert KILL_AFTER <= len(done) < BACKLOG and in_flight  # killed mid-way, with work in flight

    resumed = cli(*args, url=url)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(done)} stored before" in resumed.stderr and f"stored {BACKLOG - len(done)}," in resumed.stderr
    assert results_by_key(url) == uninterrupted  # nothing lost, nothing changed
    assert counts(url) == (BACKLOG, BACKLOG, 0)  # nothing stored twice
