"""`deescalate train`, run as a user runs it, on a scenario of the test's own."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.cli.test_cli_convert import SCRIPT, assert_one_line_error, run
from tests.training.tiny import write_tiny

MOVES = """# a scripted run of the tiny scenario
Hello, I'm Officer Diaz. What's going on today?

I can see you're upset. Take your time.
/step back
So what you're saying is you missed your bus.
"""


def test_cli_train_script_plays_and_writes_the_debrief(tmp_path: Path) -> None:
    endings = [
        {"kind": "force_used", "when": "agitation >= 9.5", "text": "He swings; you go hands-on."},
        {"kind": "resolved_calmly", "when": "turn >= 4 and agitation <= 3", "text": "He catches his bus."},
    ]
    scenario = write_tiny(tmp_path, endings=endings)
    moves = tmp_path / "moves.txt"
    moves.write_text(MOVES)
    out_dir = tmp_path / "debriefs"

    result = run("train", scenario, "--script", moves, "--seed", "3", "--out", out_dir)

    assert result.returncode == 0, result.stderr
    assert "Caller said: “There's a guy yelling at the bus stop." in result.stdout
    assert result.stdout.index("Caller said") < result.stdout.index("You: Hello, I'm Officer Diaz.")
    assert "Sam Lee: " in result.stdout and "Debrief — Tiny: a man by the bus stop" in result.stdout
    html = out_dir / "tiny-seed3-debrief.html"
    data = json.loads((out_dir / "tiny-seed3-debrief.json").read_text("utf-8"))
    assert html.read_text("utf-8").startswith("<!DOCTYPE html>")
    assert [t["text"] for t in data["turns"]] == [
        "Hello, I'm Officer Diaz. What's going on today?",
        "I can see you're upset. Take your time.",
        "/step back",
        "So what you're saying is you missed your bus.",
    ]
    assert f"wrote {html}" in result.stderr
    assert data["ending"] == {"kind": "resolved_calmly", "text": "He catches his bus.", "turn": 4}

    # the same scenario and seed again, into the same folder: written beside the first, never over it
    first = html.read_bytes()
    again = run("train", scenario, "--script", moves, "--seed", "3", "--out", out_dir)
    assert json.loads((out_dir / "tiny-seed3-debrief-2.json").read_text("utf-8")) == data
    assert f"wrote {out_dir / 'tiny-seed3-debrief-2.html'}" in again.stderr
    assert html.read_bytes() == first
    assert again.stdout == result.stdout  # same seed, same run
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "tiny-seed3-debrief-2.html",
        "tiny-seed3-debrief-2.json",
        "tiny-seed3-debrief.html",
        "tiny-seed3-debrief.json",
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"lines": {"trigger": ["Hi."]}}, "lines.escalation needs at least one line"),
        (
            {"endings": [{"kind": "unresolved", "when": "turn > 3", "text": "."},
                         {"kind": "resolved_calmly", "when": "open('x')", "text": "."}]},
            "endings.1.when: Call is not allowed",
        ),
    ],
)  # fmt: skip
def test_cli_train_malformed_scenario_is_one_line(tmp_path: Path, change: dict[str, object], expected: str) -> None:
    scenario = write_tiny(tmp_path, "bad.yaml", **change)
    result = run("train", scenario, "--out", tmp_path / "o")
    assert_one_line_error(result, "bad.yaml")
    assert expected in result.stderr
    assert not (tmp_path / "o").exists()


def test_cli_train_bad_script_line_is_one_line_naming_the_line(tmp_path: Path) -> None:
    moves = tmp_path / "moves.txt"
    moves.write_text("Hello.\n# a comment\n/hug\n")
    result = run("train", write_tiny(tmp_path), "--script", moves, "--out", tmp_path / "o")
    assert_one_line_error(result, f"{moves}:line 3")
    assert "unknown action '/hug'" in result.stderr


@pytest.mark.parametrize(
    ("script", "where", "expected"),
    [
        ("Hello.\n/call pizza\n", "line 2", "nothing called 'pizza' here"),
        ("Hello.\n/call\n", "line 2", "call what?"),
        ("Hello.\nB: Hands up.\n/inject meteor\n", "line 3", "no event 'meteor' to inject"),
        ("# only a comment\n\n", "", "the script holds no turns"),
    ],
    ids=["unknown-call", "bare-call", "unknown-event", "empty"],
)
def test_cli_train_script_names_are_checked_before_play(tmp_path: Path, script: str, where: str, expected: str) -> None:
    moves = tmp_path / "moves.txt"
    moves.write_text(script)
    result = run("train", write_tiny(tmp_path), "--script", moves, "--out", tmp_path / "o")
    assert_one_line_error(result, f"{moves}:{where}" if where else str(moves))  # nothing played first
    assert expected in result.stderr


def test_cli_train_unwritable_out_is_refused_before_play(tmp_path: Path) -> None:
    moves = tmp_path / "moves.txt"
    moves.write_text("Hello.\n")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run("train", write_tiny(tmp_path), "--script", moves, "--out", blocker / "debriefs")
    assert_one_line_error(result, str(blocker / "debriefs"))
    assert "[E104]" in result.stderr


def test_cli_train_interactive_ends_cleanly_at_end_of_input(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEESCALATE_")}
    result = subprocess.run(
        [str(SCRIPT), "train", str(write_tiny(tmp_path)), "--out", str(tmp_path / "o")],
        input="Hello, I'm Officer Diaz.\n/help\n/fly\n\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "unknown action '/fly'" in result.stderr  # said, and the session goes on
    assert "Actions: /wait" in result.stdout  # /help lists them and takes no turn
    assert "Stopped after 2 turns, before any ending." in result.stdout
    assert (tmp_path / "o" / "tiny-seed1-debrief.html").is_file()


def test_cli_train_list_and_unknown_id(tmp_path: Path) -> None:
    listed = run("train", "--list")
    assert listed.returncode == 0, listed.stderr
    assert all(line.split() for line in listed.stdout.splitlines())
    missing = run("train", "no-such-scenario")
    assert_one_line_error(missing, "no scenario 'no-such-scenario'")
