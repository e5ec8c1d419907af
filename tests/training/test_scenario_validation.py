"""Scenario files: duplicate keys and endings that can never fire are refused with one line naming the
file and place; scene facts, calls and fact sheets are checked when the file loads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from deescalate.errors import Code, ConfigError
from deescalate.training.model import State, ending_text
from deescalate.training.scenario import load_scenario
from tests.training.test_scenarios import scenario_path


def base() -> dict[str, Any]:
    data = yaml.safe_load(scenario_path("deaf-driver").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("id: a\ntitle: x\nid: b\n", 3),  # top level
        ("id: a\nstart:\n  agitation: 4\n  rapport: 2\n  agitation: 9\n", 5),  # nested
    ],
)
def test_scenario_duplicate_keys_are_refused(tmp_path: Path, text: str, line: int) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_scenario(path)
    assert caught.value.code is Code.E099
    assert caught.value.one_line().startswith(f"{path}:line {line}: duplicate key")


def test_scenario_the_same_key_in_two_mappings_is_fine(tmp_path: Path) -> None:
    data = base()  # "say" and "when" appear in many mappings: only a repeat within one is refused
    assert load_scenario(write(tmp_path, data)).id == "deaf-driver"


@pytest.mark.parametrize(
    ("index", "when", "why"),
    [
        (1, "agitation > 10", "can never hold"),
        (1, "turn >= 40", "can never hold"),  # max_turns is 24
        (1, "noticed and not noticed", "can never hold"),
        (1, "rapport < 0", "can never hold"),
        (2, "agitation >= 0", "earlier ending always fires first"),  # ending 2 (the calm one) is shadowed...
    ],
)
def test_scenario_endings_that_can_never_fire_are_refused(tmp_path: Path, index: int, when: str, why: str) -> None:
    data = base()
    if "earlier" in why:
        data["endings"][0]["when"] = when  # ...by an ending before it that always holds
        index = 1
    else:
        data["endings"][index]["when"] = when
    with pytest.raises(ConfigError) as caught:
        load_scenario(write(tmp_path, data))
    assert caught.value.code is Code.E100
    assert f"endings.{index}.when" in caught.value.one_line() and why in caught.value.one_line()


@pytest.mark.parametrize("when", ["turn >= 23 and noticed", "agitation <= 0", "rapport <= 0", "harm >= 1 or noticed"])
def test_scenario_endings_at_the_edge_of_the_range_load(tmp_path: Path, when: str) -> None:
    data = base()
    data["endings"][1]["when"] = when
    assert load_scenario(write(tmp_path, data)).endings[1].when == when


@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        (lambda d: d["facts"].pop("weapon"), "no answer about weapon"),
        (lambda d: d["scene"].update({"lights_on": {}}), "nothing sets this fact"),
        (lambda d: d["scene"]["notes_used"].update({"by": ["juggle"]}), "unknown move 'juggle'"),
        (lambda d: d["calls"]["interpreter"].update({"sets": ["unicorn"]}), "unknown fact 'unicorn'"),
        (lambda d: d["notice"].update({"ask": ["telepathy"]}), "unknown condition 'telepathy'"),
        (lambda d: d["endings"][1].update({"with": {"unicorn": "x"}}), "unknown fact 'unicorn'"),
        (lambda d: d["facts"]["name"][0].update({"when": "mood == 1"}), "facts.name.0.when"),
    ],
)
def test_scenario_content_is_checked_on_load(tmp_path: Path, edit: Any, fragment: str) -> None:
    data = base()
    edit(data)
    with pytest.raises(ConfigError) as caught:
        load_scenario(write(tmp_path, data))
    assert fragment in caught.value.one_line() and "\n" not in caught.value.one_line()


def test_scenario_ending_text_tells_only_what_happened() -> None:
    sc = load_scenario(scenario_path("deaf-driver"))
    calm = next(e for e in sc.endings if e.kind == "resolved_calmly")
    declared = set(sc.scene)
    written = ending_text(calm, State(1, 9, noticed=True, facts=frozenset({"notes_used"})), declared)
    spoken = ending_text(calm, State(1, 9, noticed=True), declared)
    assert "notepad" in written and "notepad" not in spoken
    assert "card" not in spoken
    force = next(e for e in sc.endings if e.kind == "force_used")
    assert "No one had checked" in ending_text(force, State(9, 0), declared)
    assert "No one had checked" not in ending_text(force, State(9, 0, noticed=True), declared)
