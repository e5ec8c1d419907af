"""NENA Emergency Incident Data Object (EIDO, NENA-STA-021) JSON into a ``CallIn``.

Two layouts of the published schema (github.com/NENA911/EIDO-JSON) are read:

* current (STA-021.1): the incident id is the document's ``$id``; components
  ``incidentComponent``, ``callComponent[]``, ``callbackComponent[]``,
  ``locationComponent[]``, ``personComponent[]``, ``notesComponent[]``,
  ``cautionComponent[]``;
* the 2020 draft: ``incidentTrackingIdentifier``, ``EIDOVersion``,
  ``locationInformationComponent[]``, ``personInformationComponent[]``, and
  call-back URLs on the call component.

Only what the schema marks required is checked (eido_required.yaml): a missing
one is E088 naming the JSON path. Locations are PIDF-LO XML (store/pidflo.py).
Field names are matched without regard to case, as drafts and senders differ
in capitals ("LastUpdateTimeStamp"). Times keep their UTC offset, or lack of
one: a naive time is the agency's local time, interpreted elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from functools import cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from deescalate.briefing.call import CallIn, CautionIn, NoteIn, PersonIn
from deescalate.datafile import parse_yaml, validate
from deescalate.errors import Code, InputError
from deescalate.store.models import PersonRole
from deescalate.store.pidflo import Location, parse_pidflo

CURRENT = "current"
DRAFT_2020 = "draft-2020"
_INCIDENT_URN = "urn:emergency:uid:incidentid:"


class Required(BaseModel):
    model_config = ConfigDict(extra="forbid")
    document: tuple[str, ...]
    prologue: tuple[str, ...]
    components: dict[str, tuple[str, ...]]


class RequiredTable(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    current: Required
    draft_2020: Required = Field(alias=DRAFT_2020)

    def of(self, layout: str) -> Required:
        return self.current if layout == CURRENT else self.draft_2020


@cache
def required_fields() -> RequiredTable:
    name = "eido_required.yaml"
    text = resources.files(__package__).joinpath(name).read_text("utf-8")
    return validate(RequiredTable, parse_yaml(text, file=name, code=Code.E040), file=name, code=Code.E040)


# Names that only the 2020 draft uses; the current layout has none of them (nor "reasonForIssue...",
# dropped in 2021). Its "EIDOVersion" is no marker: names are matched without case, and it is "eidoVersion".
_DRAFT_MARKERS = (
    "incidentTrackingIdentifier",
    "reasonForIssueRegistryText",
    "locationInformationComponent",
    "personInformationComponent",
)
_EIDO_MARKERS = ("eidoVersion", *_DRAFT_MARKERS)


def looks_like_eido(data: dict[str, Any]) -> bool:
    """True for a document in either EIDO layout: a version field, a draft marker, or any ``...Component``."""
    keys = {k.casefold() for k in data}
    return any(m.casefold() in keys for m in _EIDO_MARKERS) or any(k.endswith("component") for k in keys)


def layout_of(data: dict[str, Any]) -> str:
    keys = {k.casefold() for k in data}
    return DRAFT_2020 if any(m.casefold() in keys for m in _DRAFT_MARKERS) else CURRENT


def read_eido(data: dict[str, Any], *, file: str) -> CallIn:
    """The call in an EIDO document; E088 for a missing required field, E089 for a location that is not PIDF-LO."""
    return _Reader(data, file, layout_of(data)).call()


# --------------------------------------------------------------------------- small readers


def get(obj: dict[str, Any], key: str) -> Any:
    """obj[key], else the value under the same name in other capitals, else None."""
    if key in obj:
        return obj[key]
    folded = key.casefold()
    return next((v for k, v in obj.items() if k.casefold() == folded), None)


def _ref(value: Any) -> str | None:
    if isinstance(value, dict):
        value = get(value, "$ref")
    return value if isinstance(value, str) and value else None


def _refs(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [r for r in map(_ref, items) if r]


def _plain(value: Any) -> str | None:
    """The text of a string, a number, a NIEM ``{"value": ...}`` or the first of a list of those."""
    if isinstance(value, list):
        return next((t for t in map(_plain, value) if t), None)
    if isinstance(value, dict):
        value = get(value, "value")
    if isinstance(value, bool) or value is None:
        return None
    text = str(value) if isinstance(value, str | int | float) else None
    return text if text and text.strip() else None


def _niem_date(value: Any) -> str | None:
    """The first date or time in a NIEM DateType (``{"date": [{"value": ...}]}``, ``time``, ``zuluTime``), or text."""
    if isinstance(value, list):
        return next((t for t in map(_niem_date, value) if t), None)
    if isinstance(value, dict):
        for key in ("time", "zuluTime", "dateTime", "date", "value"):
            found = _niem_date(get(value, key))
            if found:
                return found
        return None
    return _plain(value)


def _texts(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [t for t in map(_plain, items) if t]


_ROLE_WORDS = (
    ("caller", PersonRole.caller),
    ("complainant", PersonRole.caller),
    ("reporting", PersonRole.caller),
    ("informant", PersonRole.caller),
    ("subject", PersonRole.subject),
    ("suspect", PersonRole.subject),
    ("offender", PersonRole.subject),
    ("victim", PersonRole.victim),
    ("patient", PersonRole.victim),
    ("witness", PersonRole.witness),
)


def person_role(text: Any) -> str:
    """Our role for a sender's role word(s) ("Caller", ["Suspect"], "Reporting Party"); "other" when none fits."""
    for item in text if isinstance(text, list) else [text]:
        if not isinstance(item, str):
            continue
        low = item.casefold()
        for word, role in _ROLE_WORDS:
            if word in low:
                return role.value
    return PersonRole.other.value


_PHONE = re.compile(r"\+?[\d().\- ]{3,}")


def callback_number(uri: str) -> str:
    """'tel:+1-302-555-0000;ext=2' -> '+1-302-555-0000'; 'sip:8195551212@osp.com' -> '8195551212'.

    A SIP URI whose user part is not a number stays whole: it is still how to call back.
    """
    uri = uri.strip()
    scheme, colon, rest = uri.partition(":")
    scheme = scheme.casefold()
    if colon and scheme == "tel":
        return rest.split(";")[0].strip() or uri
    if colon and scheme in ("sip", "sips"):
        user = rest.split("@")[0].split(";")[0]
        return user if "@" in rest and _PHONE.fullmatch(user) else uri
    return uri


# --------------------------------------------------------------------------- the reader


class _Reader:
    def __init__(self, data: dict[str, Any], file: str, layout: str) -> None:
        self.data, self.file, self.layout = data, file, layout
        self.required = required_fields().of(layout)

    # -- checks

    def missing(self, where: str, problem: str) -> InputError:
        return InputError(Code.E088, problem, file=self.file, where=where)

    def check(self, obj: dict[str, Any], fields: tuple[str, ...], where: str) -> None:
        for dotted in fields:
            value: Any = obj
            path = where
            for part in dotted.split("."):
                path = f"{path}.{part}" if path else part
                value = get(value, part) if isinstance(value, dict) else None
                if value is None:
                    raise self.missing(path, f"{path} is missing; the NENA EIDO standard ({self.layout}) requires it")

    def components(self, key: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """(JSON path, component) for each component under KEY, checked for its required fields."""
        value = get(self.data, key)
        if value is None:
            return
        if not isinstance(value, dict | list):
            raise InputError(Code.E011, f"{key} must be an object or a list of objects", file=self.file, where=key)
        items = [(key, value)] if isinstance(value, dict) else [(f"{key}[{i}]", v) for i, v in enumerate(value)]
        fields = self.required.prologue + self.required.components.get(key, ())
        for where, item in items:
            if not isinstance(item, dict):
                raise InputError(Code.E011, f"{where} must be an object", file=self.file, where=where)
            self.check(item, fields, where)
            yield where, item

    def time(self, value: Any, where: str) -> datetime:
        text = _niem_date(value)
        try:
            if text is not None:
                return datetime.fromisoformat(text.strip())
        except ValueError:
            pass
        raise InputError(Code.E021, f"bad timestamp {value!r}", file=self.file, where=where)

    # -- the call

    def call(self) -> CallIn:
        self.check(self.data, self.required.document, "")
        for key in self.required.components:  # every listed component is checked, read or not
            for _ in self.components(key):
                pass
        draft = self.layout == DRAFT_2020
        incident_id = _plain(get(self.data, "incidentTrackingIdentifier" if draft else "$id"))
        if incident_id is None:
            where = "incidentTrackingIdentifier" if draft else "$id"
            raise self.missing(where, f"{where} (the incident id) is empty")
        incident = next((c for _, c in self.components("incidentComponent")), {})
        number = _plain(get(incident, "internalIncidentId")) or incident_id.removeprefix(_INCIDENT_URN)

        callbacks_by_id, callbacks = self.callbacks()
        calls = list(self.components("callComponent"))
        received = self.received_at(calls, incident)
        caller_refs = [r for _, c in calls for r in _refs(get(c, "callBackReference"))]
        persons, caller_phone_ref = self.persons(callbacks_by_id)
        first_numbers = [n for r in [*caller_refs, *caller_phone_ref] for n in callbacks_by_id.get(r, [])]
        ordered = list(dict.fromkeys([*first_numbers, *callbacks]))
        caller = next((p for p in persons if p.role == PersonRole.caller.value), None)
        if caller is not None and caller.phone is None and ordered:
            caller.phone = ordered[0]
        location, details = self.location(incident)
        priority = _plain(get(incident, "incidentPriorityInternalText")) or _plain(
            get(incident, "incidentCommonPriorityNumber")
        )
        return CallIn(
            number=number,
            received_at=received,
            type_code=_plain(get(incident, "incidentTypeInternalCode")),
            type_text=_plain(get(incident, "incidentTypeInternalText"))
            or _plain(get(incident, "incidentTypeCommonRegistryText")),
            priority=priority,
            address=location.street_line if location else None,
            latitude=location.latitude if location else None,
            longitude=location.longitude if location else None,
            caller_name=caller.name if caller is not None and (caller.first_name or caller.last_name) else None,
            caller_phone=ordered[0] if ordered else None,
            persons=persons,
            notes=self.notes(),
            incident_id=incident_id,
            updated_at=self.time(get(self.data, "lastUpdateTimeStamp"), "lastUpdateTimeStamp"),
            callbacks=ordered,
            cautions=self.cautions(),
            locality=location.locality if location else None,
            location_details=details,
        )

    def received_at(self, calls: list[tuple[str, dict[str, Any]]], incident: dict[str, Any]) -> datetime:
        """The earliest call start; else the incident's, else the document's last update."""
        starts = []
        for where, c in calls:
            for key in ("callStartTimestamp", "activityDateRange"):
                value = get(c, key)
                if key == "activityDateRange" and isinstance(value, dict):
                    key, value = f"{key}.startDate", get(value, "startDate")
                if value is not None:
                    starts.append(self.time(value, f"{where}.{key}"))
                    break
        if starts:
            return min(starts, key=_sortable)
        if get(incident, "lastUpdateTimeStamp") is not None:
            return self.time(get(incident, "lastUpdateTimeStamp"), "incidentComponent.lastUpdateTimeStamp")
        return self.time(get(self.data, "lastUpdateTimeStamp"), "lastUpdateTimeStamp")

    def callbacks(self) -> tuple[dict[str, list[str]], list[str]]:
        """Call-back numbers by callback component id, and all of them in document order."""
        by_id: dict[str, list[str]] = {}
        every: list[str] = []
        for _, c in self.components("callbackComponent"):
            numbers = [callback_number(u) for u in _texts(get(c, "callBackInformationUri"))]
            updated = get(c, "updatedCbn")
            if isinstance(updated, dict):
                numbers += [callback_number(u) for u in _texts(get(updated, "updatedCbnIdentifierUri"))]
            by_id[str(get(c, "$id"))] = numbers
            every += numbers
        for _, c in self.components("callComponent"):  # the 2020 draft keeps them on the call
            uris = _texts(get(c, "callerCallBackInformationURL")) + _texts(get(c, "deviceCallBackInformationURL"))
            updated = get(c, "updatedCBN")
            for u in updated if isinstance(updated, list) else [updated]:  # a list of objects, or one
                if isinstance(u, dict):
                    uris += _texts(get(u, "updatedCBNIdentifierURI"))
            every += [callback_number(u) for u in uris]
        return by_id, list(dict.fromkeys(every))

    def persons(self, callbacks_by_id: dict[str, list[str]]) -> tuple[list[PersonIn], list[str]]:
        """The persons, and the callback references of the callers among them."""
        key = "personInformationComponent" if self.layout == DRAFT_2020 else "personComponent"
        out: list[PersonIn] = []
        caller_refs: list[str] = []
        for where, p in self.components(key):
            niem = get(p, "ncPersonComponent")
            niem = niem if isinstance(niem, dict) else {}
            first, last = self.name(niem)
            born = _niem_date(get(niem, "birthDate"))
            roles = get(p, "personIncidentRoleRegistryText")
            refs = _refs(get(p, "callBackReference"))
            role = person_role(roles)
            if role == PersonRole.caller.value:
                caller_refs += refs
            phone = next((n for r in refs for n in callbacks_by_id.get(r, [])), None)
            words = ", ".join(_texts(roles))
            out.append(
                PersonIn(
                    first_name=first,
                    last_name=last,
                    date_of_birth=None if born is None else self.date(born, f"{where}.ncPersonComponent.birthDate"),
                    role=role,
                    phone=phone,
                    description=f"role: {words}" if words else None,
                )
            )
        return out, caller_refs

    def name(self, niem: dict[str, Any]) -> tuple[str | None, str | None]:
        names = get(niem, "name")
        first_name = (names[0] if names else None) if isinstance(names, list) else names
        if not isinstance(first_name, dict):
            return None, None
        given = _plain(get(first_name, "personGivenName"))
        sur = _plain(get(first_name, "personSurName"))
        if given or sur:
            return given, sur
        full = _plain(get(first_name, "personFullName"))
        if not full:
            return None, None
        head, _, tail = full.strip().rpartition(" ")
        return (head or None), tail

    def date(self, text: str, where: str) -> date:
        try:
            return date.fromisoformat(text.strip()[:10])
        except ValueError:
            raise InputError(Code.E021, f"bad date {text!r}", file=self.file, where=where) from None

    def location(self, incident: dict[str, Any]) -> tuple[Location | None, str | None]:
        """The incident's location: those the incident names first, then 'incident', then 'caller' types."""
        key = "locationInformationComponent" if self.layout == DRAFT_2020 else "locationComponent"
        named = _refs(get(incident, "locationReference"))
        found: list[tuple[tuple[int, int], Location, str | None]] = []
        for i, (where, loc) in enumerate(self.components(key)):
            xml = get(loc, "locationByValue")
            if xml is None:
                continue  # by reference only: nothing to read here
            if not isinstance(xml, str):
                raise InputError(Code.E089, "locationByValue must be PIDF-LO XML text", file=self.file, where=where)
            parsed = parse_pidflo(xml, file=self.file, where=f"{where}.locationByValue")
            kind = str(get(loc, "locationTypeDescriptionRegistryText") or "").casefold()
            rank = 0 if get(loc, "$id") in named else 1 if "incident" in kind else 2 if "caller" in kind else 3
            found.append(((rank, i), parsed, _plain(get(loc, "locationDescriptionText"))))
        if not found:
            return None, None
        found.sort(key=lambda f: f[0])
        civic = next((f for f in found if f[1].street_line), found[0])
        point = next((f[1] for f in found if f[1].latitude is not None), None)
        best = Location(
            civic=civic[1].civic,
            latitude=point.latitude if point else None,
            longitude=point.longitude if point else None,
        )
        details = "; ".join(d for d in (best.details, civic[2]) if d) or None
        return best, details

    def notes(self) -> list[NoteIn]:
        out = []
        for where, n in self.components("notesComponent"):
            text = get(n, "notesActionComments")
            if not isinstance(text, str):
                raise InputError(Code.E011, f"{where}.notesActionComments must be text", file=self.file, where=where)
            author = _ref(get(n, "agentReference")) or _ref(get(n, "updatedByAgentReference"))
            at = self.time(get(n, "lastUpdateTimeStamp"), f"{where}.lastUpdateTimeStamp")
            out.append(NoteIn(text=text, at=at, author=author))  # verbatim: nothing trimmed or reworded
        return out

    def cautions(self) -> list[CautionIn]:
        out = []
        for _, c in self.components("cautionComponent"):
            kinds = [_plain(get(c, "cautionTypeCommonRegistryText"))]
            kinds += _texts(get(c, "cautionTypeCommonSubRegistryText"))
            out.append(
                CautionIn(
                    kind=" / ".join(k for k in kinds if k) or "caution",
                    text=_plain(get(c, "cautionTypeInternalText")) or "",
                    source=_plain(get(c, "cautionSource")),
                    severity=_plain(get(c, "cautionSeverity")),
                )
            )
        return out


def _sortable(t: datetime) -> float:
    """Order aware and naive times together (a naive one as if UTC, for ordering only; it stays naive)."""
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).timestamp()
