"""The encounter/v1 model (see shared spec/encounter-format.md).

Models are frozen pydantic models. Unknown keys are kept (``extra="allow"``) so
a file that is read and written again loses nothing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

FORMAT = "encounter/v1"


class Role(StrEnum):
    officer = "officer"
    dispatcher = "dispatcher"
    subject = "subject"
    bystander = "bystander"
    other = "other"


CIVILIAN_ROLES = frozenset({Role.subject, Role.bystander})


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")


class Participant(_Frozen):
    id: str = Field(min_length=1)
    role: Role = Role.other
    name: str | None = None

    @property
    def label(self) -> str:
        return self.name or self.id


class Utterance(_Frozen):
    id: str = Field(min_length=1)
    speaker: str = Field(min_length=1)
    # finite: JSON's 1e999 reads as infinity, which no clock shows and no timeline can place
    start: float = Field(ge=0, allow_inf_nan=False)
    end: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    text: str
    source: str | list[str] | None = None
    labels: list[str] | None = None
    conflicts_with: str | None = None

    @property
    def stop(self) -> float:
        """End time, or the start when the file gives no end."""
        return self.end if self.end is not None else self.start


class Event(_Frozen):
    t: float = Field(ge=0, allow_inf_nan=False)
    type: str = Field(min_length=1)
    by: str | None = None
    detail: str | None = None


class Encounter(_Frozen):
    format: str = FORMAT
    id: str = Field(min_length=1)
    title: str | None = None
    call_type: str | None = None
    started_at: str | None = None
    participants: list[Participant]
    utterances: list[Utterance]
    events: list[Event] = Field(default_factory=list)
    _participants_by_id: dict[str, Participant] | None = PrivateAttr(default=None)

    def participant(self, pid: str) -> Participant:
        return self._by_id()[pid]

    def role_of(self, pid: str) -> Role:
        found = self._by_id().get(pid)
        return found.role if found else Role.other

    def _by_id(self) -> dict[str, Participant]:
        if self._participants_by_id is None:
            self._participants_by_id = {p.id: p for p in self.participants}
        return self._participants_by_id

    @property
    def duration(self) -> float:
        ends = [u.stop for u in self.utterances] + [e.t for e in self.events]
        return max(ends, default=0.0)

    def to_json_dict(self) -> dict[str, Any]:
        """The encounter/v1 dict: empty known fields left out, unknown keys kept as they were (even null)."""
        data = _drop_empty_fields(self, self.model_dump(mode="json"))
        for key in ("participants", "utterances", "events"):
            data[key] = [_drop_empty_fields(m, d) for m, d in zip(getattr(self, key), data[key], strict=True)]
        if not data.get("events"):
            data.pop("events", None)
        return data


def _drop_empty_fields(model: BaseModel, data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None or k not in type(model).model_fields}
