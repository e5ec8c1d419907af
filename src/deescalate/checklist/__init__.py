"""The de-escalation checklist, loaded once from ``checklist.yaml``."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field

ITEM_IDS = ("C1", "C2", "C3", "C4", "C5", "C6", "C7")
DELIVERY = "delivery"


class ChecklistItem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str = Field(pattern=r"^C[1-7]$")
    title: str
    description: str
    questions: tuple[str, ...] = ()


class Delivery(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    title: str
    description: str
    practices: tuple[str, ...]


class Checklist(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    items: tuple[ChecklistItem, ...]
    delivery: Delivery

    def item(self, item_id: str) -> ChecklistItem:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def title(self, item_id: str) -> str:
        return self.delivery.title if item_id == DELIVERY else self.item(item_id).title


@cache
def load_checklist() -> Checklist:
    text = resources.files(__package__).joinpath("checklist.yaml").read_text("utf-8")
    checklist = Checklist.model_validate(yaml.safe_load(text))
    if tuple(i.id for i in checklist.items) != ITEM_IDS:
        raise ValueError("checklist.yaml must list C1..C7 in order")
    return checklist
