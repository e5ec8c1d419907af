"""`deescalate batch` as a user runs it: one-line errors for what stops it, bad manifest rows listed while the good
ones are stored, a summary at the end, and the exit code a scheduler can act on."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from deescalate.cli.main import main
from tests.batch.conftest import TRAIN, counts, text_backlog


def deescalate(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str | Path
) -> tuple[int, str]:
    """(exit code, stderr) of the command, run the way the console script runs it."""
    monkeypatch.setattr(sys, "argv", ["deescalate", *map(str, args)])
    with pytest.raises(SystemExit) as ended:
        main()
    code = ended.value.code
    return (code if isinstance(code, int) else 0), capsys.readouterr().err


@pytest.fixture(autouse=True)
def store(monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> str:
    monkeypatch.setenv("DEESCALATE_DATABASE_URL", sqlite_url)
    return sqlite_url


@pytest.mark.parametrize(
    ("args", "code", "problem"),
    [
        (["--engine", "spark"], "E155", "--engine 'spark' is not an engine"),
        (["--engine", "local", "--address", "ray://head:10001"], "E160", "it needs --engine ray"),
        (["--workers", "0"], "E160", "--workers 0 must be 1 or more"),
        (["--workers", "1", "nowhere"], "E001", "nowhere: batch source not found"),
        (["--workers", "1", "empty"], "E159", "nothing to process"),
    ],
)
def test_cli_batch_refuses_with_one_line(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: list[str],
    code: str,
    problem: str,
) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path)
    folder = text_backlog(tmp_path / "in", 1)[0].parent
    sources = [a for a in args if a in ("nowhere", "empty")] or [folder]
    options = [a for a in args if a not in ("nowhere", "empty")]
    status, stderr = deescalate(monkeypatch, capsys, "batch", *sources, *options)
    assert status == 2 and stderr.count("\n") == 1 and "Traceback" not in stderr
    assert stderr.startswith("error: ") and problem in stderr and stderr.rstrip().endswith(f"[{code}]")


def test_cli_batch_manifest_without_file_column_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text("name,incident_id\nw01-01.json,INC-1\n")
    status, stderr = deescalate(monkeypatch, capsys, "batch", manifest, "--workers", "1")
    assert (status, stderr) == (
        2,
        f"error: {manifest}:row 1: manifest has no 'file' column (columns: name, "
        "incident_id; expected file, incident_id, camera_wearer, start_time) [E153]\n",
    )


def test_cli_batch_bad_rows_are_listed_and_the_good_rows_stored(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, store: str
) -> None:
    text_backlog(tmp_path, 2)
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        f"file,incident_id,camera_wearer,start_time\n{TRAIN[0].name},,,\nlost.json,,,\n{TRAIN[1].name},,,noon\n"
    )
    status, stderr = deescalate(monkeypatch, capsys, "batch", manifest, "--workers", "1")
    lines = stderr.splitlines()
    assert status == 1 and "Traceback" not in stderr
    assert lines[:2] == [
        f"error: {manifest}:row 3: file 'lost.json' not found [E154]",
        f"error: {manifest}:row 4: start_time 'noon' is not a date and time (ISO 8601: 2024-05-01T22:15:00-05:00)"
        " [E154]",
    ]
    assert any(line.startswith("batch: 1 items; stored 1, failed 0;") for line in lines), stderr
    assert counts(store) == (1, 1, 0)
