"""Triage, resource and policy rules: data (YAML) validated at load, evaluated against a call's facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from deescalate.briefing.context import Reading, Status, check_look_alikes, read
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
    # which readings of the words count for any_text, none_text and flag_text_any
    text_status: tuple[Status, ...] = ("affirmed", "uncertain")
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
    look_alikes: dict[str, tuple[str, ...]] = {}
    triage: tuple[TriageRule, ...] = Field(min_length=1)
    resources: tuple[ResourceRule, ...] = ()

    @field_validator("look_alikes")
    @classmethod
    def _look_alikes_hold_their_word(cls, v: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        check_look_alikes(v)
        return v


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
    """What the rules look at: the call's words, type, priority, active flags, premise history.

    The readings are the texts read in context (context.py); left out, they are read here
    without look-alikes.
    """

    text: str  # lower-cased caller words and notes
    call_type: str
    type_code: str
    priority: int | None
    flag_categories: frozenset[str]
    flag_texts: str
    premise_calls: int
    reading: Reading | None = field(default=None, compare=False)
    flag_reading: Reading | None = field(default=None, compare=False)
    type_reading: Reading | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        # frozen: the readings are filled in once, here
        for name, text in (("reading", self.text), ("flag_reading", self.flag_texts), ("type_reading", self.call_type)):
            if getattr(self, name) is None:
                object.__setattr__(self, name, read([text]))

    @property
    def said(self) -> Reading:
        assert self.reading is not None
        return self.reading

    @property
    def flags(self) -> Reading:
        assert self.flag_reading is not None
        return self.flag_reading

    @property
    def kind(self) -> Reading:
        assert self.type_reading is not None
        return self.type_reading


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


@cache
def _terms(items: tuple[str, ...], vocab_items: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[str, ...]:
    """Expand "@name" to the vocabulary list of that name."""
    vocab = dict(vocab_items)
    out: list[str] = []
    for item in items:
        out.extend(vocab.get(item[1:], ()) if item.startswith("@") else (item,))
    return tuple(out)


def terms(items: tuple[str, ...], vocab: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    return _terms(items, tuple(vocab.items()))


def holds(when: When, facts: Facts, vocab: dict[str, tuple[str, ...]]) -> bool:
    if when.call_types and not facts.kind.find(when.call_types):
        return False
    if when.type_codes and facts.type_code.upper() not in {c.upper() for c in when.type_codes}:
        return False
    if when.any_text and not facts.said.present(terms(when.any_text, vocab), when.text_status):
        return False
    if when.none_text and facts.said.present(terms(when.none_text, vocab), when.text_status):
        return False
    if when.flags_any and not (facts.flag_categories & set(when.flags_any)):
        return False
    if when.flag_text_any and not facts.flags.present(terms(when.flag_text_any, vocab), when.text_status):
        return False
    if when.priority_at_most is not None and (facts.priority is None or facts.priority > when.priority_at_most):
        return False
    if when.min_premise_calls is not None and facts.premise_calls < when.min_premise_calls:
        return False
    return not when.any_of or any(holds(w, facts, vocab) for w in when.any_of)


def topics(facts: Facts, vocab: dict[str, tuple[str, ...]]) -> set[str]:
    """Vocabulary names whose words are said (affirmed or uncertain) in the call or in active flags."""
    found = {name for name, words in vocab.items() if facts.said.present(words) or facts.flags.present(words)}
    return found | set(facts.flag_categories)


def policy_sections(pack: PolicyPack, facts: Facts, found_topics: set[str]) -> list[PolicySection]:
    out = []
    for section in pack.sections:
        if "*" in section.applies_to or facts.kind.find(section.applies_to) or set(section.topics) & found_topics:
            out.append(section)
    return out
