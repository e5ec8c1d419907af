"""A call as dispatch hands it over: what a briefing starts from (store-independent)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    first_name: str | None = None
    last_name: str | None = None
    date_of_birth: date | None = None
    role: str = "other"  # caller, subject, victim, witness, other
    phone: str | None = None
    description: str | None = None

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or "unnamed person"


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: str
    at: datetime | None = None
    author: str | None = None  # "caller", a call-taker id, a unit


class CautionIn(BaseModel):
    """An officer-safety caution the call carries (EIDO cautionComponent)."""

    model_config = ConfigDict(extra="ignore")
    kind: str  # the sender's registry word, e.g. "Weapons", "Hazmat"
    text: str  # the sender's own wording, verbatim
    source: str | None = None  # who gave it: an agent, agency or person id, or free text
    severity: str | None = None  # highest, high, normal, low, lowest


class CallIn(BaseModel):
    """The simple call JSON; the EIDO reader (store/eido.py) produces the same."""

    model_config = ConfigDict(extra="ignore")
    number: str = Field(min_length=1)
    received_at: datetime
    type_code: str | None = None
    type_text: str | None = None
    priority: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    narrative: str | None = None  # the caller's own words, kept verbatim
    caller_name: str | None = None
    caller_phone: str | None = None
    caller_on_scene: bool | None = None
    persons: list[PersonIn] = Field(default_factory=list)
    notes: list[NoteIn] = Field(default_factory=list)
    units: list[str] = Field(default_factory=list)
    # what an EIDO adds; a naive time (no UTC offset) stays naive: the agency's time zone interprets it
    incident_id: str | None = None  # globally unique, e.g. urn:emergency:uid:incidentid:...
    updated_at: datetime | None = None  # when the sender last changed this incident
    callbacks: list[str] = Field(default_factory=list)  # numbers (or SIP URIs) to call back on, best first
    cautions: list[CautionIn] = Field(default_factory=list)
    locality: str | None = None  # city, state, postal code: the part of the address premises are not keyed on
    location_details: str | None = None  # building, floor, landmark, the sender's location remarks
