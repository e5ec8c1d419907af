"""CSV layouts: which columns of a calls-for-service export fill which of our fields.

The built-in layouts (cities' published open-data exports) are plain data in
layouts.yaml, checked when first used (E094 names the layout and the field);
``detect_layout`` picks one from a CSV header; ``load_mapping`` reads a user's
own mapping file for any other CSV. ``priority_level`` puts a layout's priority
text (numbers, letters, words) on one scale, 1 (most urgent) ... 5.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from deescalate.datafile import safe_yaml
from deescalate.errors import Code, ConfigError, InputError

# Our fields a CSV column can fill. "location" is one column holding both coordinates,
# as "POINT (lon lat)" or "(lat, lon)"; "received_time" is a time of day that completes
# a received_at column holding only the date.
CSV_FIELDS = (
    "number", "received_at", "received_time", "type_code", "type_text", "priority", "address", "latitude",
    "longitude", "location", "disposition", "units", "reporting_officer", "narrative",
)  # fmt: skip
REQUIRED = ("number", "received_at")

Level = Annotated[int, Field(ge=1, le=5)]


def _key(text: str) -> str:
    """Priority words compared without case, spacing or hyphen spelling ('Non-Emergency', 'NON EMERGENCY')."""
    return " ".join(text.casefold().replace("-", " ").split())


class PriorityScale(BaseModel):
    """How a layout's priority text maps to priority_level 1..5 (None: known, but no level)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    words: dict[str, Level | None] = {}
    numbers: dict[int, Level | None] = {}  # given: only these numbers; else 1..5 are taken as they are
    above: Level | None = None  # the level of a number above every one in `numbers`
    leading_number: bool = False  # "2A": the number before the letters is the priority

    @field_validator("words")
    @classmethod
    def _fold(cls, words: dict[str, int | None]) -> dict[str, int | None]:
        return {_key(w): level for w, level in words.items()}

    def level(self, text: str | None, default: PriorityScale | None = None) -> int | None:
        if text is None:
            return None
        key = _key(text)
        for scale in (self, default):
            if scale is not None and key in scale.words:
                return scale.words[key]
        m = (_LEADING if self.leading_number else _NUMBER).match(key)
        if m is None:
            return None
        n = int(m.group(1))
        if self.numbers:
            if n not in self.numbers and self.above is not None and n > max(self.numbers):
                return self.above
            return self.numbers.get(n)
        return n if 1 <= n <= 5 else None


_STRPTIME = set("aAwdbBmyYHIpMSfzZjUWcxXGuV%")  # the directives datetime.strptime understands
# at most nine digits: a priority of 5,000 digits is no priority, and int() refuses it with a ValueError
_NUMBER = re.compile(r"(\d{1,9})(?:\.0+)?\Z")
_LEADING = re.compile(r"(\d{1,9})(?!\d)")


class LayoutSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset: str
    aliases: list[str] = []
    signature: list[str] = Field(min_length=1)
    columns: dict[str, str | list[str]]
    time_formats: list[str] = []
    timezone: str | None = None
    priorities: PriorityScale = PriorityScale()

    @field_validator("columns")
    @classmethod
    def _columns(cls, columns: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        for ours, theirs in columns.items():
            if ours not in CSV_FIELDS:
                raise ValueError(f"unknown field {ours!r}; known: {', '.join(CSV_FIELDS)}")
            names = [theirs] if isinstance(theirs, str) else theirs
            if not names or not all(n.strip() for n in names):
                raise ValueError(f"{ours}: give a column name or a list of them")
        missing = [f for f in REQUIRED if f not in columns]
        if missing:
            raise ValueError(f"{', '.join(missing)} required")
        return columns

    @field_validator("time_formats")
    @classmethod
    def _formats(cls, formats: list[str]) -> list[str]:
        for fmt in formats:
            directives = re.findall(r"%(.?)", fmt)
            bad = [d for d in directives if d not in _STRPTIME]
            if not directives or bad:
                raise ValueError(f"{fmt!r} is not a strptime format")
        return formats

    @field_validator("timezone")
    @classmethod
    def _zone(cls, zone: str | None) -> str | None:
        if zone is not None:
            _check_zone(zone)
        return zone


class LayoutsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default_priorities: PriorityScale = PriorityScale()
    withheld_addresses: list[str] = []
    layouts: dict[str, LayoutSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_aliases(self) -> LayoutsFile:
        seen: dict[str, str] = {}
        for name, spec in self.layouts.items():
            for alias in [name, *spec.aliases]:
                if alias.casefold() in seen and seen[alias.casefold()] != name:
                    raise ValueError(f"{name}: alias {alias!r} is also {seen[alias.casefold()]!r}")
                seen[alias.casefold()] = name
        return self


def _check_zone(zone: str) -> None:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {zone!r}") from None


@dataclass(frozen=True)
class CsvLayout:
    """How a CSV's columns map to our fields: each field from the first non-empty of its columns."""

    name: str
    columns: Mapping[str, tuple[str, ...]]
    time_formats: tuple[str, ...] = ()  # strptime formats, tried after ISO 8601
    timezone: str | None = None  # the zone of times without an offset; None: left to the store's rule
    signature: frozenset[str] = frozenset()  # header columns that identify the layout
    priorities: PriorityScale = field(default_factory=PriorityScale)
    dataset: str = ""

    def priority_level(self, text: str | None) -> int | None:
        return self.priorities.level(text, _default_scale())


def priority_level(text: str | None, layout: CsvLayout | None = None) -> int | None:
    """TEXT ('2', '2A', 'B', 'High', 'Non-Emergency') on the scale 1 (most urgent) ... 5; None if unknown."""
    if layout is not None:
        return layout.priority_level(text)
    return PriorityScale().level(text, _default_scale())


def _default_scale() -> PriorityScale:
    return _file().default_priorities


LAYOUTS_FILE = "layouts.yaml"


def load_layouts(path: Path | None = None) -> dict[str, CsvLayout]:
    """The layouts of PATH (default: the built-in layouts.yaml), checked; E094 names the layout and field."""
    spec = _file() if path is None else _read(path)
    return {name: _layout(name, s) for name, s in spec.layouts.items()}


@cache
def _file() -> LayoutsFile:
    return _read(None)


def _read(path: Path | None) -> LayoutsFile:
    file = str(path) if path is not None else f"deescalate/store/{LAYOUTS_FILE}"
    try:
        if path is None:
            text = resources.files("deescalate.store").joinpath(LAYOUTS_FILE).read_text(encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        data = safe_yaml(text)
    except FileNotFoundError:
        raise ConfigError(Code.E001, "layouts file not found", file=file) from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(Code.E094, f"not readable YAML: {str(exc).splitlines()[0]}", file=file) from None
    try:
        return LayoutsFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        message = str(err["msg"]).removeprefix("Value error, ")
        raise ConfigError(Code.E094, message, file=file, where=where or None) from None


def _layout(name: str, spec: LayoutSpec) -> CsvLayout:
    return CsvLayout(
        name=name,
        columns={
            ours: (theirs,) if isinstance(theirs, str) else tuple(theirs) for ours, theirs in spec.columns.items()
        },
        time_formats=tuple(spec.time_formats),
        timezone=spec.timezone,
        signature=frozenset(spec.signature),
        priorities=spec.priorities,
        dataset=spec.dataset,
    )


LAYOUTS: dict[str, CsvLayout] = load_layouts()
ALIASES: dict[str, str] = {a.casefold(): name for name, s in _file().layouts.items() for a in s.aliases}
NEW_ORLEANS = LAYOUTS["new-orleans"]
SEATTLE = LAYOUTS["seattle"]


def withheld_addresses() -> frozenset[str]:
    """Address texts that mean "not published" (compared without case)."""
    return frozenset(a.casefold() for a in _file().withheld_addresses)


def find_layout(name: str) -> CsvLayout | None:
    """The built-in layout called NAME or one of its aliases."""
    key = name.casefold()
    return LAYOUTS.get(ALIASES.get(key, key))


def detect_layout(header: Iterable[str]) -> CsvLayout | None:
    """The built-in layout whose signature columns the header has; the most specific one when several do."""
    names = {h.strip().casefold() for h in header}
    found = [layout for layout in LAYOUTS.values() if {s.casefold() for s in layout.signature} <= names]
    return max(found, key=lambda layout: len(layout.signature), default=None)


def closest_layout(header: Iterable[str]) -> tuple[CsvLayout, list[str]] | None:
    """The built-in layout the header comes nearest to, with the signature columns it lacks (a hint for E083)."""
    names = {h.strip().casefold() for h in header}
    best: tuple[CsvLayout, list[str]] | None = None
    for layout in LAYOUTS.values():
        lacking = sorted(s for s in layout.signature if s.casefold() not in names)
        if len(lacking) < len(layout.signature) and (best is None or len(lacking) < len(best[1])):
            best = (layout, lacking)
    return best


def load_mapping(path: Path) -> CsvLayout:
    """A layout from a YAML mapping file, for example:

    name: springfield                 # optional
    columns:                          # our field: their column (or a list; the first non-empty wins)
      number: Incident Number
      received_at: Call Received
      type_text: [Final Type, Initial Type]
      address: Block Address
    time_format: "%m/%d/%Y %H:%M"     # optional; ISO 8601 is always tried first
    timezone: America/Denver          # optional; the zone of times written without an offset
    priorities:                       # optional; numbers 1..5 and the usual words are understood anyway
      words: {P1: 1, P2: 2, Info: 5}
    """
    file = str(path)
    try:
        data = safe_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(Code.E001, "mapping file not found", file=file) from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(Code.E084, f"not readable YAML: {str(exc).splitlines()[0]}", file=file) from None
    if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
        raise InputError(Code.E084, "expected a mapping with 'columns: {our field: their column}'", file=file)
    columns: dict[str, tuple[str, ...]] = {}
    for ours, theirs in data["columns"].items():
        if ours not in CSV_FIELDS:
            raise InputError(
                Code.E084, f"unknown field {ours!r}; known: {', '.join(CSV_FIELDS)}", file=file, where=f"columns.{ours}"
            )
        names = [theirs] if isinstance(theirs, str) else theirs
        if not isinstance(names, list) or not names or not all(isinstance(n, str) and n.strip() for n in names):
            raise InputError(Code.E084, "give a column name or a list of them", file=file, where=f"columns.{ours}")
        columns[ours] = tuple(n.strip() for n in names)
    for ours in REQUIRED:
        if ours not in columns:
            raise InputError(Code.E084, f"columns.{ours} is required", file=file, where="columns")
    time_format = data.get("time_format")
    if time_format is not None and not isinstance(time_format, str):
        raise InputError(Code.E084, "time_format must be a strptime format", file=file, where="time_format")
    zone = data.get("timezone")
    if zone is not None:
        try:
            _check_zone(str(zone))
        except ValueError:
            raise InputError(Code.E084, f"unknown time zone {zone!r}", file=file, where="timezone") from None
    scale = PriorityScale()
    if data.get("priorities") is not None:
        try:
            scale = PriorityScale.model_validate(data["priorities"])
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(["priorities", *(str(p) for p in err["loc"])])
            raise InputError(Code.E084, str(err["msg"]).lower(), file=file, where=where) from None
    return CsvLayout(
        name=str(data.get("name") or path.stem),
        columns=columns,
        time_formats=(time_format,) if time_format else (),
        timezone=None if zone is None else str(zone),
        priorities=scale,
    )
