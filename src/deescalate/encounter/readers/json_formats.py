"""encounter/v1 JSON and faster-whisper / WhisperX JSON."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from deescalate.encounter.model import FORMAT, Encounter, Participant, Role
from deescalate.encounter.readers.common import UNKNOWN_SPEAKER, RawTurn, build_encounter, check_encounter
from deescalate.encounter.roles import resolve_role
from deescalate.errors import Code, InputError
from deescalate.settings import Settings

# Far deeper than any transcript, Whisper output or EIDO document (about ten levels); pydantic refuses to
# write out a value past a few hundred levels, so a deeper one read in could not be stored or reported.
MAX_JSON_DEPTH = 64


def parse_json(text: str, file: str) -> Any:
    too_deep = InputError(Code.E010, f"arrays or objects are nested more than {MAX_JSON_DEPTH} deep", file=file)
    try:
        data = json.loads(text, parse_constant=_not_json, parse_float=_finite)
    except _NotJson as exc:
        raise InputError(Code.E010, f"not valid JSON: {exc}", file=file) from None
    except json.JSONDecodeError as exc:
        raise InputError(
            Code.E010, f"not valid JSON: {exc.msg}", file=file, where=f"line {exc.lineno} column {exc.colno}"
        ) from None
    except ValueError:  # Python refuses integers of more than 4,300 digits (a guard against slow conversion)
        raise InputError(Code.E010, "not valid JSON: a number has too many digits", file=file) from None
    except RecursionError:
        raise too_deep from None
    if _depth(data) > MAX_JSON_DEPTH:
        raise too_deep
    return data


class _NotJson(Exception):
    """What Python's json module reads but JSON has not: NaN, Infinity, and numbers too large for a float."""


def _not_json(name: str) -> float:
    # Written out again these become null (pydantic) or are refused: the file would not survive a round trip
    raise _NotJson(f"{name} is not a JSON value")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotJson(f"number {text[:20]} is too large")
    return value


def _depth(data: Any) -> int:
    """How deeply arrays and objects nest in DATA (iteratively: the depth may be past the recursion limit)."""
    deepest, todo = 0, [(data, 1)]
    while todo:
        value, depth = todo.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        todo.extend((child, depth + 1) for child in children)
    return deepest


def is_encounter_json(data: Any) -> bool:
    return isinstance(data, dict) and (data.get("format") == FORMAT or "utterances" in data)


def is_whisper_json(data: Any) -> bool:
    if isinstance(data, dict):
        return isinstance(data.get("segments"), list)
    return isinstance(data, list) and bool(data) and isinstance(data[0], dict) and "start" in data[0]


def _field_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def read_encounter_json(data: Any, *, file: str, roles_file: dict[str, Role] | None, settings: Settings) -> Encounter:
    fmt = data.get("format")
    if fmt is not None and fmt != FORMAT:
        raise InputError(Code.E005, f"format {fmt!r} is not {FORMAT!r}", file=file, where="format")
    try:
        encounter = Encounter.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InputError(Code.E011, err["msg"].lower(), file=file, where=_field_path(err["loc"])) from None
    if roles_file:
        encounter = encounter.model_copy(
            update={
                "participants": [
                    p.model_copy(update={"role": resolve_role(p.name or p.id, declared=p.role, roles_file=roles_file)})
                    for p in encounter.participants
                ]
            }
        )
    check_encounter(encounter, file=file, settings=settings)
    return encounter


def read_whisper_json(
    data: Any, *, file: str, encounter_id: str, roles_file: dict[str, Role] | None, settings: Settings
) -> Encounter:
    segments = data if isinstance(data, list) else data["segments"]
    turns: list[RawTurn] = []
    for i, seg in enumerate(segments):
        where = f"segments[{i}]"
        if not isinstance(seg, dict):
            raise InputError(Code.E011, "segment must be an object", file=file, where=where)
        try:
            start = float(seg["start"])
            end = float(seg["end"]) if seg.get("end") is not None else None
            text = str(seg["text"]).strip()
        except KeyError as exc:
            raise InputError(Code.E011, f"missing {exc.args[0]!r}", file=file, where=where) from None
        except (TypeError, ValueError):
            raise InputError(Code.E011, "start/end must be numbers", file=file, where=where) from None
        if not (math.isfinite(start) and (end is None or math.isfinite(end))):
            raise InputError(Code.E021, "start/end must be finite numbers", file=file, where=where)
        if start < 0:
            raise InputError(Code.E021, "start is negative", file=file, where=where)
        if not text:
            continue
        speaker = str(seg.get("speaker") or UNKNOWN_SPEAKER)
        extra: dict[str, object] = {}
        if isinstance(seg.get("words"), list):
            extra["words"] = seg["words"]
        turns.append(RawTurn(speaker, start, end, text, where, extra))
    meta: dict[str, object] = {}
    if isinstance(data, dict) and data.get("language"):
        meta["language"] = data["language"]
    return build_encounter(
        turns, file=file, encounter_id=encounter_id, roles_file=roles_file, settings=settings, meta=meta
    )


def participant_for(name: str) -> Participant:
    return Participant(id=name, name=name)


def encounter_id_for(path: Path) -> str:
    return path.stem
