"""What every reader shares: safe loading of text and checks on the result."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from deescalate.encounter.model import Encounter, Participant, Role, Utterance
from deescalate.encounter.roles import resolve_role
from deescalate.errors import Code, InputError, InputWarning
from deescalate.settings import Settings

# A speaker's new utterance may start this much before its previous one ends
# (ASR and caption tools round segment edges) before we call it an overlap.
SAME_SPEAKER_OVERLAP_TOLERANCE_S = 0.5

UNKNOWN_SPEAKER = "Unknown"


def read_text(path: Path, settings: Settings) -> str:
    """Read a whole input file as text, refusing empty, huge or non-UTF-8 files."""
    where = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(Code.E001, "file not found", file=where) from None
    except OSError as exc:
        raise InputError(Code.E001, f"cannot read the file: {exc.strerror}", file=where) from None
    if path.is_dir():
        raise InputError(Code.E005, "is a folder, not a file", file=where)
    if size > settings.max_input_bytes:
        raise InputError(
            Code.E003,
            f"file is {_size(size)}; the limit is {_size(settings.max_input_bytes)} "
            "(set DEESCALATE_MAX_INPUT_BYTES to change it)",
            file=where,
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(Code.E001, f"cannot read the file: {exc.strerror}", file=where) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(Code.E004, "starts like UTF-16 but is cut short or damaged", file=where) from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise InputError(
                Code.E004,
                f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
                file=where,
                where=f"line {line}",
            ) from None
    if not text.strip():
        raise InputError(Code.E002, "file is empty", file=where)
    return text


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1_000_000 else f"{n} bytes"


# Without hours the minutes may run past 99 ("[105:30]"), as long recordings need; nine digits is
# nineteen centuries of minutes, and keeps a hostile 5,000-digit "minute" from reaching int() and float().
_TS = re.compile(r"^(?:(\d{1,9}):)?(\d{1,9}):(\d{1,2})(?:[.,](\d{1,3}))?$")


def parse_clock(value: str, *, file: str, where: str) -> float:
    """Parse hh:mm:ss.mmm, mm:ss, mm:ss,mmm into seconds."""
    text = value.strip()
    m = _TS.match(text)
    hours, minutes, seconds, frac = m.groups() if m else (None, "0", "0", None)
    if not m or int(seconds) >= 60 or (hours is not None and int(minutes) >= 60):
        shown = text if len(text) <= 40 else text[:37] + "..."
        raise InputError(Code.E021, f"bad timestamp {shown!r}", file=file, where=where)
    total = float(int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds))
    if frac:
        total += int(frac.ljust(3, "0")) / 1000
    return total


@dataclass
class RawTurn:
    """One utterance as a reader found it, before participants are resolved."""

    speaker: str
    start: float
    end: float | None
    text: str
    where: str
    extra: dict[str, object] = field(default_factory=dict)


def build_encounter(
    turns: list[RawTurn],
    *,
    file: str,
    encounter_id: str,
    roles_file: dict[str, Role] | None,
    settings: Settings,
    meta: dict[str, object] | None = None,
) -> Encounter:
    """Turn a reader's raw turns into a checked Encounter."""
    if not turns:
        raise InputError(Code.E002, "file has no utterances", file=file)
    names: dict[str, str] = {}
    for turn in turns:
        names.setdefault(turn.speaker.casefold(), turn.speaker)
    ids: dict[str, str] = {}
    participants = []
    for key, name in names.items():
        pid = _unique_id(name, ids.values())
        ids[key] = pid
        role = resolve_role(name, declared=None, roles_file=roles_file)
        participants.append(Participant(id=pid, role=role, name=name))
    utterances = []
    for i, t in enumerate(turns, 1):
        try:
            utterances.append(
                Utterance(
                    id=f"u{i}",
                    speaker=ids[t.speaker.casefold()],
                    start=round(t.start, 3),
                    end=None if t.end is None else round(t.end, 3),
                    text=t.text,
                    **t.extra,  # type: ignore[arg-type]
                )
            )
        except ValidationError as exc:
            raise _invalid(exc, file=file, where=t.where) from None
    try:
        encounter = Encounter(
            id=encounter_id,
            participants=participants,
            utterances=utterances,
            **(meta or {}),  # type: ignore[arg-type]
        )
    except ValidationError as exc:
        raise _invalid(exc, file=file, where=None) from None
    check_encounter(encounter, file=file, settings=settings, places=[t.where for t in turns])
    return encounter


def _invalid(exc: ValidationError, *, file: str, where: str | None) -> InputError:
    """What a reader let through that the model refuses (a time that is not a finite number, a field of
    the wrong type) as the one-line error naming the reader's own place."""
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err["loc"])
    detail = f"{field}: {err['msg'].lower()}" if field else err["msg"].lower()
    return InputError(Code.E011, detail, file=file, where=where)


def _unique_id(name: str, taken: object) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") or "speaker"
    pid, n = base, 2
    while pid in taken:  # type: ignore[operator]
        pid, n = f"{base}-{n}", n + 1
    return pid


def check_encounter(encounter: Encounter, *, file: str, settings: Settings, places: list[str] | None = None) -> None:
    """Checks every reader applies: ids, speakers, time order, overlaps, size."""

    def where(i: int) -> str:
        return places[i] if places else f"utterances[{i}]"

    if len(encounter.utterances) > settings.max_utterances:
        raise InputError(
            Code.E017,
            f"{len(encounter.utterances)} utterances; the limit is {settings.max_utterances} "
            "(set DEESCALATE_MAX_UTTERANCES to change it)",
            file=file,
        )
    seen_participants: set[str] = set()
    for i, p in enumerate(encounter.participants):
        if p.id in seen_participants:
            raise InputError(Code.E016, f"participant id {p.id!r} is used twice", file=file, where=f"participants[{i}]")
        seen_participants.add(p.id)
    seen: set[str] = set()
    last_start = 0.0
    last_by_speaker: dict[str, Utterance] = {}
    overlaps: list[str] = []
    for i, u in enumerate(encounter.utterances):
        if u.id in seen:
            raise InputError(Code.E016, f"utterance id {u.id!r} is used twice", file=file, where=where(i))
        seen.add(u.id)
        if u.speaker not in seen_participants:
            raise InputError(
                Code.E012, f"speaker {u.speaker!r} is not listed in participants", file=file, where=where(i)
            )
        if u.end is not None and u.end < u.start:
            raise InputError(
                Code.E014, f"ends at {u.end:g}s, before it starts at {u.start:g}s", file=file, where=where(i)
            )
        if u.start < last_start:
            raise InputError(
                Code.E013,
                f"starts at {u.start:g}s, before the previous utterance at {last_start:g}s",
                file=file,
                where=where(i),
            )
        last_start = u.start
        previous = last_by_speaker.get(u.speaker)
        if (
            previous is not None
            and previous.end is not None
            and u.start < previous.end - SAME_SPEAKER_OVERLAP_TOLERANCE_S
        ):
            overlaps.append(
                f"{where(i)} starts at {u.start:g}s while the same speaker's utterance {previous.id} "
                f"runs to {previous.end:g}s"
            )
        last_by_speaker[u.speaker] = u
    if overlaps:
        # real captions and diarized speech-to-text do this; the words are kept, the user told once
        more = f" (and {len(overlaps) - 1} more)" if len(overlaps) > 1 else ""
        warnings.warn(InputWarning(Code.W015, f"{overlaps[0]}{more}; kept as they are", file=file), stacklevel=2)
