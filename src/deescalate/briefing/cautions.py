"""The officer-safety banner: the call's cautions, most dangerous first (vocabulary in cautions.yaml)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from deescalate.briefing.call import CautionIn
from deescalate.datafile import parse_yaml, read_text, validate
from deescalate.errors import Code


class CautionClass(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    label: str = Field(min_length=1)
    words: tuple[str, ...] = ()

    @field_validator("words")
    @classmethod
    def _words_not_blank(cls, words: tuple[str, ...]) -> tuple[str, ...]:
        if any(not w.strip() for w in words):
            raise ValueError("a caution word is blank")
        return tuple(w.strip().casefold() for w in words)


class CautionVocabulary(BaseModel):
    model_config = ConfigDict(extra="forbid")
    classes: tuple[CautionClass, ...] = Field(min_length=1)
    other: CautionClass
    severities: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _names_unique(self) -> CautionVocabulary:
        names = [c.name for c in (*self.classes, self.other)]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise ValueError(f"caution class named twice: {', '.join(doubled)}")
        return self

    def classify(self, caution: CautionIn) -> tuple[int, CautionClass]:
        """The rank (0 is most dangerous) and class of a caution."""
        said = f"{caution.kind} {caution.text}".casefold()
        for rank, cls in enumerate(self.classes):
            if any(re.search(rf"(?<![a-z]){re.escape(w)}", said) for w in cls.words):
                return rank, cls
        return len(self.classes), self.other

    def severity_rank(self, severity: str | None) -> int:
        """Unknown or absent severity sorts with "normal": the sender did not say it was less."""
        order = {s.casefold(): i for i, s in enumerate(self.severities)}
        default = order.get("normal", len(order))
        return order.get((severity or "").strip().casefold(), default)


@dataclass(frozen=True)
class BannerLine:
    rank: int  # 1 is the most dangerous line
    category: str  # a class name from cautions.yaml
    label: str
    kind: str  # the sender's own words, as sent
    text: str
    severity: str | None
    source: str | None


@cache
def load_cautions(path: Path | None = None) -> CautionVocabulary:
    if path is None:
        name = "cautions.yaml"
        text = resources.files(__package__).joinpath(name).read_text("utf-8")
    else:
        name, text = str(path), read_text(path, code=Code.E041, what="cautions file")
    return validate(CautionVocabulary, parse_yaml(text, file=name, code=Code.E040), file=name, code=Code.E040)


def caution_banner(cautions: list[CautionIn], *, vocabulary: CautionVocabulary | None = None) -> tuple[BannerLine, ...]:
    """The cautions ranked: by class (weapon first), then the sender's severity, then the order they came in."""
    vocab = vocabulary or load_cautions()
    keyed = []
    for order, caution in enumerate(cautions):
        rank, cls = vocab.classify(caution)
        keyed.append(((rank, vocab.severity_rank(caution.severity), order), cls, caution))
    keyed.sort(key=lambda k: k[0])
    return tuple(
        BannerLine(i, cls.name, cls.label, c.kind, c.text, c.severity, c.source)
        for i, (_, cls, c) in enumerate(keyed, start=1)
    )
