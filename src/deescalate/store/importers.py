"""Bringing calls for service into the store.

* ``read_call_file``: one call as dispatch hands it over (simple call JSON or
  EIDO-style JSON) into a ``CallIn``.
* ``store_call``: a ``CallIn`` into the store (premise, call, persons, links).
* ``import_csv``: a city's calls-for-service export (or any CSV, through a
  YAML mapping file) in bulk, fast, reporting bad rows by line number.
"""

from __future__ import annotations

import codecs
import csv
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from datetime import time as dt_time
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from deescalate.briefing.call import CallIn, PersonIn
from deescalate.encounter.readers.common import read_text
from deescalate.encounter.readers.json_formats import parse_json
from deescalate.errors import Code, InputError
from deescalate.faults import crash_point
from deescalate.settings import Settings, get_settings
from deescalate.store.addresses import block_range, is_withheld, normalize_address
from deescalate.store.eido import looks_like_eido, read_eido
from deescalate.store.eido import person_role as _role
from deescalate.store.layouts import (
    CSV_FIELDS,
    LAYOUTS,
    NEW_ORLEANS,
    REQUIRED,
    SEATTLE,
    CsvLayout,
    closest_layout,
    detect_layout,
    find_layout,
    load_mapping,
    priority_level,
)
from deescalate.store.models import Base, Call, CallPerson, Person, PersonRole, Premise
from deescalate.zones import agency_zone, localize_call, to_utc

__all__ = [
    "BATCH_SIZE", "CSV_FIELDS", "LAYOUTS", "NEW_ORLEANS", "SEATTLE", "CsvLayout", "ImportReport",
    "detect_layout", "import_csv", "load_mapping", "read_call_file", "store_call",
]  # fmt: skip

# --------------------------------------------------------------------------- call files


def read_call_file(path: Path | str, settings: Settings | None = None) -> CallIn:
    """Read one call: the simple call JSON or a NENA EIDO JSON document.

    Simple call JSON: an object with the fields of ``CallIn`` (``number`` and
    ``received_at`` required; ``persons``, ``notes``, ``units`` optional).

    EIDO: either layout of NENA's published schema (the current STA-021.1 one and
    the 2020 draft); see ``deescalate.store.eido``.
    Timestamps without a UTC offset are read in the agency's time zone
    (DEESCALATE_TIMEZONE, default UTC).
    """
    path = Path(path)
    file = str(path)
    settings = settings or get_settings()
    data = parse_json(read_text(path, settings), file)
    if not isinstance(data, dict):
        raise InputError(Code.E081, f"top level is a JSON {type(data).__name__}, not an object", file=file)
    zone = agency_zone(settings)
    if "number" in data or "received_at" in data:
        call = localize_call(_from_simple(data, file), zone=zone)
    elif looks_like_eido(data):
        call = localize_call(read_eido(data, file=file), zone=zone)
    else:
        raise InputError(
            Code.E081,
            "neither the simple call layout (number, received_at, ...) nor NENA EIDO ($id, eidoVersion, ...Component)",
            file=file,
        )
    _check_times(call, file, zone)
    return call


def _check_times(call: CallIn, file: str, zone: tzinfo) -> None:
    """Every time of the call has a UTC time: "0001-01-01T00:00+05:00" is valid ISO 8601 but has none."""
    times = [("received_at", call.received_at), ("updated_at", call.updated_at)]
    times += [(f"notes[{i}].at", n.at) for i, n in enumerate(call.notes)]
    for where, t in times:
        if t is None:
            continue
        try:
            to_utc(t, zone)
        except OverflowError:
            raise InputError(Code.E021, f"time {t.isoformat()} is out of range", file=file, where=where) from None


def _from_simple(data: dict[str, Any], file: str) -> CallIn:
    if isinstance(data.get("number"), int) and not isinstance(data.get("number"), bool):
        data = {**data, "number": str(data["number"])}
    if isinstance(data.get("number"), str) and not data["number"].strip():
        raise InputError(Code.E082, "call number is empty", file=file, where="number")
    try:
        return CallIn.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = _field_path(err["loc"])
        kind = err["type"]
        if where == "number":
            raise InputError(Code.E082, "call number is missing or not text", file=file, where=where) from None
        if kind == "missing":
            raise InputError(Code.E011, f"{where} is missing", file=file, where=where) from None
        if kind.startswith(("datetime_", "date_")):
            raise InputError(Code.E021, f"bad timestamp {err.get('input')!r}", file=file, where=where) from None
        raise InputError(Code.E011, err["msg"].lower(), file=file, where=where) from None


def _field_path(loc: Iterable[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# --------------------------------------------------------------------------- storing one call


@dataclass(frozen=True)
class Stored:
    """What storing one message did: ``created``, ``updated``, or ``ignored`` (older than the one stored)."""

    call: Call
    outcome: str
    message: str
    notes_added: int = 0


def store_call(session: Session, call: CallIn, *, source: str | None, zone: tzinfo | None = None) -> Call:
    """Store CALL (see ``store_message``) and return its row."""
    return store_message(session, call=call, source=source, zone=zone).call


def store_message(session: Session, *, call: CallIn, source: str | None, zone: tzinfo | None = None) -> Stored:
    """Store CALL: its premise upserted by normalised address, its persons matched by
    (last name, first name, date of birth) or created, each linked in their role.

    The stored call is the one with the same incident id (repeated EIDO messages for
    one incident), else the same number; fields the new message carries replace the
    stored ones, its persons are added, and its notes not already stored are appended.
    A message older than the stored one (by ``updated_at``) changes nothing and says
    so. Nothing is committed here. A time without an offset is read in ZONE (default: the agency's).
    """
    zone = zone or agency_zone()
    number = _fit(call.number, Call.number) or call.number
    row = None
    if call.incident_id:
        row = session.scalar(select(Call).where(Call.incident_id == call.incident_id))
    if row is None:
        row = session.scalar(select(Call).where(Call.number == number))
    if row is not None and row.updated_at is not None and call.updated_at is not None:
        new, stored = _utc(call.updated_at, zone), _utc(row.updated_at, UTC)
        if new < stored:
            message = f"call {row.number}: message of {new.isoformat()} is older than the stored {stored.isoformat()}"
            return Stored(row, "ignored", message + "; ignored")
    premise = _premise(session, call.address, call.latitude, call.longitude)  # queries before the new row exists
    created = row is None
    if row is None:
        row = Call(number=number, received_at=_utc(call.received_at, zone))
        session.add(row)
    if call.incident_id:
        row.incident_id = _fit(call.incident_id, Call.incident_id)
    if call.updated_at is not None:
        row.updated_at = _utc(call.updated_at, zone)
    stored_notes = list(row.notes or [])
    seen = {(n.get("at"), n.get("author"), n.get("text")) for n in stored_notes}
    for n in call.notes:
        note = {"at": n.at.isoformat() if n.at else None, "author": n.author, "text": n.text}
        key = (note["at"], note["author"], note["text"])
        if key not in seen:
            seen.add(key)
            stored_notes.append(note)
    added = len(stored_notes) - len(row.notes or [])
    if added:
        row.notes = stored_notes  # a new list, so the JSON column is seen as changed
    row.received_at = _utc(call.received_at, zone)
    narrative = call.narrative
    if narrative is None:
        words = [n.text for n in call.notes if (n.author or "").casefold() == PersonRole.caller.value]
        narrative = "\n".join(words) if words else None
    updates: dict[str, Any] = {
        "type_code": _fit(call.type_code, Call.type_code),
        "type_text": _fit(call.type_text, Call.type_text),
        "priority": _fit(call.priority, Call.priority),
        "priority_level": priority_level(call.priority),
        "premise": premise,
        "address": _fit(call.address, Call.address),
        "latitude": call.latitude,
        "longitude": call.longitude,
        "narrative": narrative,
        "units": _fit(", ".join(call.units), Call.units) if call.units else None,
        "source": _fit(source, Call.source),
    }
    for name, value in updates.items():
        if value is not None:
            setattr(row, name, value)

    persons = list(call.persons)
    if (call.caller_name or call.caller_phone) and not any(p.role == PersonRole.caller.value for p in persons):
        first, _, last = (call.caller_name or "").strip().rpartition(" ")
        persons.append(
            PersonIn(first_name=first or None, last_name=last or None, phone=call.caller_phone, role="caller")
        )
    for p in persons:
        person = _person(session, p)
        role = _role(p.role)
        if not any(link.person is person and link.role == role for link in row.people):
            row.people.append(CallPerson(person=person, role=role))
    session.flush()
    outcome = "created" if created else "updated"
    return Stored(row, outcome, f"call {row.number}: {outcome}, {added} new notes", added)


def _utc(t: datetime, zone: tzinfo) -> datetime:
    """Every stored time is UTC; a time without an offset is read in ZONE (the agency's)."""
    return to_utc(t, zone)


def _fit(value: str | None, column: Any) -> str | None:
    """Cut text to its column's length (PostgreSQL refuses longer values; SQLite would keep them)."""
    if value is None:
        return None
    length = column.property.columns[0].type.length
    return value[:length] if length else value


def _premise(session: Session, address: str | None, latitude: float | None, longitude: float | None) -> Premise | None:
    key = _fit(normalize_address(address), Premise.address) if address and not is_withheld(address) else None
    if not key:
        return None
    premise = session.scalar(select(Premise).where(Premise.address == key))
    if premise is None:
        premise = Premise(address=key, latitude=latitude, longitude=longitude, **_range_columns(key))
        session.add(premise)
    elif premise.latitude is None and latitude is not None and longitude is not None:
        premise.latitude, premise.longitude = latitude, longitude
    return premise


def _person(session: Session, p: PersonIn) -> Person:
    """The stored person with the same (last, first, date of birth), names compared without case; else a new one.

    The lookup goes through the name index with the usual spellings of the last name
    (as given, upper, lower, title case), so it stays fast on a large persons table.
    """
    first = _fit((p.first_name or "").strip() or None, Person.first_name)
    last = _fit((p.last_name or "").strip() or None, Person.last_name)
    person = None
    if first or last:
        query = select(Person).where(
            Person.last_name.is_(None) if last is None else Person.last_name.in_(_spellings(last)),
            Person.date_of_birth.is_(None) if p.date_of_birth is None else Person.date_of_birth == p.date_of_birth,
        )
        wanted = (first or "").casefold()
        person = next(
            (c for c in session.scalars(query.order_by(Person.id)) if (c.first_name or "").casefold() == wanted), None
        )
    if person is None:
        person = Person(first_name=first, last_name=last, date_of_birth=p.date_of_birth)
        session.add(person)
    if person.phone is None and p.phone:
        person.phone = _fit(p.phone, Person.phone)
    return person


def _spellings(name: str) -> list[str]:
    return sorted({name, name.upper(), name.lower(), name.title(), name.capitalize()})


# --------------------------------------------------------------------------- CSV bulk import

BATCH_SIZE = 5000

_US_12H_FORMAT = "%m/%d/%Y %I:%M:%S %p"
_US_12H = re.compile(r"(\d\d)/(\d\d)/(\d{4}) (\d\d):(\d\d):(\d\d) ([AP])M\Z")


def _us_12h(text: str) -> datetime | None:
    """strptime(text, "%m/%d/%Y %I:%M:%S %p") for its usual zero-padded form; None for anything else."""
    m = _US_12H.match(text)
    if m is None:
        return None
    month, day, year, hour, minute, second, half = m.groups()
    h = int(hour)
    if not 1 <= h <= 12:
        return None
    try:
        return datetime(int(year), int(month), int(day), h % 12 + (12 if half == "P" else 0), int(minute), int(second))
    except ValueError:
        return None


@dataclass
class ImportReport:
    rows_read: int = 0
    rows_imported: int = 0
    rows_skipped: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (1-based file line, message [code])
    layout: str = ""
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.seconds if self.seconds > 0 else 0.0

    def skip(self, line: int, code: Code, detail: str) -> None:
        self.rows_skipped += 1
        self.errors.append((line, f"{detail} [{code.name}]"))


class _TimeParser:
    """ISO 8601 first, then the layout's formats (the last one that worked is tried first).

    A time without an offset is in the layout's zone when it names one; what is still
    naive then goes to ``_utc``, the one place that turns stored times into UTC.
    """

    def __init__(self, formats: tuple[str, ...], zone: tzinfo) -> None:
        self.formats = list(formats)
        self.zone = zone

    def __call__(self, text: str, time_of_day: str | None = None) -> datetime | None:
        t = self.parse(text)
        if t is None:
            return None
        if time_of_day is not None:
            try:
                clock = dt_time.fromisoformat(time_of_day)
            except ValueError:
                return None
            t = datetime.combine(t.date(), clock, tzinfo=t.tzinfo)
        try:
            return _utc(t, self.zone)
        except OverflowError:  # "0001-01-01T00:00+05:00" has no UTC time in datetime's range
            return None

    def parse(self, text: str) -> datetime | None:
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
        if _BARE_HOUR_OFFSET.search(text):  # "+00", as ArcGIS exports write UTC; strptime's %z wants "+0000"
            text += "00"
        return self._strptime(text)

    def _strptime(self, text: str) -> datetime | None:
        for i, fmt in enumerate(self.formats):
            t = _us_12h(text) if fmt == _US_12H_FORMAT else None  # the open-data portals' format, 10x faster
            if t is None:
                try:
                    t = datetime.strptime(text, fmt)
                except ValueError:
                    continue
            if i:
                self.formats.insert(0, self.formats.pop(i))
            return t
        return None


_BARE_HOUR_OFFSET = re.compile(r"\d[+-]\d\d\Z")


_POINT = re.compile(r"POINT\s*\(\s*(-?[\d.]+)\s+(-?[\d.]+)\s*\)", re.IGNORECASE)  # WKT: lon lat
_PAIR = re.compile(r"\(\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*\)")  # (lat, lon)


def _point(text: str | None) -> tuple[float | None, float | None]:
    if not text:
        return None, None
    m = _POINT.search(text)
    if m:
        return _lat_lon(m.group(2), m.group(1))
    m = _PAIR.search(text)
    if m:
        return _lat_lon(m.group(1), m.group(2))
    return None, None


def _lat_lon(lat_text: str | None, lon_text: str | None) -> tuple[float | None, float | None]:
    """Both coordinates or neither; blurred or redacted values (0, -1, text) count as none."""
    if not lat_text or not lon_text:
        return None, None
    try:
        lat, lon = float(lat_text), float(lon_text)
    except ValueError:
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat, lon) in ((0.0, 0.0), (-1.0, -1.0)):
        return None, None
    return lat, lon


class _Target:
    """Batches committed through a Session (its transaction) or an Engine (one connection of its own)."""

    def __init__(self, session_or_engine: Session | Engine) -> None:
        self.session: Session | None = None
        self.own: Connection | None = None
        if isinstance(session_or_engine, Session):
            self.session = session_or_engine
        else:
            self.own = session_or_engine.connect()

    def connection(self) -> Connection:
        return self.session.connection() if self.session is not None else self._own()

    def commit(self) -> None:
        if self.session is not None:
            self.session.commit()
        else:
            self._own().commit()

    def rollback(self) -> None:
        if self.session is not None:
            self.session.rollback()
        else:
            self._own().rollback()

    def close(self) -> None:
        if self.own is not None:
            self.own.close()

    def _own(self) -> Connection:
        assert self.own is not None
        return self.own


def _chunks(items: list[str], size: int = 1000) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_CALLS = Base.metadata.tables["calls"]
_PREMISES = Base.metadata.tables["premises"]
_LENGTHS: dict[str, int] = {c.name: n for c in _CALLS.columns if (n := getattr(c.type, "length", None))}


def import_csv(
    session_or_engine: Session | Engine,
    path: Path | str,
    *,
    layout: str | None = None,
    mapping_file: Path | None = None,
    progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH_SIZE,
    zone: tzinfo | None = None,
) -> ImportReport:
    """Import a calls-for-service CSV in batches; bad rows are reported by line and skipped.

    The layout is the mapping file's, else the named built-in layout (new-orleans,
    seattle), else the built-in layout the header matches. Each batch is committed
    on its own, so a bad row never loses earlier good ones. A call number already
    stored (or seen earlier in the file) is skipped and reported. With a Session,
    the session's transaction is committed with each batch. PROGRESS, when given,
    is called with the number of rows read so far after every batch. Times without an
    offset are read in the layout's zone, else ZONE (default: the agency's, DEESCALATE_TIMEZONE).
    """
    path = Path(path)
    file = str(path)
    started = time.perf_counter()
    chosen = load_mapping(mapping_file) if mapping_file is not None else None
    if chosen is None and layout is not None:
        chosen = find_layout(layout)
        if chosen is None:
            raise InputError(Code.E083, f"unknown layout {layout!r}; built in: {', '.join(LAYOUTS)}", file=file)
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise InputError(Code.E001, "file not found", file=file) from None
    except OSError as exc:
        raise InputError(Code.E001, f"cannot read the file: {exc.strerror}", file=file) from None
    with handle:
        reader = csv.reader(_utf8_lines(handle))
        try:
            header = next(reader, None)
        except UnicodeDecodeError as exc:
            raise InputError(Code.E004, f"header is not UTF-8 text ({exc.reason})", file=file, where="line 1") from None
        except csv.Error as exc:
            raise InputError(Code.E020, f"header is not readable CSV: {exc}", file=file, where="line 1") from None
        if not header or not any(h.strip() for h in header):
            raise InputError(Code.E002, "file has no header row", file=file)
        if chosen is None:
            chosen = detect_layout(header)
            if chosen is None:
                raise InputError(Code.E083, _no_layout_message(header), file=file, where="line 1")
        report = ImportReport(layout=chosen.name)
        importer = _CsvImporter(
            _Target(session_or_engine), chosen, header, file, report, batch_size, progress, zone or agency_zone()
        )
        try:
            importer.run(reader)
        finally:
            importer.target.close()
    report.seconds = time.perf_counter() - started
    return report


def _no_layout_message(header: list[str]) -> str:
    near = closest_layout(header)
    hint = ""
    if near is not None:
        layout, lacking = near
        hint = f"; nearest is {layout.name}, which also needs {', '.join(map(repr, lacking))}"
    return f"header matches no built-in layout ({', '.join(LAYOUTS)}){hint}; give a mapping file (--mapping)"


def _utf8_lines(handle: BinaryIO) -> Iterator[str]:
    """Decode line by line, so a stray non-UTF-8 byte stops the import at its own line, not at the first read."""
    first = True
    for raw in handle:
        if first:
            raw, first = raw.removeprefix(codecs.BOM_UTF8), False
        yield raw.decode("utf-8")


# one row on its way in: its line, the calls row, its premise key (normalised address), its coordinates
_Pending = tuple[int, dict[str, Any], str | None, tuple[float | None, float | None]]


class _CsvImporter:
    def __init__(
        self,
        target: _Target,
        layout: CsvLayout,
        header: list[str],
        file: str,
        report: ImportReport,
        batch_size: int,
        progress: Callable[[int], None] | None,
        zone: tzinfo,
    ) -> None:
        self.target, self.layout, self.file, self.report = target, layout, file, report
        self.batch_size, self.progress = max(1, batch_size), progress
        self.width = len(header)
        index = {h.strip().casefold(): i for i, h in enumerate(header)}
        self.columns: dict[str, tuple[int, ...]] = {}
        self.column_name: dict[str, str] = {}
        for ours, theirs in layout.columns.items():
            found = tuple(index[t.casefold()] for t in theirs if t.casefold() in index)
            if found:
                self.columns[ours] = found
                self.column_name[ours] = header[found[0]].strip()
            elif ours in REQUIRED:
                code = Code.E083 if layout in LAYOUTS.values() else Code.E084
                raise InputError(
                    code,
                    f"the {layout.name} layout reads {ours} from {' or '.join(map(repr, theirs))}, "
                    "which the header lacks",
                    file=file,
                    where="line 1",
                )
        self.parse_time = _TimeParser(layout.time_formats, ZoneInfo(layout.timezone) if layout.timezone else zone)
        self.source = file[-200:]
        self.premise_ids: dict[str, int] = {}  # normalised address -> id, committed premises only
        self.normalised: dict[str, str] = {}  # address as written -> normalised ("" when withheld)
        self.levels: dict[str, int | None] = {}  # priority as written -> priority_level
        self.premises_loaded = False

    def run(self, reader: Iterator[list[str]]) -> None:
        pending: list[_Pending] = []
        line = 2  # the header was line 1
        report = self.report
        pick = self._pick
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except UnicodeDecodeError as exc:
                report.rows_read += 1
                report.skip(line, Code.E004, f"not UTF-8 text ({exc.reason}); reading stopped here")
                break
            except csv.Error as exc:
                report.rows_read += 1
                report.skip(line, Code.E020, f"not readable as CSV: {exc}")
                line = reader.line_num + 1  # type: ignore[attr-defined]
                continue
            this, line = line, reader.line_num + 1  # type: ignore[attr-defined]
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            report.rows_read += 1
            if len(row) != self.width:
                report.skip(this, Code.E085, f"has {len(row)} columns; the header has {self.width}")
                continue
            number = pick(row, "number")
            if number is None:
                report.skip(this, Code.E082, f"call number is missing (column {self.column_name['number']!r})")
                continue
            raw_time = pick(row, "received_at")
            if raw_time is None:
                report.skip(this, Code.E011, f"received time is missing (column {self.column_name['received_at']!r})")
                continue
            raw_clock = pick(row, "received_time") if "received_time" in self.columns else None
            received_at = self.parse_time(raw_time, raw_clock)
            if received_at is None:
                shown = raw_time if raw_clock is None else f"{raw_time} {raw_clock}"
                report.skip(this, Code.E021, f"bad timestamp {shown!r} (column {self.column_name['received_at']!r})")
                continue
            coords = _point(pick(row, "location")) if "location" in self.columns else (None, None)
            if coords[0] is None and "latitude" in self.columns:
                coords = _lat_lon(pick(row, "latitude"), pick(row, "longitude"))
            address = pick(row, "address")
            key = None
            if address is not None:
                key = self.normalised.get(address)
                if key is None:
                    # "REDACTED", "UNKNOWN", "XX": published as withheld, never a premise ("" marks it)
                    withheld = is_withheld(address)
                    key = self.normalised[address] = "" if withheld else normalize_address(address)[:200]
                if not key:
                    address = None
            priority = pick(row, "priority")
            level = None
            if priority is not None:
                level = self.levels.get(priority, -1)
                if level == -1:
                    level = self.levels[priority] = self.layout.priority_level(priority)
            values: dict[str, Any] = {
                "number": number,
                "received_at": received_at,
                "type_code": pick(row, "type_code"),
                "type_text": pick(row, "type_text"),
                "priority": priority,
                "priority_level": level,
                "address": address,
                "latitude": coords[0],
                "longitude": coords[1],
                "disposition": pick(row, "disposition"),
                "units": pick(row, "units"),
                "reporting_officer": pick(row, "reporting_officer"),
                "narrative": pick(row, "narrative"),
                "source": self.source,
                "premise_id": None,
            }
            for name, length in _LENGTHS.items():
                value = values.get(name)
                if value is not None and len(value) > length:
                    values[name] = value[:length]
            pending.append((this, values, key or None, coords))
            if len(pending) >= self.batch_size:
                self._flush(pending)
                pending = []
        if pending:
            self._flush(pending)

    def _pick(self, row: list[str], ours: str) -> str | None:
        for i in self.columns.get(ours, ()):
            value = row[i].strip()
            if value:
                return value
        return None

    def _flush(self, pending: list[_Pending]) -> None:
        report = self.report
        first_line: dict[str, int] = {}
        batch = []
        for item in pending:
            number = item[1]["number"]
            if number in first_line:
                report.skip(item[0], Code.E086, f"call number {number!r} repeats line {first_line[number]}")
                continue
            first_line[number] = item[0]
            batch.append(item)
        if batch:
            self._insert(batch)
        if self.progress is not None:
            self.progress(report.rows_read)

    def _insert(self, batch: list[_Pending]) -> None:
        """Insert a batch in one transaction; call numbers already stored are skipped (ON CONFLICT DO NOTHING).

        If the database refuses the batch, its rows are tried one by one to find the culprits.
        """
        try:
            conn = self.target.connection()
            new_premises = self._premises(conn, batch)
            rows = []
            for _line, values, key, _coords in batch:
                if key is not None:
                    values["premise_id"] = self.premise_ids.get(key) or new_premises[key]
                rows.append(values)
            # executemany without RETURNING is the fast path on both databases; the rowcount tells
            # whether any number was taken, and only then do we ask which rows are ours.
            before = conn.scalar(select(func.max(_CALLS.c.id))) or 0
            result = conn.execute(_insert_new(conn, _CALLS, "number"), rows)
            if result.rowcount == len(rows):
                stored = {values["number"] for values in rows}
            else:
                stored = set(conn.scalars(select(_CALLS.c.number).where(_CALLS.c.id > before)))
            crash_point("import.before_commit")
            self.target.commit()
            crash_point("import.committed")
        except DBAPIError as exc:
            self.target.rollback()
            if len(batch) > 1:
                for item in batch:
                    self._insert([item])
                return
            first = (str(exc.orig or exc).strip().splitlines() or ["refused"])[0]
            self.report.skip(batch[0][0], Code.E011, f"not stored: {first}")
            return
        self.premise_ids.update(new_premises)
        for line, values, _key, _coords in batch:
            if values["number"] in stored:
                self.report.rows_imported += 1
            else:
                self.report.skip(line, Code.E086, f"call number {values['number']!r} is already stored")

    def _premises(self, conn: Connection, batch: list[_Pending]) -> dict[str, int]:
        """Ids of the batch's premises not yet cached: inserted (with the first coordinates seen) or looked up."""
        if not self.premises_loaded:
            self.premise_ids.update({a: i for i, a in conn.execute(select(_PREMISES.c.id, _PREMISES.c.address))})
            self.premises_loaded = True
        wanted: dict[str, tuple[float | None, float | None]] = {}
        for _line, _values, key, coords in batch:
            if key is not None and key not in self.premise_ids and (key not in wanted or wanted[key][0] is None):
                wanted[key] = coords
        if not wanted:
            return {}
        rows = [{"address": a, "latitude": c[0], "longitude": c[1], **_range_columns(a)} for a, c in wanted.items()]
        stmt = _insert_new(conn, _PREMISES, "address").returning(_PREMISES.c.id, _PREMISES.c.address)
        found = {a: i for i, a in conn.execute(stmt, rows)}
        taken = [a for a in wanted if a not in found]  # stored meanwhile by someone else
        for chunk in _chunks(taken):
            query = select(_PREMISES.c.id, _PREMISES.c.address).where(_PREMISES.c.address.in_(chunk))
            found.update({a: i for i, a in conn.execute(query)})
        return found


def _range_columns(address: str) -> dict[str, Any]:
    """The premise's street and house-number range (one number for a house, the block's for a block)."""
    block = block_range(address)
    if block is None:
        return {"street": None, "number_low": None, "number_high": None}
    return {"street": block.street[:200], "number_low": block.low, "number_high": block.high}


def _insert_new(conn: Connection, table: Table, unique: str) -> Any:
    """INSERT that skips rows whose UNIQUE column is already taken (SQLite and PostgreSQL alike)."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=[unique])
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=[unique])
