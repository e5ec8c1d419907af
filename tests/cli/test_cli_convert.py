"""The installed `deescalate` console script: convert and checklist, run as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from deescalate.checklist import load_checklist
from deescalate.encounter import Role
from deescalate.encounter.readers import read_encounter
from tests.encounter.welfare import ALVAREZ, FILES, ROLES, ROLES_FILE, UTTERANCES, roles_by_name, rows

SCRIPT = Path(sys.executable).parent / "deescalate"


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEESCALATE_")}
    env["COLUMNS"] = "60"  # narrow on purpose: output must not be wrapped to the terminal width
    return subprocess.run(
        [str(SCRIPT), *map(str, args)], capture_output=True, text=True, env=env, cwd=cwd, timeout=60, check=False
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], file: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert file in lines[0]
    assert result.stdout == ""


def test_cli_script_is_installed() -> None:
    assert SCRIPT.is_file(), f"console script missing at {SCRIPT}; run pip install -e '.[dev]'"


@pytest.mark.parametrize("fmt", list(FILES))
def test_cli_convert_writes_encounter_json(fmt: str, tmp_path: Path) -> None:
    out = tmp_path / "out" / "welfare.json"

    result = run("convert", FILES[fmt], "-o", out, "--roles", ROLES_FILE)

    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert f"wrote {out} (13 utterances, 5 speakers)" in result.stderr
    data = json.loads(out.read_text("utf-8"))
    assert data["format"] == "encounter/v1"
    assert len(data["utterances"]) == 13
    encounter = read_encounter(out)
    assert [(s, start, text) for s, start, _, text in rows(encounter)] == [
        (s, start, text) for s, start, _, text in UTTERANCES
    ]
    assert roles_by_name(encounter) == ROLES
    assert [p.name for p in out.parent.iterdir()] == ["welfare.json"]  # no temporary file left behind


def test_cli_convert_prints_json_to_stdout_without_output_option() -> None:
    result = run("convert", FILES["json"])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(FILES["json"].read_text("utf-8"))
    assert result.stderr == ""  # every role is declared: nothing to warn about


def test_cli_convert_to_vtt(tmp_path: Path) -> None:
    result = run("convert", FILES["json"], "--to", "vtt")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("WEBVTT\n")
    assert "<v Officer Diaz>Unit 12 copy, en route with Unit 14." in result.stdout
    vtt = tmp_path / "welfare.vtt"
    vtt.write_text(result.stdout, "utf-8")
    assert rows(read_encounter(vtt)) == rows(read_encounter(FILES["json"]))


def test_cli_convert_rejects_an_unknown_output_format() -> None:
    result = run("convert", FILES["json"], "--to", "docx")
    assert result.returncode == 2
    # a usage error, reported by typer in its own box (wrapped to the terminal width)
    assert "Invalid value" in result.stderr and "--to must be one of" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


BAD_INPUTS: dict[str, tuple[str, str | bytes]] = {
    "empty": ("empty.vtt", ""),
    "invalid json": ("broken.json", '{"id": "x",\n'),
    "backwards text": ("back.txt", "[00:05] Officer Diaz: hello\n[00:02] Mr. Alvarez: hi\n"),
    "speaker not a participant": (
        "stranger.json",
        '{"id": "x", "participants": [{"id": "O1"}],\n'
        ' "utterances": [{"id": "u1", "speaker": "X", "start": 0, "text": "hi"}]}',
    ),
    "latin-1": ("latin1.srt", "1\n00:00:01,000 --> 00:00:02,000\nSe\u00f1ora Ruiz: s\u00ed\n".encode("latin-1")),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_cli_convert_bad_input_is_one_line_error(name: str, tmp_path: Path) -> None:
    file, content = BAD_INPUTS[name]
    path = tmp_path / file
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, "utf-8")

    result = run("convert", path)

    assert_one_line_error(result, str(path))
    assert "[E0" in result.stderr


def test_cli_convert_missing_file_and_folder_are_one_line_errors(tmp_path: Path) -> None:
    missing = tmp_path / "no-such.vtt"
    assert_one_line_error(run("convert", missing), str(missing))
    assert "[E001]" in run("convert", missing).stderr
    folder = tmp_path / "folder.vtt"
    folder.mkdir()
    assert_one_line_error(run("convert", folder), str(folder))


@pytest.mark.parametrize(
    ("roles_text", "code"),
    [("Officer Diaz: cop\n", "[E030]"), ("Officer Diaz: [officer\n", "[E030]")],
)
def test_cli_convert_bad_roles_file_is_one_line_error(roles_text: str, code: str, tmp_path: Path) -> None:
    roles = tmp_path / "roles.yaml"
    roles.write_text(roles_text, "utf-8")
    result = run("convert", FILES["vtt"], "--roles", roles)
    assert_one_line_error(result, str(roles))
    assert result.stderr.rstrip().endswith(code)


def test_cli_convert_bad_input_leaves_existing_output_unchanged(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    out.write_text('{"kept": true}\n', "utf-8")
    bad = tmp_path / "bad.vtt"
    bad.write_text("WEBVTT\n\n00:00:05.000 --> 00:00:02.000\n<v Officer Diaz>hello\n", "utf-8")

    result = run("convert", bad, "-o", out)

    assert_one_line_error(result, str(bad))
    assert out.read_text("utf-8") == '{"kept": true}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.vtt", "out.json"]


def test_cli_convert_warns_about_speakers_without_a_role(tmp_path: Path) -> None:
    without = run("convert", FILES["vtt"], "-o", tmp_path / "a.json")
    assert without.returncode == 0, without.stderr
    warning = [line for line in without.stderr.splitlines() if "no role known" in line]
    assert len(warning) == 1
    assert ALVAREZ in warning[0] and "--roles" in warning[0] and str(FILES["vtt"]) in warning[0]
    assert "Officer Diaz" not in warning[0]  # the name heuristic knows the officers
    assert read_encounter(tmp_path / "a.json").role_of("mr-alvarez") is Role.other

    with_roles = run("convert", FILES["vtt"], "-o", tmp_path / "b.json", "--roles", ROLES_FILE)
    assert with_roles.returncode == 0, with_roles.stderr
    assert "no role known" not in with_roles.stderr
    assert read_encounter(tmp_path / "b.json").role_of("mr-alvarez") is Role.subject


def test_cli_convert_warning_shows_names_with_brackets_as_written(tmp_path: Path) -> None:
    vtt = tmp_path / "odd.vtt"
    vtt.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Voice [unclear]>hello\n", "utf-8")
    result = run("convert", vtt, "-o", tmp_path / "odd.json")
    assert result.returncode == 0, result.stderr
    assert "no role known for Voice [unclear];" in result.stderr


def test_cli_checklist_prints_items_questions_and_practices() -> None:
    checklist = load_checklist()

    result = run("checklist")

    assert result.returncode == 0, result.stderr
    lines = [line.strip() for line in result.stdout.splitlines()]
    titles = [f"{item.id}  {item.title}" for item in checklist.items]
    assert [line for line in lines if line in titles] == titles  # C1..C7, in order, each on its own line
    c1 = checklist.item("C1")
    assert len(c1.questions) == 10
    for question in c1.questions:
        assert f"• {question}" in lines, question
    assert checklist.delivery.title in lines
    assert len(checklist.delivery.practices) == 4
    for practice in checklist.delivery.practices:
        assert f"• {practice}" in lines, practice
