"""What a batch works through: transcripts and recordings found under folders or listed in manifests.

A SOURCE is a folder (every transcript and recording below it), a manifest (a ``.csv`` file, or a ``.json`` file
whose top level is a list of rows), or one transcript or recording. A manifest row names a ``file`` (relative to
the manifest's folder) and optionally its ``incident_id``, ``camera_wearer`` and ``start_time``; the rows of one
incident become one work item whose cameras are merged, the first row's camera giving the clock.

Each work item is keyed by the SHA-256 of its content (for an incident, of its files' hashes, sorted), so the same
recording under two names, or a rerun over the same folders, is processed once. Bad manifest rows are reported one
line each and left out with the rest of their incident: half an incident stored now would be stored again, as a
different item, once the row is fixed.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from deescalate.audio.formats import is_media
from deescalate.errors import Code, InputError
from deescalate.settings import Settings
from deescalate.zones import agency_zone, in_zone

TRANSCRIPT_SUFFIXES = frozenset({".json", ".vtt", ".srt", ".txt", ".text"})
MANIFEST_COLUMNS = ("file", "incident_id", "camera_wearer", "start_time")
# Column names agencies' exports use for the same things (matched after lower-casing, spaces and dashes as '_').
_ALIASES = {
    "path": "file",
    "filename": "file",
    "file_name": "file",
    "incident": "incident_id",
    "wearer": "camera_wearer",
    "officer": "camera_wearer",
    "start": "start_time",
    "started_at": "start_time",
}
_BLOCK = 1 << 20


@dataclass(frozen=True, slots=True)
class Member:
    """One file of a work item, as the batch found it."""

    path: str  # absolute, so a worker in another folder (or on another node with the same mount) finds it
    sha256: str
    media: bool
    wearer: str | None = None  # the camera wearer's name, from a manifest
    started_at: str | None = None  # ISO 8601 with offset, from a manifest: when the camera started recording

    @property
    def name(self) -> str:
        return Path(self.path).name


@dataclass(frozen=True, slots=True)
class WorkItem:
    """One unit of work: a transcript, a recording, or the cameras of one incident (merged)."""

    key: str
    members: tuple[Member, ...]
    incident_id: str | None = None

    @property
    def kind(self) -> str:
        if len(self.members) > 1:
            return "incident"
        return "recording" if self.members[0].media else "transcript"

    @property
    def media(self) -> bool:
        return any(m.media for m in self.members)

    @property
    def source(self) -> str:
        return "\n".join(m.path for m in self.members)

    @property
    def label(self) -> str:
        """How messages name the item: the incident, else its file."""
        return f"incident {self.incident_id}" if len(self.members) > 1 else self.members[0].path

    @property
    def officer(self) -> str | None:
        """The wearer of the first camera (the reference clock): the officer the review platform files it under."""
        return self.members[0].wearer


@dataclass
class Plan:
    items: list[WorkItem] = field(default_factory=list)
    bad_rows: list[str] = field(default_factory=list)  # rows and files that could not be listed: one line each
    duplicates: list[str] = field(default_factory=list)  # files whose content another item already holds

    @property
    def audio_files(self) -> int:
        return sum(m.media for item in self.items for m in item.members)


class ManifestRow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)

    file: str = Field(min_length=1, max_length=4096)
    incident_id: str | None = Field(default=None, max_length=120)
    camera_wearer: str | None = Field(default=None, max_length=80)
    start_time: datetime | None = None

    @field_validator("incident_id", "camera_wearer", "start_time", mode="before")
    @classmethod
    def _blank_is_absent(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def incident_key(hashes: Iterable[str]) -> str:
    """An incident's key: the same cameras in any order are the same incident."""
    return hashlib.sha256(("incident\n" + "\n".join(sorted(hashes))).encode()).hexdigest()


def is_batch_file(path: Path) -> bool:
    return path.suffix.lower() in TRANSCRIPT_SUFFIXES or is_media(path)


def plan_sources(sources: list[Path], *, settings: Settings) -> Plan:
    """Every work item under SOURCES, in the order given, each content once. A missing SOURCE or an unreadable
    manifest stops here (InputError); a bad manifest row is reported in the plan and left out."""
    plan = Plan()
    manifests = [p for p in sources if p.is_file() and is_manifest(p)]
    # files a manifest lists are not taken again from a folder, nor the manifests themselves
    listed: set[Path] = {p.resolve() for p in manifests}
    groups: list[list[Member] | tuple[str, list[Member]]] = []
    for source in sources:
        if not source.exists():
            raise InputError(Code.E001, "batch source not found", file=str(source))
        if source in manifests:
            rows = list(read_manifest(source, settings=settings, plan=plan))
            listed.update(Path(m.path) for _, m in rows)
            groups.extend(_incidents(rows))
    for source in sources:
        if source in manifests:
            continue
        files = _walk(source) if source.is_dir() else [source.resolve()]
        for path in files:
            if path in listed:
                continue
            listed.add(path)
            try:
                groups.append([Member(str(path), file_sha256(path), is_media(path))])
            except OSError as exc:  # unreadable here is unreadable for a worker too: listed, the rest goes on
                plan.bad_rows.append(
                    InputError(Code.E001, f"cannot read the file: {exc.strerror}", file=str(path)).one_line()
                )
    seen: set[str] = set()
    for group in groups:
        incident, members = group if isinstance(group, tuple) else (None, group)
        key = members[0].sha256 if len(members) == 1 else incident_key(m.sha256 for m in members)
        if key in seen:
            plan.duplicates.extend(m.path for m in members)
            continue
        seen.add(key)
        plan.items.append(WorkItem(key, tuple(members), incident))
    return plan


def _walk(folder: Path) -> list[Path]:
    """The transcripts and recordings under FOLDER; a JSON manifest found there is not a transcript (a manifest is
    read when it is named as a SOURCE)."""
    found = []
    for path in sorted(folder.resolve().rglob("*")):
        hidden = any(part.startswith(".") for part in path.relative_to(folder.resolve()).parts)
        if not hidden and path.is_file() and is_batch_file(path) and not is_manifest(path):
            found.append(path)
    return found


def is_manifest(path: Path) -> bool:
    """A CSV file, or a JSON file whose top level is a list of rows naming a ``file`` (a Whisper segment list,
    the only transcript whose top level is a list, has no ``file``)."""
    if path.suffix.lower() == ".csv":
        return True
    if path.suffix.lower() != ".json":
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(64).lstrip()
        if not head.startswith(b"["):
            return False
        data = _json_manifest(path)
    except (OSError, InputError):  # unreadable or not JSON: a transcript that fails as one, not a manifest
        return False
    return bool(data) and isinstance(data[0], dict) and "file" in data[0]


def read_manifest(path: Path, *, settings: Settings, plan: Plan) -> Iterator[tuple[str | None, Member]]:
    """(incident id, member) for each good row; each bad row goes to PLAN.bad_rows as one line."""
    rows = _csv_manifest(path) if path.suffix.lower() == ".csv" else _json_rows(path)
    zone = agency_zone(settings)
    seen: dict[Path, str] = {}
    bad_incidents: dict[str, str] = {}
    good: list[tuple[str | None, Member]] = []
    for where, raw in rows:
        if isinstance(raw, str):  # the row's shape is wrong: no columns to validate
            _bad(plan, bad_incidents, {}, InputError(Code.E154, raw, file=str(path), where=where))
            continue
        try:
            row = ManifestRow.model_validate(raw)
        except ValidationError as exc:
            _bad(plan, bad_incidents, raw, InputError(Code.E154, _row_problem(exc, raw), file=str(path), where=where))
            continue
        target = (path.parent / row.file).resolve()
        problem = None
        if not target.is_file():
            problem = f"file {row.file!r} not found"
        elif not is_batch_file(target):
            problem = (
                f"file {row.file!r} is neither a transcript ({', '.join(sorted(TRANSCRIPT_SUFFIXES))}) nor a recording"
            )
        elif target in seen:
            problem = f"file {row.file!r} is listed again (first at {seen[target]})"
        if problem:
            _bad(plan, bad_incidents, raw, InputError(Code.E154, problem, file=str(path), where=where))
            continue
        try:
            digest = file_sha256(target)
        except OSError as exc:
            unreadable = f"file {row.file!r} cannot be read: {exc.strerror}"
            _bad(plan, bad_incidents, raw, InputError(Code.E154, unreadable, file=str(path), where=where))
            continue
        seen[target] = where
        started = in_zone(row.start_time, zone).isoformat() if row.start_time else None
        good.append((row.incident_id, Member(str(target), digest, is_media(target), row.camera_wearer, started)))
    for incident, member in good:
        if incident in bad_incidents:
            plan.bad_rows.append(
                InputError(
                    Code.E154,
                    f"incident {incident!r} left out, {member.name} with it: fix {bad_incidents[incident]} and rerun",
                    file=str(path),
                ).one_line()
            )
            continue
        yield incident, member


def _row_problem(exc: ValidationError, raw: dict[str, Any]) -> str:
    error = exc.errors()[0]
    column = ".".join(str(p) for p in error["loc"]) or "row"
    if column == "start_time":
        return f"start_time {raw.get('start_time')!r} is not a date and time (ISO 8601: 2024-05-01T22:15:00-05:00)"
    return f"{column}: {error['msg']}"


def _bad(plan: Plan, bad_incidents: dict[str, str], raw: dict[str, Any], error: InputError) -> None:
    plan.bad_rows.append(error.one_line())
    incident = str(raw.get("incident_id") or "").strip()
    if incident:
        bad_incidents.setdefault(incident, error.where or "")


def _incidents(rows: list[tuple[str | None, Member]]) -> list[list[Member] | tuple[str, list[Member]]]:
    """Rows without an incident stand alone; the rows of one incident go together, in manifest order."""
    groups: list[list[Member] | tuple[str, list[Member]]] = []
    by_incident: dict[str, list[Member]] = {}
    for incident, member in rows:
        if incident is None:
            groups.append([member])
        elif incident in by_incident:
            by_incident[incident].append(member)
        else:
            by_incident[incident] = [member]
            groups.append((incident, by_incident[incident]))
    return groups


def _csv_manifest(path: Path) -> Iterator[tuple[str, dict[str, Any] | str]]:
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(Code.E153, f"manifest is not UTF-8 text ({exc.reason})", file=file) from None
    reader = csv.reader(text.splitlines())
    try:
        header = [_column(h) for h in next(reader, [])]
    except csv.Error as exc:
        raise InputError(Code.E153, f"header is not readable CSV: {exc}", file=file, where="row 1") from None
    if "file" not in header:
        shown = ", ".join(h for h in header if h) or "none"
        raise InputError(
            Code.E153,
            f"manifest has no 'file' column (columns: {shown}; expected {', '.join(MANIFEST_COLUMNS)})",
            file=file,
            where="row 1",
        )
    number = 1
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield f"row {number}", f"not readable CSV: {exc}"
            continue
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            yield f"row {number}", f"{len(cells)} cells for {len(header)} columns"
            continue
        yield f"row {number}", dict(zip(header, cells, strict=True))


def _json_rows(path: Path) -> Iterator[tuple[str, dict[str, Any] | str]]:
    for number, raw in enumerate(_json_manifest(path), 1):
        where = f"row {number}"
        if not isinstance(raw, dict):
            yield where, f"is {type(raw).__name__}, not an object with a 'file'"
            continue
        yield where, {_column(str(k)): v for k, v in raw.items()}


def _json_manifest(path: Path) -> list[Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError(Code.E153, f"manifest is not UTF-8 text ({exc.reason})", file=str(path)) from None
    except json.JSONDecodeError as exc:
        raise InputError(
            Code.E153, f"not valid JSON: {exc.msg}", file=str(path), where=f"line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(data, list):
        raise InputError(Code.E153, "a JSON manifest is a list of rows", file=str(path))
    return data


def _column(name: str) -> str:
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    return _ALIASES.get(key, key)
