"""Hostile input to the YAML an agency or trainer writes: scenarios, rule configs, roles files, briefing rules,
person-matching weights. Each loads, or stops with ConfigError on one line naming the file (and the place)."""

from __future__ import annotations

import re
from pathlib import Path
from unittest import mock

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from deescalate.analysis import rules as rules_module
from deescalate.analysis.rules import RuleFile, compile_rules, default_rule_file, load_rule_file
from deescalate.briefing.rules import load_rules
from deescalate.encounter.roles import load_roles_file
from deescalate.errors import Code, ConfigError
from deescalate.store.layouts import load_mapping
from deescalate.store.matching import load_matching
from deescalate.training.scenario import bundled_scenarios, load_scenario
from deescalate.training.session import TrainingSession
from tests.security.fuzz import DATA, FUZZ, WHOLE_FILE, file_bytes, mutated_tree, outcome, write, yaml_bytes

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = bundled_scenarios()
# A whole-file problem of a YAML config: not YAML at all (no line known), or not a mapping.
CONFIG_WHOLE = WHOLE_FILE | {Code.E030, Code.E040, Code.E041, Code.E090, Code.E091, Code.E092, Code.E098}

# ---------------------------------------------------------------------------------------------- scenarios

_NAMES = ["agitation", "rapport", "turn", "noticed", "harm", "phase", "ems_called", "threats", "insults", "knife_down"]
_VALUES = ["0", "3", "10", "2.5", "-1", "1e999", "9" * 30, "'trigger'", "'crisis'", "'calm'", "True"]
_OPS = ["<", "<=", ">", ">=", "==", "!="]


@st.composite
def conditions(draw: st.DrawFn, depth: int = 0) -> str:
    """Ending conditions in (and just outside) the small language: names, numbers, strings, and/or/not."""
    kind = draw(st.integers(0, 6 if depth < 3 else 2))
    if kind <= 2:
        return f"{draw(st.sampled_from(_NAMES))} {draw(st.sampled_from(_OPS))} {draw(st.sampled_from(_VALUES))}"
    if kind == 3:
        return f"not {draw(conditions(depth + 1))}"
    if kind == 4:
        return f"({draw(conditions(depth + 1))} and {draw(conditions(depth + 1))})"
    if kind == 5:
        return f"{draw(conditions(depth + 1))} or {draw(conditions(depth + 1))}"
    return draw(st.sampled_from(["__import__('os')", "agitation.real", "1 + 1", "f(x)", "not " * 400 + "harm", ""]))


@st.composite
def scenario_with_endings(draw: st.DrawFn) -> bytes:
    data = yaml.safe_load(draw(st.sampled_from(SCENARIOS)).read_text("utf-8"))
    endings = data["endings"]
    for ending in draw(st.lists(st.sampled_from(range(len(endings))), min_size=1, max_size=3)):
        endings[ending] = {**endings[ending], "when": draw(conditions())}
    return yaml_bytes(data)


def _scenario_files() -> st.SearchStrategy[bytes]:
    texts = [p.read_bytes() for p in SCENARIOS]
    return st.one_of(
        st.sampled_from(texts).flatmap(file_bytes),
        st.sampled_from(texts).flatmap(lambda t: mutated_tree(yaml.safe_load(t)).map(yaml_bytes)),
        scenario_with_endings(),
    )


@FUZZ
@given(data=_scenario_files())
def test_security_configs_scenarios_never_crash(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, "scenario.yaml", data)
    scenario = outcome("scenario YAML", path, lambda: load_scenario(path), whole_file=CONFIG_WHOLE)
    if scenario is not None:  # a scenario that loads can be played
        session = TrainingSession(scenario, seed=1)
        session.play("Sir, can you tell me your name? I'm here to help.")
        session.play("/step back")


# ---------------------------------------------------------------------------------------------- rule configs

_REGEX_TOKENS = [
    "a", "b", "ab", " ", "\\w", "\\s", "\\d", ".", "[ab]", "[^a]", "(", ")", "(?:", "|", "*", "+", "?",
    "{2}", "{1,3}", "{2,}", "*?", "+?", "++", "\\b", "^", "$", "{YOU}", "{SELF}", "{NOPE}", "\\", "[", "]",
    "(?=", "(?!", "(?>", "(?P<n>", "(?P=n)", "\\1", "{99999999999}",
]  # fmt: skip


def _patterns() -> st.SearchStrategy[str]:
    return st.one_of(
        st.lists(st.sampled_from(_REGEX_TOKENS), min_size=1, max_size=12).map("".join),
        st.sampled_from(["(a+)+", "(\\w+\\s?)*$", "(a|aa)+b", "(.*a){12}", "\\brelease the dog\\b", "(" * 500]),
        st.text(max_size=20),
    )


@st.composite
def rule_configs(draw: st.DrawFn) -> bytes:
    rule = {
        "name": draw(st.sampled_from(["threat_of_force.k9_local", "empathy.local", "Bad Name", "x"])),
        "label": draw(st.sampled_from(["threat_of_force", "empathy", "command", "no_such_label"])),
        "patterns": draw(st.lists(_patterns(), max_size=3)),
        "unless": draw(st.lists(_patterns(), max_size=2)),
        "explanation": "Threatens to release a police dog",
    }
    config = {
        "macros": {"SELF": "{SELF}" * draw(st.integers(1, 300)), "YOU": draw(_patterns())},
        "rules": [rule],
        "disable": draw(st.lists(st.sampled_from(["active_listening.echo", "model", "empathy", "nope"]), max_size=2)),
    }
    return yaml_bytes(draw(st.one_of(st.just(config), mutated_tree(config))))


_SAMPLE_RULES = b"""disable: [active_listening.echo, respect_marker.courtesy]
rules:
  - name: threat_of_force.k9_local
    label: threat_of_force
    patterns: ["\\\\brelease the dog\\\\b", "{YOU} (?:will|{GONNA}) get bit"]
    unless: ["\\\\bif\\\\b"]
    explanation: Threatens to release a police dog
"""


_ADVERSARIAL = [
    "a" * 40 + "!",
    "ab" * 30 + "!",
    "a " * 40 + "!",
    " " * 60 + "!",
    "release " * 10,
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" + "b" * 30,
]


@FUZZ
@given(data=st.one_of(rule_configs(), file_bytes(_SAMPLE_RULES)))
def test_security_configs_rule_files_never_crash_nor_hang(tmp_path: Path, data: bytes) -> None:
    """A rule file loads and compiles, or is refused (E040, E041, E145); what compiles runs in bounded time on
    texts built to make a backtracking pattern explode (the hypothesis deadline is the bound)."""
    path = write(tmp_path, "agency.yaml", data)

    def load() -> list[rules_module.CompiledRule]:
        agency = load_rule_file(path)
        with mock.patch.object(rules_module, "default_rule_file", _macros_only):  # the defaults take 0.15 s
            return compile_rules(agency, agency_file=str(path))

    compiled = outcome("rule config YAML", path, load, whole_file=CONFIG_WHOLE)
    for rule in compiled or ():
        for rx, _literals in rule.patterns:
            for text in _ADVERSARIAL:
                rx.search(text)


def _macros_only() -> RuleFile:
    return RuleFile(macros=default_rule_file().macros)


def test_security_configs_catastrophic_patterns_are_refused_with_their_place(tmp_path: Path) -> None:
    """The shapes the guard exists for, each refused at load as E145 naming the rule and the pattern's index."""
    for i, pattern in enumerate(["(a+)+", "(\\w+\\s?)*x", "(a|aa)+b", "(x+x+)+y", "(.*a){20}"]):
        config = {"rules": [{"name": "insult.local", "label": "insult", "patterns": ["\\bok\\b", pattern]}]}
        path = write(tmp_path, f"agency{i}.yaml", yaml.safe_dump(config).encode())
        assert outcome("regex guard", path, lambda p=path: compile_rules(load_rule_file(p), agency_file=str(p))) is None
        try:
            compile_rules(load_rule_file(path), agency_file=str(path))
        except rules_module.ConfigError as exc:
            assert exc.code is Code.E145 and exc.where == "insult.local.patterns[1]", exc.one_line()
            assert re.search(r"exponential", exc.detail)


def test_security_configs_linear_nesting_is_kept(tmp_path: Path) -> None:
    """Words each followed by a space, the shape the bundled rules use, is not ambiguous and loads."""
    config = {"rules": [{"name": "insult.local", "label": "insult", "patterns": ["^(?:(?:sir|okay)[,.]?\\s+)*you\\b"]}]}
    path = write(tmp_path, "agency.yaml", yaml.safe_dump(config).encode())
    compiled = compile_rules(load_rule_file(path), agency_file=str(path))
    rule = next(r for r in compiled if r.spec.name == "insult.local")
    assert rule.patterns[0][0].search("sir, okay you there")


# ---------------------------------------------------------------------------------------------- small YAMLs

ROLES = (DATA / "welfare.roles.yaml").read_bytes()
BRIEFING_RULES = (ROOT / "src" / "deescalate" / "briefing" / "rules.yaml").read_bytes()
MATCHING = (ROOT / "src" / "deescalate" / "store" / "matching.yaml").read_bytes()


@FUZZ
@given(data=st.one_of(file_bytes(ROLES), mutated_tree(yaml.safe_load(ROLES)).map(yaml_bytes)))
def test_security_configs_roles_files_never_crash(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, "roles.yaml", data)
    outcome("roles YAML", path, lambda: load_roles_file(path), whole_file=CONFIG_WHOLE)


@FUZZ
@given(data=st.one_of(file_bytes(BRIEFING_RULES), mutated_tree(yaml.safe_load(BRIEFING_RULES)).map(yaml_bytes)))
def test_security_configs_briefing_rules_never_crash(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, "rules.yaml", data)
    # load_rules is cached by path, and every example is written to the same path
    outcome("briefing rules YAML", path, lambda: load_rules.__wrapped__(path), whole_file=CONFIG_WHOLE)


@FUZZ
@given(data=st.one_of(file_bytes(MATCHING), mutated_tree(yaml.safe_load(MATCHING)).map(yaml_bytes)))
def test_security_configs_matching_weights_never_crash(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, "matching.yaml", data)
    outcome("matching YAML", path, lambda: load_matching.__wrapped__(path), whole_file=CONFIG_WHOLE)


def test_security_configs_scenario_ending_without_condition_is_refused_with_its_place(tmp_path: Path) -> None:
    """Found by `make check-security`: an empty ending condition passed validation and then crashed the
    reachability check with a bare ValueError."""
    for when in ("", "   "):
        data = yaml.safe_load(SCENARIOS[0].read_text("utf-8"))
        data["endings"][1]["when"] = when
        path = write(tmp_path, "scenario.yaml", yaml_bytes(data))
        assert outcome("scenario YAML", path, lambda p=path: load_scenario(p), whole_file=CONFIG_WHOLE) is None
        try:
            load_scenario(path)
        except ConfigError as exc:
            assert (exc.code, exc.where) == (Code.E092, "endings.1.when"), exc.one_line()


KNOWN_YAML = {
    "date that does not exist": b"rules: []\nwhen: 2001-13-45\n",
    "integer of 5,000 digits": b"rules: []\nn: " + b"1" * 5000 + b"\n",
    "lists 800 deep": b"rules: " + b"[" * 800 + b"]" * 800 + b"\n",  # past PyYAML's recursion, not much more
    "timestamp tag on text": b"rules: []\nwhen: !!timestamp x\n",
    "float tag on text": b"rules: []\nx: !!float x\n",
    "30,000 open braces": b"{" * 30_000,  # not a crash: seconds in PyYAML's scanner, found past the deadline
}


@pytest.mark.parametrize("case", KNOWN_YAML, ids=list(KNOWN_YAML))
def test_security_configs_known_hostile_yaml_is_refused(tmp_path: Path, case: str) -> None:
    """PyYAML let ValueError, AttributeError and RecursionError through for these; every YAML reader refuses them."""
    path = write(tmp_path, "config.yaml", KNOWN_YAML[case])
    for reader, load in [
        ("rule config YAML", load_rule_file),
        ("roles YAML", load_roles_file),
        ("scenario YAML", load_scenario),
        ("matching YAML", load_matching.__wrapped__),
    ]:
        assert outcome(reader, path, lambda load=load: load(path), whole_file=CONFIG_WHOLE) is None, reader
    assert outcome("CSV mapping YAML", path, lambda: load_mapping(path), whole_file=CONFIG_WHOLE | {Code.E084}) is None


@pytest.mark.parametrize(
    "when", ["agitation < " + "9" * 400, "phase > 2", "phase < agitation", "not " * 10_000 + "harm"], ids=range(4)
)
def test_security_configs_known_hostile_conditions_are_refused(tmp_path: Path, when: str) -> None:
    """Each of these escaped load_scenario as OverflowError, TypeError or MemoryError."""
    data = yaml.safe_load(SCENARIOS[0].read_text("utf-8"))
    data["endings"][0]["when"] = when
    path = write(tmp_path, "scenario.yaml", yaml_bytes(data))
    assert outcome("scenario YAML", path, lambda: load_scenario(path), whole_file=CONFIG_WHOLE) is None
