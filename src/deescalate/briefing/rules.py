"""Triage, resource and policy rules: data (YAML) validated at load, evaluated against a call's facts."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from deescalate.datafile import M, parse_yaml, read_text, validate
from deescalate.errors import Code


class When(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    call_types: tuple[str, ...] = ()
    type_codes: tuple[str, ...] = ()
    any_text: tuple[str, ...] = ()
    none_text: tuple[str, ...] = ()
    flags_any: tuple[str, ...] = ()
    flag_text_any: tuple[str, ...] = ()
    priority_at_most: int | None = None
    min_premise_calls: int | None = None
    any_of: tuple[When, ...] = ()


class TriageRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    when: When
    outcome: Literal["police", "civil", "alternative"]
    responder: str | None = None
    reason: str


class ResourceRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    when: When
    recommend: str
    reason: str


class RuleBook(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    lookback_days: int = Field(default=365, gt=0)
    vocab: dict[str, tuple[str, ...]]
    triage: tuple[TriageRule, ...] = Field(min_length=1)
    resources: tuple[ResourceRule, ...] = ()


class PolicySection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    title: str
    applies_to: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    text: str
    citations: tuple[str, ...] = ()


class PolicyPack(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    example: bool = False
    sections: tuple[PolicySection, ...]


@dataclass(frozen=True)
class Facts:
    """What the rules look at: the call's words, type, priority, active flags, premise history."""

    text: str  # lower-cased caller words and notes
    call_type: str
    type_code: str
    priority: int | None
    flag_categories: frozenset[str]
    flag_texts: str
    premise_calls: int


def _load(model: type[M], text: str, file: str) -> M:
    return validate(model, parse_yaml(text, file=file, code=Code.E040), file=file, code=Code.E040)


def _read(path: Path | None, default: str) -> tuple[str, str]:
    if path is None:
        return resources.files(__package__).joinpath(default).read_text("utf-8"), default
    return read_text(path, code=Code.E041, what="rules file"), str(path)


@cache
def load_rules(path: Path | None = None) -> RuleBook:
    return _load(RuleBook, *_read(path, "rules.yaml"))


@cache
def load_policy(path: Path | None = None) -> PolicyPack:
    return _load(PolicyPack, *_read(path, "policy_example.yaml"))


def _terms(items: tuple[str, ...], vocab: dict[str, tuple[str, ...]]) -> list[str]:
    """Expand "@name" to the vocabulary list of that name."""
    out: list[str] = []
    for item in items:
        out.extend(vocab.get(item[1:], ()) if item.startswith("@") else (item,))
    return out


def contains_any(text: str, terms: list[str]) -> str | None:
    """The first term found as a word (or word start) in text."""
    import re

    for term in terms:
        if re.search(rf"(?<![a-z]){re.escape(term.lower())}", text):
            return term
    return None


def holds(when: When, facts: Facts, vocab: dict[str, tuple[str, ...]]) -> bool:
    if when.call_types and contains_any(facts.call_type, list(when.call_types)) is None:
        return False
    if when.type_codes and facts.type_code.upper() not in {c.upper() for c in when.type_codes}:
        return False
    if when.any_text and contains_any(facts.text, _terms(when.any_text, vocab)) is None:
        return False
    if when.none_text and contains_any(facts.text, _terms(when.none_text, vocab)) is not None:
        return False
    if when.flags_any and not (facts.flag_categories & set(when.flags_any)):
        return False
    if when.flag_text_any and contains_any(facts.flag_texts, _terms(when.flag_text_any, vocab)) is None:
        return False
    if when.priority_at_most is not None and (facts.priority is None or facts.priority > when.priority_at_most):
        return False
    if when.min_premise_calls is not None and facts.premise_calls < when.min_premise_calls:
        return False
    return not when.any_of or any(holds(w, facts, vocab) for w in when.any_of)


def topics(facts: Facts, vocab: dict[str, tuple[str, ...]]) -> set[str]:
    """Vocabulary names whose words appear in the call or in active flags."""
    found = {name for name, words in vocab.items() if contains_any(facts.text, list(words))}
    found |= {name for name, words in vocab.items() if contains_any(facts.flag_texts, list(words))}
    return found | set(facts.flag_categories)


def policy_sections(pack: PolicyPack, facts: Facts, found_topics: set[str]) -> list[PolicySection]:
    out = []
    for section in pack.sections:
        if (
            "*" in section.applies_to
            or any(word.lower() in facts.call_type for word in section.applies_to)
            or set(section.topics) & found_topics
        ):
            out.append(section)
    return out
