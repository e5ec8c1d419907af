"""`deescalate brief` with the agency's time zone set, and with a zone that does not exist."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.cli.test_cli_convert import SCRIPT, assert_one_line_error


def _run(*args: str | Path, zone: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEESCALATE_")}
    env["DEESCALATE_TIMEZONE"] = zone
    return subprocess.run([str(SCRIPT), *map(str, args)], capture_output=True, text=True, env=env, timeout=60)


@pytest.fixture
def call_file(tmp_path: Path) -> Path:
    path = tmp_path / "call.json"
    path.write_text(json.dumps({"number": "26-7", "received_at": "2026-03-01T14:03:00", "type_text": "Noise"}))
    return path


def test_cli_timezone_unknown_zone_is_one_line_e097(call_file: Path, tmp_path: Path) -> None:
    result = _run("brief", call_file, "--db", f"sqlite:///{tmp_path}/s.db", zone="Mars/Olympus")
    assert_one_line_error(result, "DEESCALATE_TIMEZONE")
    assert "[E097]" in result.stderr


def test_cli_timezone_naive_call_time_shown_in_agency_offset(call_file: Path, tmp_path: Path) -> None:
    result = _run("brief", call_file, "--db", f"sqlite:///{tmp_path}/s.db", "-f", "json", zone="America/Chicago")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["call"]["received_at"] == "2026-03-01T14:03:00-06:00"
