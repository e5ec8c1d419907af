"""The label registry: one place for each label's item, polarity, speakers, display name, weight and colour."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from deescalate.analysis.analyzer import MODEL_NAMES, Analyzer
from deescalate.analysis.labels import CONCERN_LABELS, GOOD_LABELS, LABEL_ITEMS, LABELS, SAFETY_LABELS, registry
from deescalate.analysis.verdicts import BAD, GOOD
from deescalate.encounter.model import Role
from deescalate.errors import Code, ConfigError

SPEC_ORDER = (
    "info_gathering civil_matter resource_request command conflicting_command threat_of_force explanation insult "
    "respect_marker inability_cue capacity_check dismissal slow_down distance backup_request empathy active_listening"
).split()


def test_labels_registry_has_the_17_spec_labels_in_order() -> None:
    assert list(LABELS) == SPEC_ORDER
    assert LABEL_ITEMS["inability_cue"] == "C5" and LABEL_ITEMS["backup_request"] == "C6"


def test_labels_registry_every_label_has_what_reports_need() -> None:
    for name, info in registry().items():
        assert info.display and info.summary and info.description, name
        assert re.fullmatch(r"#[0-9A-Fa-f]{6}", info.colour), name
        assert info.speakers, name


@pytest.mark.parametrize(
    ("label", "role", "allowed"),
    [
        ("inability_cue", Role.subject, True),
        ("inability_cue", Role.bystander, True),
        ("inability_cue", Role.officer, False),
        ("info_gathering", Role.dispatcher, True),
        ("command", Role.dispatcher, False),
        ("backup_request", Role.dispatcher, True),
        ("empathy", Role.subject, False),
    ],
)
def test_labels_registry_speakers_follow_the_spec(label: str, role: Role, allowed: bool) -> None:
    assert (role in registry()[label].speakers) is allowed


def test_labels_registry_drives_the_verdicts() -> None:
    assert GOOD["C5"] == ("capacity_check",)
    assert set(BAD["C3"]) == {"conflicting_command", "threat_of_force"}
    assert {"conflicting_command", "threat_of_force", "insult", "dismissal"} == CONCERN_LABELS
    assert "command" not in GOOD_LABELS | CONCERN_LABELS  # context, not a practice or a concern
    assert {"threat_of_force", "inability_cue", "insult", "dismissal"} <= SAFETY_LABELS


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "agency.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_registry_every_detector_can_be_disabled_by_its_name(tmp_path: Path) -> None:
    names = Analyzer(model=None).registered_names()
    assert {"active_listening.echo", "respect_marker.name", "command.directive", "conflicting_command.demands"} <= set(
        names
    )
    for name in names:
        analyzer = Analyzer(_config(tmp_path, f"disable: [{name}]\n"), model=None)
        assert name not in analyzer.registered_names(), name


def test_registry_readme_config_example_loads(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(disable:.*?)```", readme, re.S)
    assert block, "README has the agency config example"
    analyzer = Analyzer(_config(tmp_path, block.group(1)), model=None)
    assert "active_listening.echo" not in analyzer.registered_names()
    assert "threat_of_force.k9_local" in analyzer.registered_names()


def test_registry_model_names_are_known_even_without_a_model(tmp_path: Path) -> None:
    assert {"model", "model.insult", "model.command"} <= MODEL_NAMES
    Analyzer(_config(tmp_path, "disable: [model, model.insult]\n"), model=None)


@pytest.mark.parametrize("name", ["active_listening.echoes", "model.rudeness", "comand", "insult.profanity"])
def test_registry_unknown_names_are_refused_with_e041(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError) as info:
        Analyzer(_config(tmp_path, f"disable: [{name}]\n"), model=None)
    assert info.value.code is Code.E041
    assert name in info.value.one_line() and "agency.yaml" in info.value.one_line()
