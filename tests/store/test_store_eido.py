"""NENA EIDO documents into calls: the three layouts, required fields (E088), PIDF-LO (E089), repeated messages.

Fixtures in tests/data/eido follow NENA's published layouts (see the README there).
Tests that touch a database run on SQLite and, when a server answers, PostgreSQL.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from deescalate.errors import Code, InputError
from deescalate.store.eido import callback_number, layout_of, read_eido
from deescalate.store.importers import read_call_file, store_message
from deescalate.store.models import Call, CallPerson
from deescalate.store.pidflo import parse_pidflo

DATA = Path(__file__).parent.parent / "data" / "eido"
SAMPLE, CURRENT, DRAFT = DATA / "nena_sample_layout.json", DATA / "current_layout.json", DATA / "draft_2020.json"


def _doc(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


def _write(tmp_path: Path, doc: dict[str, Any], name: str = "eido.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the three layouts


def test_eido_nena_sample_layout_reads() -> None:
    call = read_call_file(SAMPLE)
    assert call.incident_id == "urn:emergency:uid:incidentid:7f3c2a91e04:psap.kent.de.us"
    assert call.number == "7f3c2a91e04:psap.kent.de.us"  # no internal CAD number: the URN without its prefix
    assert call.received_at == datetime(2024, 5, 14, 21, 4, 10, tzinfo=timezone(timedelta(hours=-4)))
    assert call.updated_at == datetime(2024, 5, 15, 1, 7, 30, tzinfo=UTC)
    assert call.address == "120 N Governors Avenue" and call.locality == "Dover, DE 19904, US"
    assert call.latitude is None  # civic only
    # sip:3025550187@... and tel:3025550187 are one number
    assert call.callbacks == ["3025550187"] and call.caller_phone == "3025550187"
    assert [(p.name, p.role, p.phone) for p in call.persons] == [("Alma Brandt", "caller", "3025550187")]
    assert call.caller_name == "Alma Brandt"
    note = call.notes[0]
    assert note.text == "CLR STATES HER SON IS OFF HIS MEDS, LOCKED IN THE GARAGE.  SAYS HE HAS A KNIFE"
    assert note.author == "mlopez.ct@psap.kent.de.us" and note.at is not None and note.at.minute == 5
    assert [(c.kind, c.text, c.severity) for c in call.cautions] == [
        ("Weapons", "Son has a knife in the garage", "high")
    ]


def test_eido_current_layout_reads() -> None:
    call = read_call_file(CURRENT)
    assert call.number == "24-031877"  # internalIncidentId
    assert call.incident_id == "urn:emergency:uid:incidentid:0b77c1d2e3:psap.orleans.la.us"
    assert (call.type_code, call.type_text, call.priority) == ("103M", "MENTAL PATIENT", "2A")
    # the incident's location (named by the incident component), not the caller's GPS fix
    assert call.address == "418 Garland Avenue Apt 3C"
    assert (call.latitude, call.longitude) == (29.9702, -90.0913)
    assert call.location_details == "floor 3; rear stairs, blue door; two-storey fourplex"
    assert call.callbacks == ["+1-504-555-0142", "+1-504-555-0199"]  # the call-back, then the updated one
    people = [(p.name, p.role, p.date_of_birth) for p in call.persons]
    assert people == [("Dana Whitfield", "caller", None), ("Marcus Reyes", "subject", date(1991, 7, 2))]
    assert call.notes[1].text == "units advised, CIT requested  "  # verbatim, trailing blanks kept
    assert [c.kind for c in call.cautions] == ["Animal", "OfficerSafety", "Weapons / Firearm", "MedicalCondition"]
    assert call.cautions[2].source == "per-caller"


def test_eido_draft_2020_reads_and_keeps_naive_times_naive() -> None:
    assert layout_of(_doc(DRAFT)) == "draft-2020"
    raw = read_eido(_doc(DRAFT), file=str(DRAFT))
    assert raw.received_at == datetime(2020, 10, 29, 18, 39, 50)  # activityDateRange start, no offset
    assert raw.received_at.tzinfo is None and raw.updated_at is not None and raw.updated_at.tzinfo is None
    call = read_call_file(DRAFT)  # the call file is read in the agency's zone (UTC unless set)
    assert call.received_at == datetime(2020, 10, 29, 18, 39, 50, tzinfo=UTC)
    assert call.incident_id == "urn:emergency:uid:incidentid:4471:psap.allegheny.pa.us"
    assert call.address == "2215 Sarah Street" and (call.latitude, call.longitude) == (40.4282, -79.9731)
    assert call.callbacks == ["+14125550163", "+14125550177"]
    assert [(p.name, p.role) for p in call.persons] == [("Ruth Kaminski", "caller"), ("Walter Price", "other")]
    assert call.notes[0].text.startswith("Neighbour has not seen Mr. Price in 3 days")
    assert call.cautions == []  # the 2020 draft has no caution component


def test_eido_optional_parts_absent_are_fine(tmp_path: Path) -> None:
    doc = _doc(SAMPLE)
    for key in ("callComponent", "callbackComponent", "locationComponent", "personComponent"):
        del doc[key]
    for key in ("notesComponent", "cautionComponent", "additionalDataComponent", "agentComponent", "@context"):
        del doc[key]
    call = read_call_file(_write(tmp_path, doc))
    assert call.address is None and call.persons == [] and call.callbacks == [] and call.cautions == []
    assert call.received_at == call.updated_at  # nothing else says when: the document's own time


# --------------------------------------------------------------------------- near misses


def _without(path: Path, *keys: str | int) -> dict[str, Any]:
    doc = _doc(path)
    target: Any = doc
    for key in keys[:-1]:
        target = target[key]
    del target[keys[-1]]
    return doc


def _with(path: Path, value: Any, *keys: str | int) -> dict[str, Any]:
    doc = _doc(path)
    target: Any = doc
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value
    return doc


@dataclass
class Bad:
    doc: dict[str, Any]
    code: Code
    where: str


BAD = {
    "current: no $id": Bad(_without(SAMPLE, "$id"), Code.E088, "$id"),
    "current: no agency component": Bad(_without(SAMPLE, "agencyComponent"), Code.E088, "agencyComponent"),
    "current: agency ref without $ref": Bad(
        _with(SAMPLE, {}, "updatedByAgencyReference"), Code.E088, "updatedByAgencyReference.$ref"
    ),
    "current: note without its text": Bad(
        _without(SAMPLE, "notesComponent", 0, "notesActionComments"), Code.E088, "notesComponent[0].notesActionComments"
    ),
    "current: call without start": Bad(
        _without(CURRENT, "callComponent", 0, "callStartTimestamp"), Code.E088, "callComponent[0].callStartTimestamp"
    ),
    "current: person without role": Bad(
        _without(CURRENT, "personComponent", 1, "personIncidentRoleRegistryText"),
        Code.E088,
        "personComponent[1].personIncidentRoleRegistryText",
    ),
    "current: caution without severity": Bad(
        _without(CURRENT, "cautionComponent", 3, "cautionSeverity"), Code.E088, "cautionComponent[3].cautionSeverity"
    ),
    "current: incident without type": Bad(
        _without(CURRENT, "incidentComponent", "incidentTypeCommonRegistryText"),
        Code.E088,
        "incidentComponent.incidentTypeCommonRegistryText",
    ),
    "current: component prologue": Bad(
        _without(CURRENT, "locationComponent", 1, "lastUpdateTimeStamp"),
        Code.E088,
        "locationComponent[1].lastUpdateTimeStamp",
    ),
    "draft: no tracking id": Bad(
        _without(DRAFT, "incidentTrackingIdentifier"), Code.E088, "incidentTrackingIdentifier"
    ),
    "draft: call without call-back URL": Bad(
        _without(DRAFT, "callComponent", 0, "deviceCallBackInformationURL"),
        Code.E088,
        "callComponent[0].deviceCallBackInformationURL",
    ),
    "current: broken PIDF-LO": Bad(
        _with(SAMPLE, "<presence><unclosed></presence>", "locationComponent", 0, "locationByValue"),
        Code.E089,
        "locationComponent[0].locationByValue",
    ),
    "current: PIDF-LO not presence": Bad(
        _with(CURRENT, "<civicAddress/>", "locationComponent", 0, "locationByValue"),
        Code.E089,
        "locationComponent[0].locationByValue",
    ),
    "draft: undeclared prefix (as NENA's 2020 sample)": Bad(
        _with(
            DRAFT,
            "<presence xmlns='urn:ietf:params:xml:ns:pidf'><gs:Ellipsoid/></presence>",
            "locationInformationComponent",
            0,
            "locationByValue",
        ),
        Code.E089,
        "locationInformationComponent[0].locationByValue",
    ),
    "current: bad timestamp": Bad(
        _with(SAMPLE, "half past nine", "lastUpdateTimeStamp"), Code.E021, "lastUpdateTimeStamp"
    ),
}


@pytest.mark.parametrize("case", BAD.values(), ids=BAD.keys())
def test_eido_near_misses_one_line_error(tmp_path: Path, case: Bad) -> None:
    path = _write(tmp_path, case.doc, "bad-eido.json")
    with pytest.raises(InputError) as caught:
        read_call_file(path)
    message = caught.value.one_line()
    assert caught.value.code is case.code, message
    assert caught.value.where == case.where, message
    assert "\n" not in message and str(path) in message and case.where in message


POINTS = {
    "point": ("<gml:Point><gml:pos>29.97 -90.09</gml:pos></gml:Point>", (29.97, -90.09)),
    "circle centre": (
        "<gs:Circle xmlns:gs='http://www.opengis.net/pidflo/1.0'><gml:pos>1 2</gml:pos></gs:Circle>",
        (1, 2),
    ),
    "no position": ("", (None, None)),
}


@pytest.mark.parametrize(("body", "expected"), POINTS.values(), ids=POINTS.keys())
def test_eido_pidflo_positions(body: str, expected: tuple[float | None, float | None]) -> None:
    xml = (
        "<presence xmlns='urn:ietf:params:xml:ns:pidf' xmlns:gml='http://www.opengis.net/gml'>"
        f"<tuple><status><geopriv><location-info>{body}</location-info></geopriv></status></tuple></presence>"
    )
    location = parse_pidflo(xml, file="f.json", where="locationComponent[0].locationByValue")
    assert (location.latitude, location.longitude) == expected


BAD_POSITIONS = {
    "one number": "<gml:pos>29.97</gml:pos>",
    "latitude past the pole": "<gml:pos>91 10</gml:pos>",
    "words": "<gml:pos>north west</gml:pos>",
    "entity declaration": None,
}


@pytest.mark.parametrize("pos", BAD_POSITIONS.values(), ids=BAD_POSITIONS.keys())
def test_eido_pidflo_bad_positions_are_e089(pos: str | None) -> None:
    xml = (
        "<!DOCTYPE presence [<!ENTITY x 'y'>]><presence/>"
        if pos is None
        else f"<presence xmlns='urn:ietf:params:xml:ns:pidf' xmlns:gml='http://www.opengis.net/gml'>{pos}</presence>"
    )
    with pytest.raises(InputError) as caught:
        parse_pidflo(xml, file="f.json", where="locationComponent[2].locationByValue")
    assert caught.value.code is Code.E089 and caught.value.where == "locationComponent[2].locationByValue"


CALLBACKS = {
    "tel": ("tel:+1-302-555-0000", "+1-302-555-0000"),
    "tel with parameters": ("tel:7042;phone-context=example.com", "7042"),
    "sip with a number": ("sip:8195551212@osp.com", "8195551212"),
    "sip user=phone": ("sip:+18195551212;user=phone@osp.com", "+18195551212"),
    "sip with a name stays whole": ("sip:alice@atlanta.example.com", "sip:alice@atlanta.example.com"),
    "no scheme": ("504-555-0142", "504-555-0142"),
}


@pytest.mark.parametrize(("uri", "number"), CALLBACKS.values(), ids=CALLBACKS.keys())
def test_eido_callback_numbers(uri: str, number: str) -> None:
    assert callback_number(uri) == number


# --------------------------------------------------------------------------- repeated messages


def _later(doc: dict[str, Any], minutes: int, note: str | None = None) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    stamp = datetime.fromisoformat(out["lastUpdateTimeStamp"]) + timedelta(minutes=minutes)
    out["lastUpdateTimeStamp"] = stamp.isoformat()
    if note is not None:
        extra = copy.deepcopy(out["notesComponent"][-1])
        extra.update({"$id": f"note-{minutes}", "lastUpdateTimeStamp": stamp.isoformat(), "notesActionComments": note})
        out["notesComponent"].append(extra)
    return out


def test_eido_repeated_messages_update_one_call(tmp_path: Path, factory: sessionmaker[Session]) -> None:
    first = _doc(CURRENT)
    second = _later(first, 3, "RP now says he put the object down. ")
    with factory.begin() as session:
        a = store_message(session, call=read_call_file(_write(tmp_path, first, "1.json")), source="1.json")
        b = store_message(session, call=read_call_file(_write(tmp_path, second, "2.json")), source="2.json")
        again = store_message(session, call=read_call_file(_write(tmp_path, second, "2.json")), source="2.json")
    assert (a.outcome, a.notes_added) == ("created", 2)
    assert (b.outcome, b.notes_added) == ("updated", 1)
    assert (again.outcome, again.notes_added) == ("updated", 0)  # the same message twice adds nothing
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Call)) == 1
        row = session.scalars(select(Call)).one()
        assert row.incident_id == "urn:emergency:uid:incidentid:0b77c1d2e3:psap.orleans.la.us"
        assert [n["text"] for n in row.notes or []] == [
            first["notesComponent"][0]["notesActionComments"],
            "units advised, CIT requested  ",
            "RP now says he put the object down. ",
        ]
        assert row.updated_at is not None and row.updated_at.replace(tzinfo=UTC) == datetime(
            2024, 3, 19, 2, 9, tzinfo=UTC
        )
        assert row.source == "2.json"
        assert session.scalar(select(func.count()).select_from(CallPerson)) == 2  # persons linked once


def test_eido_older_message_is_ignored_and_says_so(tmp_path: Path, factory: sessionmaker[Session]) -> None:
    newer = _later(_doc(CURRENT), 10, "newest note")
    older = _with(CURRENT, "21:04 type changed", "incidentComponent", "incidentTypeInternalText")
    with factory.begin() as session:
        store_message(session, call=read_call_file(_write(tmp_path, newer, "new.json")), source="new.json")
        result = store_message(session, call=read_call_file(_write(tmp_path, older, "old.json")), source="old.json")
    assert result.outcome == "ignored"
    assert "older" in result.message and "24-031877" in result.message
    with factory() as session:
        row = session.scalars(select(Call)).one()
        assert row.type_text == "MENTAL PATIENT" and row.source == "new.json"
        assert [n["text"] for n in row.notes or []][-1] == "newest note"


def test_eido_same_time_is_not_older(tmp_path: Path, factory: sessionmaker[Session]) -> None:
    doc = _doc(SAMPLE)
    with factory.begin() as session:
        store_message(session, call=read_call_file(_write(tmp_path, doc)), source="a")
        result = store_message(session, call=read_call_file(_write(tmp_path, doc)), source="b")
    assert result.outcome == "updated"


# --------------------------------------------------------------------------- migration 0002


def test_eido_migration_keeps_stored_calls_and_their_people(db_url: str) -> None:
    from sqlalchemy import inspect, text

    from deescalate.store.db import make_engine, upgrade

    engine = make_engine(db_url)
    try:
        upgrade(engine, "0001")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO persons (id, last_name) VALUES (1, 'Reyes')"))
            conn.execute(text("INSERT INTO calls (id, number, received_at) VALUES (1, '24-1', '2024-01-01 00:00:00')"))
            conn.execute(text("INSERT INTO call_persons (call_id, person_id, role) VALUES (1, 1, 'subject')"))
        upgrade(engine)
        columns = {c["name"] for c in inspect(engine).get_columns("calls")}
        assert {"incident_id", "updated_at", "notes"} <= columns
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM call_persons")).scalar() == 1  # no cascade on the way
            assert conn.execute(text("SELECT number FROM calls")).scalars().all() == ["24-1"]
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO calls (id, number, received_at, incident_id) VALUES (2, 'a', '2024-01-01', 'x')")
            )
        with pytest.raises(Exception, match="(?i)unique"), engine.begin() as conn:
            conn.execute(
                text("INSERT INTO calls (id, number, received_at, incident_id) VALUES (3, 'b', '2024-01-01', 'x')")
            )
        from alembic import command

        from deescalate.store.db import alembic_config

        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0001")
        assert "incident_id" not in {c["name"] for c in inspect(engine).get_columns("calls")}
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM call_persons")).scalar() == 1
    finally:
        engine.dispose()
