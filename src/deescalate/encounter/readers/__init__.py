"""Readers: any supported transcript file in, a checked Encounter out.

Adding a format touches this module only: write a parser returning RawTurns
(or an Encounter) and register it in ``_TEXT_READERS`` with its file endings.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from deescalate.encounter.model import Encounter, Role
from deescalate.encounter.readers.common import RawTurn, build_encounter, read_text
from deescalate.encounter.readers.json_formats import (
    is_encounter_json,
    is_whisper_json,
    parse_json,
    read_encounter_json,
    read_whisper_json,
)
from deescalate.encounter.readers.text_formats import read_plain_text, read_srt, read_vtt
from deescalate.encounter.roles import role_from_name
from deescalate.errors import Code, InputError
from deescalate.settings import Settings, get_settings

FORMATS = ("json", "whisper", "vtt", "srt", "text")

_TEXT_READERS: dict[str, Callable[..., list[RawTurn]]] = {
    "vtt": read_vtt,
    "srt": read_srt,
    "text": read_plain_text,
}
_BY_SUFFIX = {".vtt": "vtt", ".srt": "srt", ".txt": "text", ".text": "text"}


def detect_format(path: Path, text: str) -> str:
    head = text.lstrip()[:64]
    if head.startswith("{") or (head.startswith("[{") and path.suffix.lower() != ".txt"):
        return "json"
    if path.suffix.lower() == ".json":
        return "json"
    if head.startswith("WEBVTT"):
        return "vtt"
    if path.suffix.lower() in _BY_SUFFIX:
        return _BY_SUFFIX[path.suffix.lower()]
    if "-->" in text[:2000]:
        return "srt"
    if head.startswith("["):
        return "text"
    raise InputError(
        Code.E005,
        "cannot tell the format; use .json, .vtt, .srt or .txt, or pass --input-format",
        file=str(path),
    )


def read_encounter(
    path: Path | str,
    *,
    roles_file: dict[str, Role] | None = None,
    settings: Settings | None = None,
    input_format: str | None = None,
) -> Encounter:
    path = Path(path)
    settings = settings or get_settings()
    file = str(path)
    text = read_text(path, settings)
    fmt = input_format or detect_format(path, text)
    if fmt in ("json", "whisper"):
        data = parse_json(text, file)
        if fmt == "json" and is_encounter_json(data):
            return read_encounter_json(data, file=file, roles_file=roles_file, settings=settings)
        if is_whisper_json(data):
            return read_whisper_json(data, file=file, encounter_id=path.stem, roles_file=roles_file, settings=settings)
        raise InputError(
            Code.E005,
            "JSON is neither encounter/v1 (no 'utterances') nor Whisper output (no 'segments')",
            file=file,
        )
    reader = _TEXT_READERS.get(fmt)
    if reader is None:
        raise InputError(Code.E005, f"unknown input format {fmt!r}; use one of {', '.join(FORMATS)}", file=file)
    turns = reader(text, file=file)
    return build_encounter(turns, file=file, encounter_id=path.stem, roles_file=roles_file, settings=settings)


def speakers_without_role(encounter: Encounter) -> list[str]:
    """Speakers whose role stayed ``other`` only because nothing said otherwise."""
    return [
        p.name or p.id
        for p in encounter.participants
        if p.role is Role.other and p.name is not None and role_from_name(p.name) is Role.other
    ]
