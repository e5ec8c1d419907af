"""Call files (simple call JSON; EIDO is tests/store/test_store_eido.py), storing a call, CSV bulk import, flag status.

Tests that touch a database run on SQLite and, when a server answers, PostgreSQL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from deescalate.errors import Code, InputError
from deescalate.store.importers import import_csv, read_call_file, store_call
from deescalate.store.models import Call, CallPerson, Flag, FlagCategory, Person, Premise

CALLER_WORDS = "He's waving something around, probably a toy gun but I don't know.  He's yelling at the mailbox!"

SIMPLE: dict[str, Any] = {
    "number": "24-031877",
    "received_at": "2024-03-18T21:04:12-05:00",
    "type_code": "103M",
    "type_text": "MENTAL PATIENT",
    "priority": "2A",
    "address": "418 Garland Avenue Apt 3C",
    "latitude": 29.95,
    "longitude": -90.07,
    "narrative": CALLER_WORDS,
    "caller_name": "Dana Whitfield",
    "caller_phone": "504-555-0142",
    "caller_on_scene": False,
    "persons": [
        {"first_name": "Marcus", "last_name": "Reyes", "date_of_birth": "1991-07-02", "role": "subject"},
        {"first_name": "Dana", "last_name": "Whitfield", "role": "caller", "phone": "504-555-0142"},
    ],
    "notes": [{"text": CALLER_WORDS, "at": "2024-03-18T21:04:40-05:00", "author": "caller"}],
    "units": ["2A12", "2A14"],
}


def _write(tmp_path: Path, name: str, content: str | dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content, indent=2), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- call files


def test_importers_simple_json_round_trip(tmp_path: Path) -> None:
    call = read_call_file(_write(tmp_path, "call.json", SIMPLE))
    assert call.number == "24-031877"
    assert call.received_at == datetime(2024, 3, 19, 2, 4, 12, tzinfo=UTC)
    assert call.narrative == CALLER_WORDS  # verbatim, double space included
    assert "probably a toy gun" in call.narrative
    assert [(p.name, p.role) for p in call.persons] == [("Marcus Reyes", "subject"), ("Dana Whitfield", "caller")]
    assert call.persons[0].date_of_birth == date(1991, 7, 2)
    assert call.notes[0].author == "caller" and call.notes[0].text == CALLER_WORDS
    assert call.units == ["2A12", "2A14"] and call.caller_on_scene is False


def test_importers_simple_json_minimal_and_numeric_number(tmp_path: Path) -> None:
    call = read_call_file(_write(tmp_path, "min.json", {"number": 240001, "received_at": "2024-01-01T00:00:00Z"}))
    assert call.number == "240001" and call.persons == [] and call.narrative is None


@dataclass
class Bad:
    content: str | dict[str, Any]
    code: Code
    where: str | None  # the field (or place) the one-line error must name


BAD_CALL_FILES = {
    "not JSON": Bad('{"number": "1", ', Code.E010, "line 1 column 17"),
    "empty": Bad("", Code.E002, None),
    "JSON list": Bad("[1, 2]", Code.E081, None),
    "neither layout": Bad({"id": "1", "when": "2024-01-01"}, Code.E081, None),
    "simple: missing number": Bad({k: v for k, v in SIMPLE.items() if k != "number"}, Code.E082, "number"),
    "simple: blank number": Bad({**SIMPLE, "number": "  "}, Code.E082, "number"),
    "simple: missing time": Bad({k: v for k, v in SIMPLE.items() if k != "received_at"}, Code.E011, "received_at"),
    "simple: bad time": Bad({**SIMPLE, "received_at": "yesterday evening"}, Code.E021, "received_at"),
    "simple: bad birth date": Bad(
        {**SIMPLE, "persons": [{"last_name": "Reyes", "date_of_birth": "07/02/91"}]},
        Code.E021,
        "persons[0].date_of_birth",
    ),
    "simple: persons not a list": Bad({**SIMPLE, "persons": "Marcus"}, Code.E011, "persons"),
}


@pytest.mark.parametrize("case", BAD_CALL_FILES.values(), ids=BAD_CALL_FILES.keys())
def test_importers_malformed_call_file_one_line_error(tmp_path: Path, case: Bad) -> None:
    path = _write(tmp_path, "bad-call.json", case.content)
    with pytest.raises(InputError) as caught:
        read_call_file(path)
    message = caught.value.one_line()
    assert caught.value.code is case.code, message
    assert "\n" not in message
    assert str(path) in message  # names the file
    if case.where is not None:
        assert caught.value.where == case.where and case.where in message  # and the field


def test_importers_missing_call_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_call_file(tmp_path / "nope.json")
    assert caught.value.code is Code.E001 and "nope.json" in str(caught.value)


# --------------------------------------------------------------------------- storing a call


def test_importers_store_call_round_trip(tmp_path: Path, factory: sessionmaker[Session]) -> None:
    call = read_call_file(_write(tmp_path, "call.json", SIMPLE))
    with factory.begin() as session:
        stored = store_call(session, call, source="call.json")
        call_id = stored.id
    with factory() as session:
        row = session.get_one(Call, call_id)
        assert row.narrative == CALLER_WORDS
        assert row.received_at.replace(tzinfo=UTC) == datetime(2024, 3, 19, 2, 4, 12, tzinfo=UTC)
        assert row.premise is not None and row.premise.address == "418 GARLAND AVE #3C"
        assert row.units == "2A12, 2A14" and row.source == "call.json"
        links = sorted((link.person.name, link.role) for link in row.people)
        assert links == [("Dana Whitfield", "caller"), ("Marcus Reyes", "subject")]
        assert session.scalar(select(Person.phone).where(Person.last_name == "Whitfield")) == "504-555-0142"


def test_importers_store_call_reuses_premise_and_persons(tmp_path: Path, factory: sessionmaker[Session]) -> None:
    first = read_call_file(_write(tmp_path, "call.json", SIMPLE))
    later = first.model_copy(
        update={
            "number": "24-040112",
            "address": "418 GARLAND AVE #3C",  # written differently, same premise
            "persons": [first.persons[0].model_copy(update={"first_name": "MARCUS", "last_name": "reyes"})],
            "caller_name": "Lee Ortiz",
            "caller_phone": None,
        }
    )
    other = first.model_copy(
        update={"number": "24-040113", "persons": [first.persons[0].model_copy(update={"date_of_birth": None})]}
    )
    with factory.begin() as session:
        store_call(session, first, source="a")
        store_call(session, later, source="b")
        store_call(session, other, source="c")
        store_call(session, first, source="a again")  # same number: updated, not duplicated
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Premise)) == 1
        assert session.scalar(select(func.count()).select_from(Call)) == 3
        # Marcus Reyes b. 1991 matched across case; the same name without a birth date is someone else
        reyes = session.scalars(select(Person).where(func.lower(Person.last_name) == "reyes")).all()
        assert len(reyes) == 2
        born = next(p for p in reyes if p.date_of_birth is not None)
        assert sorted(session.scalars(select(Call.number).join(CallPerson).where(CallPerson.person_id == born.id))) == [
            "24-031877",
            "24-040112",
        ]
        assert session.scalar(select(Person).where(Person.last_name == "Ortiz")) is not None  # caller_name alone
        assert session.scalar(select(Call.source).where(Call.number == "24-031877")) == "a again"


# --------------------------------------------------------------------------- CSV import

NOPD_HEADER = (
    "NOPD_Item,Type_,TypeText,Priority,InitialType,InitialTypeText,InitialPriority,MapX,MapY,TimeCreate,"
    "TimeDispatch,TimeArrive,TimeClosed,Disposition,DispositionText,SelfInitiated,Beat,BLOCK_ADDRESS,Zip,"
    "PoliceDistrict,Location"
)


def _nopd(item: str, created: str, block: str = "004XX Bourbon St", location: str = "POINT (-90.0668 29.9577)") -> str:
    return (
        f"{item},103M,MENTAL PATIENT,2A,103,DISTURBANCE,2A,3681000,532000,{created},,,,RTF,REPORT TO FOLLOW,N,"
        f'8C02,"{block}",70130,8,{location}'
    )


SEATTLE_HEADER = (
    "CAD Event Number,Event Clearance Description,Call Type,Priority,Initial Call Type,Final Call Type,"
    "Original Time Queued,Arrived Time,Precinct,Sector,Beat,Blurred_Longitude,Blurred_Latitude"
)


def _csv(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _numbers(factory: sessionmaker[Session]) -> list[str]:
    with factory() as session:
        return sorted(session.scalars(select(Call.number)))


def test_importers_csv_new_orleans_detected(tmp_path: Path, engine: Engine, factory: sessionmaker[Session]) -> None:
    path = _csv(
        tmp_path,
        "nopd.csv",
        [
            NOPD_HEADER,
            _nopd("A0001-24", "01/15/2024 08:00:00 PM"),
            _nopd("A0002-24", "2024-01-16T09:30:00.000", block="004XX BOURBON ST"),
            _nopd("A0003-24", "01/16/2024 10:00:00 AM", block="012XX Magazine Street", location='"(29.93, -90.07)"'),
        ],
    )
    report = import_csv(engine, path, layout=None, mapping_file=None)
    assert report.layout == "new-orleans"
    assert (report.rows_read, report.rows_imported, report.rows_skipped, report.errors) == (3, 3, 0, [])
    with factory() as session:
        first = session.scalars(select(Call).where(Call.number == "A0001-24")).one()
        # local New Orleans time (CST) stored as UTC
        assert first.received_at.replace(tzinfo=UTC) == datetime(2024, 1, 16, 2, 0, tzinfo=UTC)
        assert (first.type_code, first.type_text, first.priority) == ("103M", "MENTAL PATIENT", "2A")
        assert first.disposition == "REPORT TO FOLLOW" and first.address == "004XX Bourbon St"
        assert (first.latitude, first.longitude) == (29.9577, -90.0668)
        assert first.premise is not None and first.premise.address == "004XX BOURBON ST"
        assert session.scalar(select(func.count()).select_from(Premise)) == 2  # two blocks
        third = session.scalars(select(Call).where(Call.number == "A0003-24")).one()
        assert (third.latitude, third.longitude) == (29.93, -90.07)


def test_importers_csv_seattle_detected(tmp_path: Path, engine: Engine, factory: sessionmaker[Session]) -> None:
    path = _csv(
        tmp_path,
        "spd.csv",
        [
            SEATTLE_HEADER,
            "2009000189,ASSISTANCE RENDERED,911,2,--DISTURBANCE - OTHER,--CRISIS COMPLAINT - GENERAL,"
            "06/02/2009 03:43:08 AM,06/02/2009 03:51:00 AM,WEST,D,D2,-122.336,47.617",
            '2009000190,"REPORT WRITTEN, NO ARREST",ONVIEW,3,"--SUSPICIOUS PERSON, VEHICLE OR INCIDENT",,'
            "2009-06-02T04:10:00,,NORTH,J,J1,-1,-1",
        ],
    )
    report = import_csv(engine, path, layout=None, mapping_file=None)
    assert report.layout == "seattle" and report.rows_imported == 2 and report.errors == []
    with factory() as session:
        first, second = session.scalars(select(Call).order_by(Call.number)).all()
        assert first.received_at.replace(tzinfo=UTC) == datetime(2009, 6, 2, 10, 43, 8, tzinfo=UTC)  # PDT
        assert first.type_text == "--CRISIS COMPLAINT - GENERAL" and first.priority == "2"
        assert first.disposition == "ASSISTANCE RENDERED" and (first.latitude, first.longitude) == (47.617, -122.336)
        assert first.premise_id is None  # Seattle publishes no address
        # final type empty: the initial one; -1/-1 is the portal's "redacted", not a place
        assert second.type_text == "--SUSPICIOUS PERSON, VEHICLE OR INCIDENT"[:120]
        assert second.latitude is None and second.longitude is None


def test_importers_csv_layout_named_explicitly(tmp_path: Path, engine: Engine) -> None:
    path = _csv(tmp_path, "nopd.csv", [NOPD_HEADER, _nopd("A1", "01/15/2024 08:00:00 PM")])
    assert import_csv(engine, path, layout="nola", mapping_file=None).rows_imported == 1
    with pytest.raises(InputError) as caught:
        import_csv(engine, path, layout="seattle", mapping_file=None)
    assert caught.value.code is Code.E083 and "CAD Event Number" in str(caught.value)
    with pytest.raises(InputError) as caught:
        import_csv(engine, path, layout="gotham", mapping_file=None)
    assert caught.value.code is Code.E083 and "new-orleans" in str(caught.value)


def test_importers_csv_unknown_header_needs_mapping(tmp_path: Path, engine: Engine) -> None:
    path = _csv(tmp_path, "other.csv", ["Incident,When,What", "1,2024-01-01T00:00:00,x"])
    with pytest.raises(InputError) as caught:
        import_csv(engine, path, layout=None, mapping_file=None)
    assert caught.value.code is Code.E083 and "other.csv" in str(caught.value) and "mapping" in str(caught.value)


MAPPING = """\
name: springfield
columns:
  number: Incident Number
  received_at: Call Received
  type_code: Code
  type_text: [Final Type, Initial Type]
  address: Block Address
  latitude: Lat
  longitude: Lon
  disposition: Outcome
time_format: "%d.%m.%Y %H:%M"
timezone: America/Denver
"""


def test_importers_csv_mapping_file(tmp_path: Path, engine: Engine, factory: sessionmaker[Session]) -> None:
    mapping = tmp_path / "springfield.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    path = _csv(
        tmp_path,
        "springfield.csv",
        [
            "Incident Number;Call Received;Code;Initial Type;Final Type;Block Address;Lat;Lon;Outcome".replace(
                ";", ","
            ),
            "SP-1,03.02.2024 14:30,415,DISTURBANCE,,100 Main Street,39.78,-104.9,ADVISED",
            "SP-2,2024-02-03T15:00:00+00:00,10-16,DOMESTIC,DOMESTIC ARMED,100 MAIN ST,,,ARREST",
        ],
    )
    report = import_csv(engine, path, layout=None, mapping_file=mapping)
    assert report.layout == "springfield" and report.rows_imported == 2 and report.errors == []
    with factory() as session:
        one, two = session.scalars(select(Call).order_by(Call.number)).all()
        assert one.received_at.replace(tzinfo=UTC) == datetime(2024, 2, 3, 21, 30, tzinfo=UTC)  # MST
        assert two.received_at.replace(tzinfo=UTC) == datetime(2024, 2, 3, 15, 0, tzinfo=UTC)
        assert (one.type_code, one.type_text, two.type_text) == ("415", "DISTURBANCE", "DOMESTIC ARMED")
        assert one.premise_id == two.premise_id is not None  # one premise, written two ways
        assert one.disposition == "ADVISED" and two.latitude is None


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ("columns: [a, b]", None),
        ("columns:\n  number: A\n", "columns"),  # received_at missing
        ("columns:\n  number: A\n  received_at: B\n  colour: C\n", "columns.colour"),
        ("columns:\n  number: A\n  received_at: B\ntimezone: Mars/Olympus\n", "timezone"),
        ("columns: {number: [", None),
    ],
    ids=["columns not a mapping", "required field", "unknown field", "unknown zone", "not YAML"],
)
def test_importers_csv_mapping_file_invalid(tmp_path: Path, engine: Engine, content: str, where: str | None) -> None:
    mapping = tmp_path / "bad.yaml"
    mapping.write_text(content, encoding="utf-8")
    path = _csv(tmp_path, "x.csv", ["A,B", "1,2024-01-01T00:00:00"])
    with pytest.raises(InputError) as caught:
        import_csv(engine, path, layout=None, mapping_file=mapping)
    assert caught.value.code is Code.E084 and "bad.yaml" in str(caught.value) and "\n" not in str(caught.value)
    assert caught.value.where == where


def test_importers_csv_mapping_names_missing_column(tmp_path: Path, engine: Engine) -> None:
    mapping = tmp_path / "map.yaml"
    mapping.write_text("columns:\n  number: Incident Number\n  received_at: Received\n", encoding="utf-8")
    path = _csv(tmp_path, "x.csv", ["Incident Number,When", "1,2024-01-01T00:00:00"])
    with pytest.raises(InputError) as caught:
        import_csv(engine, path, layout=None, mapping_file=mapping)
    assert caught.value.code is Code.E084 and "'Received'" in str(caught.value)


def test_importers_csv_bad_rows_reported_and_skipped(
    tmp_path: Path, engine: Engine, factory: sessionmaker[Session]
) -> None:
    lines = [
        NOPD_HEADER,  # line 1
        _nopd("A1", "01/15/2024 08:00:00 PM"),  # 2 good
        _nopd("", "01/15/2024 08:01:00 PM"),  # 3 missing number
        _nopd("A3", "the 15th in the evening"),  # 4 unparseable time
        "A4,103M,MENTAL PATIENT,2A",  # 5 wrong column count
        _nopd("A5", "01/15/2024 08:05:00 PM", block="100 Canal St\nrear entrance"),  # 6-7 good, two lines
        "",  # 8 blank: ignored
        _nopd("A6", "13/45/2024 08:06:00 PM"),  # 9 impossible date
        _nopd("A7", ""),  # 10 missing time
        _nopd("A8", "01/15/2024 08:08:00 PM"),  # 11 good
    ]
    path = _csv(tmp_path, "mixed.csv", lines)
    seen: list[int] = []
    report = import_csv(engine, path, layout=None, mapping_file=None, progress=seen.append, batch_size=2)
    assert [line for line, _ in report.errors] == [3, 4, 5, 9, 10]
    codes = [message.rsplit("[", 1)[1].rstrip("]") for _, message in report.errors]
    assert codes == ["E082", "E021", "E085", "E021", "E011"]
    assert "'the 15th in the evening'" in report.errors[1][1] and "TimeCreate" in report.errors[1][1]
    assert "has 4 columns; the header has 21" in report.errors[2][1]
    assert (report.rows_read, report.rows_imported, report.rows_skipped) == (8, 3, 5)
    assert _numbers(factory) == ["A1", "A5", "A8"]
    assert seen and seen[-1] == report.rows_read


def test_importers_csv_bad_row_never_loses_earlier_good_ones(
    tmp_path: Path, engine: Engine, factory: sessionmaker[Session]
) -> None:
    """A row the database itself refuses (here: a number taken meanwhile) costs only that row."""
    lines = [NOPD_HEADER] + [_nopd(f"B{i}", "01/15/2024 08:00:00 PM") for i in range(1, 8)]
    path = _csv(tmp_path, "batch.csv", lines)
    with factory.begin() as session:
        session.add(Call(number="B5", received_at=datetime(2024, 1, 1, tzinfo=UTC)))
    report = import_csv(engine, path, layout=None, mapping_file=None, batch_size=3)
    assert report.rows_imported == 6 and report.errors == [(6, "call number 'B5' is already stored [E086]")]
    assert _numbers(factory) == [f"B{i}" for i in range(1, 8)]


def test_importers_csv_duplicates_skipped_and_reported(
    tmp_path: Path, engine: Engine, factory: sessionmaker[Session]
) -> None:
    lines = [
        NOPD_HEADER,
        _nopd("C1", "01/15/2024 08:00:00 PM"),
        _nopd("C2", "01/15/2024 08:01:00 PM"),
        _nopd("C1", "01/15/2024 08:02:00 PM"),  # line 4: repeats line 2 (same batch)
        _nopd("C3", "01/15/2024 08:03:00 PM"),
        _nopd("C2", "01/15/2024 08:04:00 PM"),  # line 6: repeats line 3 (an earlier batch)
    ]
    path = _csv(tmp_path, "dupes.csv", lines)
    report = import_csv(engine, path, layout=None, mapping_file=None, batch_size=3)
    assert report.rows_imported == 3
    assert report.errors == [
        (4, "call number 'C1' repeats line 2 [E086]"),
        (6, "call number 'C2' is already stored [E086]"),
    ]
    again = import_csv(engine, path, layout=None, mapping_file=None)  # the whole file a second time
    assert again.rows_imported == 0 and again.rows_skipped == 5
    assert all("[E086]" in message for _, message in again.errors)
    assert _numbers(factory) == ["C1", "C2", "C3"]
    with factory() as session:  # the first row of a number wins
        assert session.scalar(select(Call.received_at).where(Call.number == "C1")).minute == 0  # type: ignore[union-attr]


def test_importers_csv_through_a_session(tmp_path: Path, factory: sessionmaker[Session]) -> None:
    path = _csv(tmp_path, "nopd.csv", [NOPD_HEADER, _nopd("D1", "01/15/2024 08:00:00 PM")])
    with factory() as session:
        report = import_csv(session, path, layout=None, mapping_file=None)
        assert report.rows_imported == 1
    assert _numbers(factory) == ["D1"]


def test_importers_csv_unreadable_file(tmp_path: Path, engine: Engine) -> None:
    with pytest.raises(InputError) as caught:
        import_csv(engine, tmp_path / "missing.csv", layout=None, mapping_file=None)
    assert caught.value.code is Code.E001
    empty = _csv(tmp_path, "empty.csv", [""])
    with pytest.raises(InputError) as caught:
        import_csv(engine, empty, layout=None, mapping_file=None)
    assert caught.value.code is Code.E002


def test_importers_csv_stops_at_non_utf8_bytes_keeping_earlier_rows(
    tmp_path: Path, engine: Engine, factory: sessionmaker[Session]
) -> None:
    path = tmp_path / "latin1.csv"
    good = _nopd("E1", "01/15/2024 08:00:00 PM")
    bad = _nopd("E2", "01/15/2024 08:01:00 PM", block="100 Avenue des Champs-\u00c9lys\u00e9es")
    path.write_bytes((NOPD_HEADER + "\n" + good + "\n").encode() + (bad + "\n").encode("latin-1") * 2000)
    report = import_csv(engine, path, layout=None, mapping_file=None)
    assert report.rows_imported == 1
    assert report.errors[-1][1].endswith("reading stopped here [E004]")
    assert _numbers(factory) == ["E1"]


# --------------------------------------------------------------------------- flags

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("expires_at", "review_at", "status"),
    [
        (None, None, "active"),
        (NOW + DAY, NOW + DAY, "active"),
        (NOW - DAY, None, "expired"),
        (NOW, None, "expired"),  # expires at this very moment
        (NOW - DAY, NOW - 2 * DAY, "expired"),  # expired wins over review
        (NOW + DAY, NOW - DAY, "review due"),
        (None, NOW, "review due"),
    ],
    ids=["no dates", "future", "expired", "expires now", "expired and review", "review due", "review now"],
)
def test_importers_flag_status(
    factory: sessionmaker[Session], expires_at: datetime | None, review_at: datetime | None, status: str
) -> None:
    flag = Flag(
        category=FlagCategory.weapon.value,
        text="Keeps a replica pistol in the glovebox (2023 call)",
        entered_by="Ofc. Landry #2211",
        entered_at=NOW - 30 * DAY,
        expires_at=expires_at,
        review_at=review_at,
    )
    assert flag.status(NOW) == status
    with factory.begin() as session:
        session.add(flag)
    with factory() as session:  # read back (SQLite hands back naive UTC times)
        assert session.get_one(Flag, flag.id).status(NOW) == status
