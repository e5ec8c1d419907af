"""Rule data: loaded from YAML, validated with pydantic, compiled once.

The default rules ship in this folder. An agency's config file (same shape)
may add rules, replace a default rule by giving the same name, and switch
rules or whole labels off with ``disable: [rule name or label, ...]``.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from deescalate.analysis.labels import LABELS
from deescalate.analysis.rules.guard import MAX_PATTERN_CHARS, RiskyPattern, check_pattern
from deescalate.analysis.rules.prefilter import required_literals
from deescalate.datafile import M, parse_yaml, read_text, validate
from deescalate.encounter.model import Role
from deescalate.errors import Code, ConfigError

_MACRO = re.compile(r"\{([A-Z_]+)\}")


class RuleSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = Field(pattern=r"^[a-z_]+\.[a-z0-9_]+$")
    label: str
    version: int = Field(default=1, ge=1)
    speakers: tuple[Role, ...] = (Role.officer,)
    addressed: Literal["any", "civilian"] = "any"
    # clause, the whole utterance, or the transcriber's bracketed notes ("[signing]", "[points to his ear]")
    scope: Literal["clause", "utterance", "notes"] = "clause"
    patterns: tuple[str, ...] = Field(min_length=1)
    unless: tuple[str, ...] = ()
    unless_utterance: tuple[str, ...] = ()  # vetoes read the whole utterance, whatever the scope
    confidence: float = Field(default=0.8, gt=0, le=1)
    explanation: str | None = None
    # find: the rule finds its label; veto: where it matches, its label is not found on the utterance by
    # any detector or the learned layer (labels.md's explicit exclusions: a bare "you're under arrest" is
    # not an explanation)
    effect: Literal["find", "veto"] = "find"

    @field_validator("label")
    @classmethod
    def _known_label(cls, value: str) -> str:
        if value not in LABELS:
            raise ValueError(f"unknown label {value!r}; labels are {', '.join(LABELS)}")
        return value


class RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    macros: dict[str, str] = Field(default_factory=dict)
    rules: list[RuleSpec] = Field(default_factory=list)
    disable: list[str] = Field(default_factory=list)


class CommandLexicon(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    preamble: tuple[str, ...]
    imperative_verbs: tuple[str, ...]
    request_frames: tuple[str, ...]
    not_commands: tuple[str, ...]
    demands: dict[str, tuple[str, ...]]
    conflicts: tuple[tuple[str, str], ...]
    one_off: tuple[str, ...] = ()
    compliance: str = "$^"
    correction: str = "$^"
    sequence: str = "$^"
    standing: tuple[str, ...] = ()
    held: tuple[str, ...] = ()
    vocative: str = "$^"

    @field_validator("conflicts")
    @classmethod
    def _pairs_known(cls, value: tuple[tuple[str, str], ...], info):  # type: ignore[no-untyped-def]
        known = set(info.data.get("demands", {}))
        for a, b in value:
            for name in (a, b):
                if name not in known:
                    raise ValueError(f"conflict names unknown demand {name!r}")
        return value


class CompiledRule:
    """One rule with its patterns compiled into a single alternation."""

    __slots__ = ("spec", "patterns", "unless", "unless_utterance", "sources")

    def __init__(self, spec: RuleSpec, macros: dict[str, str], file: str) -> None:
        self.spec = spec
        try:
            checked = {
                field: tuple(
                    _checked(p, macros, file=file, where=f"{spec.name}.{field}[{i}]")
                    for i, p in enumerate(getattr(spec, field))
                )
                for field in ("patterns", "unless", "unless_utterance")
            }
            self.sources = checked["patterns"]
            # each pattern with the literals one of which it needs (None: no cheap test)
            self.patterns = tuple((re.compile(p), required_literals(p)) for p in self.sources)
            self.unless = _alternation(checked["unless"])
            self.unless_utterance = _alternation(checked["unless_utterance"])
        except re.error as exc:
            raise ConfigError(
                Code.E040, f"bad pattern in rule {spec.name}: {exc}", file=file, where=spec.name
            ) from None

    @property
    def rule_id(self) -> str:
        return f"{self.spec.name}.v{self.spec.version}"


def _checked(pattern: str, macros: dict[str, str], *, file: str, where: str) -> str:
    """PATTERN with its macros expanded; refused (E145) before it is compiled if it can backtrack
    catastrophically: it would hang every analysis that reads it, and the review server with it."""
    try:
        expanded = expand(pattern, macros)
        check_pattern(expanded)
    except RiskyPattern as exc:
        raise ConfigError(Code.E145, f"pattern {exc}", file=file, where=where) from None
    return expanded


def _alternation(expanded: tuple[str, ...]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in expanded)) if expanded else None


def expand(pattern: str, macros: dict[str, str]) -> str:
    """PATTERN with {MACRO}s replaced; RiskyPattern once it outgrows MAX_PATTERN_CHARS (a macro that uses
    itself ten times would otherwise grow ten-thousandfold in the four rounds)."""
    for _ in range(4):  # macros may use macros, a few levels deep
        size = len(pattern)

        def value(m: re.Match[str]) -> str:
            nonlocal size
            text = macros.get(m.group(1), m.group(0))
            size += len(text) - len(m.group(0))
            if size > MAX_PATTERN_CHARS:
                raise RiskyPattern(f"grows past {MAX_PATTERN_CHARS:,} characters as its macros are expanded")
            return text

        new = _MACRO.sub(value, pattern)
        if new == pattern:
            break
        pattern = new
    return pattern


def _bundled(model: type[M], name: str) -> M:
    text = resources.files(__package__).joinpath(name).read_text("utf-8")
    return validate(model, parse_yaml(text, file=name, code=Code.E040), file=name, code=Code.E040)


@cache
def default_rule_file() -> RuleFile:
    return _bundled(RuleFile, "default.yaml")


@cache
def command_lexicon() -> CommandLexicon:
    lexicon = _bundled(CommandLexicon, "commands.yaml")
    for name, patterns in (
        ("request_frames", lexicon.request_frames),
        ("not_commands", lexicon.not_commands),
        *((f"demands.{k}", v) for k, v in lexicon.demands.items()),
        *((k, (getattr(lexicon, k),)) for k in ("compliance", "correction", "sequence", "vocative")),
    ):
        for i, pattern in enumerate(patterns):
            _checked(pattern, {}, file="commands.yaml", where=f"{name}[{i}]")
    return lexicon


def load_rule_file(path: Path) -> RuleFile:
    text = read_text(path, code=Code.E041, what="rules config file")
    data = parse_yaml(text, file=str(path), code=Code.E040)
    if data is None:
        data = {}
    return validate(RuleFile, data, file=str(path), code=Code.E040)


def compile_rules(agency: RuleFile | None = None, *, agency_file: str = "config") -> list[CompiledRule]:
    """Default rules, overlaid by an agency file (same name replaces). Disabling is the registry's job."""
    base = default_rule_file()
    macros = dict(base.macros)
    by_name = {r.name: (r, "default.yaml") for r in base.rules}
    if agency is not None:
        macros.update(agency.macros)
        for rule in agency.rules:
            by_name[rule.name] = (rule, agency_file)
    return [CompiledRule(spec, macros, file) for spec, file in by_name.values()]
