"""Batch fixtures: backlogs made of the training corpus and the bundled examples, stores on SQLite and (when one
answers) PostgreSQL, and what a batch stored, read back by content key."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import deescalate
from deescalate.batch.ledger import stored_results
from deescalate.examples import audio_paths, camera_paths
from deescalate.store.db import open_store
from deescalate.store.models import BatchItem, StoredEncounter
from tests.store.conftest import db_url, pg_schema, postgres_url  # noqa: F401  (fixtures shared with store tests)

ROOT = Path(__file__).resolve().parents[2]
TRAIN = sorted((ROOT / "corpus" / "train").glob("*/*.json"))
# the package under test, for subprocesses and Ray workers started from another folder
SRC = str(Path(deescalate.__file__).resolve().parents[1])
CORRUPT = "corrupt.srt"


def text_backlog(folder: Path, count: int, *, start: int = 0) -> list[Path]:
    """COUNT distinct encounter files from the training corpus, copied into FOLDER."""
    folder.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy(p, folder / p.name)) for p in TRAIN[start : start + count]]


def mixed_backlog(folder: Path) -> Path:
    """Transcripts, a corrupt file, one recording and an incident of two cameras; returns the CSV manifest."""
    files = text_backlog(folder, 5)
    (folder / CORRUPT).write_text("1\nthis is not a subtitle timing line\nhello\n")
    for p in [*camera_paths(), *audio_paths()]:
        shutil.copy(p, folder / p.name)
    cams = [p.name for p in camera_paths()]
    rows = ["file,incident_id,camera_wearer,start_time"]
    rows += [f"{p.name},,," for p in files]
    rows += [f"{CORRUPT},,,"]
    rows += [f"{cams[0]},INC-7,Officer Kowalski,", f"{cams[1]},INC-7,Officer Lee,"]
    rows += [f"{audio_paths()[0].name},,Officer Kowalski,2024-05-01T10:00:00"]
    manifest = folder / "manifest.csv"
    manifest.write_text("\n".join(rows) + "\n")
    return manifest


def results_by_key(url: str) -> dict[str, dict[str, Any]]:
    """What the store holds for each batch item: its state, error, and the encounter, verdicts and findings the
    review platform reads (ids and times of the store itself left out)."""
    factory = open_store(url)
    try:
        with factory() as session:
            found: dict[str, dict[str, Any]] = {}
            for item, encounter in stored_results(session):
                found[item.key] = {
                    "state": item.state,
                    "kind": item.kind,
                    "error": item.error,
                    "officer": encounter.officer if encounter else None,
                    "encounter": encounter.encounter if encounter else None,
                    "verdicts": encounter.machine_verdicts if encounter else None,
                    "findings": [(f.record, f.status) for f in encounter.findings] if encounter else None,
                }
            return found
    finally:
        factory.kw["bind"].dispose()


def counts(url: str) -> tuple[int, int, int]:
    """(batch rows, stored encounters, encounters no batch row points at)."""
    factory = open_store(url)
    try:
        with factory() as session:
            rows = session.scalar(select(func.count()).select_from(BatchItem)) or 0
            encounters = session.scalar(select(func.count()).select_from(StoredEncounter)) or 0
            pointed = select(BatchItem.encounter_id).where(BatchItem.encounter_id.is_not(None))
            orphans = session.scalar(
                select(func.count()).select_from(StoredEncounter).where(StoredEncounter.id.not_in(pointed))
            )
            return rows, encounters, orphans or 0
    finally:
        factory.kw["bind"].dispose()


def run_cli(*args: str | Path, url: str, env: dict[str, str] | None = None, timeout: float = 120) -> Any:
    """`deescalate ARGS` in a fresh process, in its own process group (so a test can kill what it leaves)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DEESCALATE_")}
    environ.update({"PYTHONPATH": SRC, "DEESCALATE_DATABASE_URL": url, "COLUMNS": "100", **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "deescalate", *map(str, args)],
        capture_output=True,
        text=True,
        env=environ,
        timeout=timeout,
        check=False,
        start_new_session=True,
    )


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/store.db"
