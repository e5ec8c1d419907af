"""The label registry: the 17 labels of the label spec (v1), each with its checklist item,
polarity, speakers, display name, weight and colour, from one data file (``labels.yaml``).

Everything that needs to know about a label (detectors, the learned layer, verdicts,
reports, the training simulator) asks here.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from deescalate.datafile import parse_yaml, validate
from deescalate.encounter.model import Role
from deescalate.errors import Code

Polarity = Literal["good", "concern", "neutral"]


class LabelInfo(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    item: str = Field(pattern=r"^C[1-7]$")
    polarity: Polarity
    display: str
    summary: str
    description: str
    speakers: tuple[Role, ...] = Field(min_length=1)
    addressed: Literal["any", "civilian"] = "any"
    weight: int = Field(default=0, ge=0, le=10)
    safety: bool = False
    rules_stand: bool = False
    beta: float = Field(default=1.0, gt=0, le=4)  # the learned layer's threshold maximises F-beta
    recall_target: float | None = Field(default=None, gt=0, lt=1)  # or keeps this recall
    # a finding the model makes with no rule of the label behind it must be right at least this often
    # out of fold: such a lead has only the model's word for it
    alone_precision: float = Field(default=0.7, ge=0, le=1)
    colour: str = Field(pattern=r"^#[0-9A-Fa-f]{6}$")


class _LabelFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    labels: dict[str, dict[str, object]]


@cache
def registry() -> dict[str, LabelInfo]:
    text = resources.files(__package__).joinpath("labels.yaml").read_text("utf-8")
    data = validate(
        _LabelFile, parse_yaml(text, file="labels.yaml", code=Code.E040), file="labels.yaml", code=Code.E040
    )
    return {
        name: validate(LabelInfo, {"name": name, **fields}, file="labels.yaml", code=Code.E040)
        for name, fields in data.labels.items()
    }


def label_info(name: str) -> LabelInfo:
    return registry()[name]


LABELS: tuple[str, ...] = tuple(registry())
LABEL_ITEMS: dict[str, str] = {name: info.item for name, info in registry().items()}
GOOD_LABELS = frozenset(name for name, info in registry().items() if info.polarity == "good")
CONCERN_LABELS = frozenset(name for name, info in registry().items() if info.polarity == "concern")
SAFETY_LABELS = frozenset(name for name, info in registry().items() if info.safety)
RULES_STAND = frozenset(name for name, info in registry().items() if info.rules_stand)


def labels_for_item(item: str, polarity: Polarity) -> tuple[str, ...]:
    return tuple(name for name, info in registry().items() if info.item == item and info.polarity == polarity)
