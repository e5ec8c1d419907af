"""Path traversal through file names and ids is refused: an upload's name never leaves the upload folder, ids in
URLs are refused as ids (never 5xx, never a file), and the files the CLI names from inside a transcript stay
inside the --output folder."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from deescalate.encounter.writers import MAX_NAME_BYTES
from tests.cli.test_cli_convert import run
from tests.web.conftest import EXAMPLE

HOSTILE_NAMES = [
    "../../etc/passwd",
    "../../../../../../tmp/escape.json",
    "..",
    ".",
    "",
    "/absolute/path.json",
    "..\\..\\windows.json",
    "a\x00b.json",
    "é" * 300 + ".json",
    "%2e%2e%2fescape.json",
]


@pytest.fixture
def jail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Temporary files go two folders down inside TMP_PATH, so an upload name that climbed out would land in it."""
    inner = tmp_path / "a" / "b"
    inner.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(inner))
    return tmp_path


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_security_paths_upload_names_stay_in_the_upload_folder(
    client: TestClient, auth: Callable[[str], dict[str, str]], jail: Path, name: str
) -> None:
    response = client.post("/api/v1/encounters", headers=auth("sam"), files={"file": (name, EXAMPLE.read_bytes())})
    assert response.status_code in (201, 422), response.text
    if response.status_code == 201:
        stored = response.json()["source_name"]
        assert "/" not in stored and "\\" not in stored and "\x00" not in stored and stored not in (".", "..")
        assert len(stored.encode()) <= MAX_NAME_BYTES
    else:  # a name with no transcript suffix left: refused as an unknown format, in our error shape
        assert response.json()["error"]["code"].startswith("E")
    outside = [p for p in jail.rglob("*") if p.is_file()]
    assert outside == []  # nothing written where the name pointed, nothing left behind


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/encounters/..%2f..%2fetc%2fpasswd",
        "/api/v1/encounters/%2e%2e",
        "/api/v1/encounters/1%00",
        "/api/v1/jobs/..%2f",
        "/encounters/..%2f..%2f/progress",
        "/encounters/%2e%2e%2f%2e%2e",
        "/static/..%2f..%2fpyproject.toml",
        "/static/%2e%2e/%2e%2e/pyproject.toml",
        "/static/../../pyproject.toml",
    ],
)
def test_security_paths_ids_in_urls_are_refused(
    client: TestClient, auth: Callable[[str], dict[str, str]], url: str
) -> None:
    response = client.get(url, headers=auth("ada"))
    assert response.status_code in (404, 422), (response.status_code, response.text[:200])
    assert "[project]" not in response.text  # pyproject.toml's first table: the file was not served


def test_security_paths_cli_reports_named_from_ids_stay_in_the_output_folder(tmp_path: Path) -> None:
    """`analyze` with several files names each report after the encounter id inside it; those ids are hostile."""
    folder = tmp_path / "in"
    folder.mkdir()
    example = json.loads(EXAMPLE.read_text())
    absolute = tmp_path / "abs-escape"
    ids = ["../../escaped", "..", str(absolute), "a\\..\\..\\b"]
    paths = []
    for i, encounter_id in enumerate(ids):
        path = folder / f"cam{i}.json"
        path.write_text(json.dumps({**example, "id": encounter_id}))
        paths.append(path)
    reports = tmp_path / "deep" / "reports"
    reports.mkdir(parents=True)
    done = run("analyze", *paths, "-f", "json", "-o", reports)
    assert done.returncode == 0, done.stderr
    written = sorted(p for p in tmp_path.rglob("*.json") if folder not in p.parents)
    assert written and all(p.parent == reports for p in written), written
    assert not absolute.with_suffix(".json").exists()
