"""`deescalate demo-data`, `import-calls` and `brief`, run as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli_convert import assert_one_line_error, run


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = tmp_path_factory.mktemp("city") / "city.db"
    result = run("demo-data", "--calls", "3000", "--seed", "5", "--db", f"sqlite:///{db}")
    assert result.returncode == 0, result.stderr
    assert "3,000 calls" in result.stderr
    return f"sqlite:///{db}"


def write_call(folder: Path, **fields: object) -> Path:
    call = {
        "number": "26-9001",
        "received_at": "2026-03-01T12:00:00Z",
        "type_text": "Welfare check",
        "priority": "3",
        "address": "1 Unknown Lane",
        "narrative": "My dad is deaf and not answering the door. Probably asleep, but I'm worried.",
        "caller_name": "Ana",
        "caller_phone": "555-0102",
    }
    call.update(fields)
    path = folder / "call.json"
    path.write_text(json.dumps(call))
    return path


def test_cli_brief_json_names_rules_and_keeps_words(city: str, tmp_path: Path) -> None:
    result = run("brief", write_call(tmp_path), "--db", city, "-f", "json")
    assert result.returncode == 0, result.stderr
    b = json.loads(result.stdout)
    assert b["call_line"].startswith("26-9001: P3 Welfare check at 1 Unknown Lane")
    assert b["triage"]["rule"].startswith("triage.")
    assert "ASL interpreter or written communication" in {r["resource"] for r in b["resources"]}
    words = [f["text"] for a in b["answers"] for f in a["facts"] if f["verbatim"]]
    assert "My dad is deaf and not answering the door. Probably asleep, but I'm worried." in words


@pytest.mark.parametrize("fmt", ["text", "html"])
def test_cli_brief_writes_text_and_html(city: str, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"b.{fmt}"
    result = run("brief", write_call(tmp_path), "--db", city, "-f", fmt, "-o", out)
    assert result.returncode == 0, result.stderr
    assert "26-9001" in out.read_text() and "example" in out.read_text().lower()


def test_cli_brief_malformed_call_is_one_line(city: str, tmp_path: Path) -> None:
    path = write_call(tmp_path, received_at="yesterday-ish")
    assert_one_line_error(run("brief", path, "--db", city), "call.json")


def test_cli_import_calls_skips_bad_rows_and_keeps_good_ones(tmp_path: Path) -> None:
    csv_path = tmp_path / "nola.csv"
    csv_path.write_text(
        "NOPD_Item,Type_,TypeText,Priority,TimeCreate,BLOCK_ADDRESS,Disposition\n"
        "A1,103,DISTURBANCE,2A,01/02/2024 10:15:00 PM,001XX Block of Main St,GOA\n"
        "A2,103,DISTURBANCE,2A,not a time,001XX Block of Main St,GOA\n"
        "A3,21,COMPLAINT OTHER,1,01/03/2024 08:00:00 AM,002XX Block of Elm St,RTF\n"
    )
    db = f"sqlite:///{tmp_path / 'imp.db'}"
    result = run("import-calls", csv_path, "--db", db)
    assert result.returncode == 0, result.stderr
    assert "nola.csv:line 3:" in result.stderr
    assert "2 of 3 rows imported, 1 skipped" in result.stderr
    again = run("import-calls", csv_path, "--db", db)  # duplicates are reported, not imported twice
    assert "0 of 3 rows imported" in again.stderr


def test_cli_import_calls_missing_file(tmp_path: Path) -> None:
    assert_one_line_error(run("import-calls", tmp_path / "nope.csv"), "nope.csv")


def test_cli_demo_data_on_a_full_store_refuses_then_replace_rebuilds(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/full.db"
    assert run("demo-data", "--calls", "200", "--seed", "2", "--db", db).returncode == 0
    again = run("demo-data", "--calls", "300", "--seed", "3", "--db", db)
    assert again.returncode == 2
    assert_one_line_error(again, "E095")
    assert "200 calls" in again.stderr and "--replace" in again.stderr
    rebuilt = run("demo-data", "--calls", "300", "--seed", "3", "--replace", "--db", db)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "300 calls" in rebuilt.stderr
