"""Writers: an Encounter out as encounter/v1 JSON, or back to a transcript format."""

from __future__ import annotations

import html
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from deescalate.encounter.model import Encounter


def to_json(encounter: Encounter) -> str:
    return json.dumps(encounter.to_json_dict(), indent=2, ensure_ascii=False) + "\n"


def _clock(seconds: float, sep: str = ".", hours: bool = True) -> str:
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    if not hours:
        return f"{h * 60 + m:02d}:{s:02d}{sep}{ms:03d}"
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _end(encounter: Encounter, i: int) -> float:
    u = encounter.utterances[i]
    if u.end is not None:
        return u.end
    return u.start + max(1.0, len(u.text.split()) / 2.5)


def _name(encounter: Encounter, speaker: str) -> str:
    return encounter.participant(speaker).label


def to_vtt(encounter: Encounter) -> str:
    lines = ["WEBVTT", ""]
    for i, u in enumerate(encounter.utterances):
        # WebVTT cue text escapes &, < and > (a bare "<" would start a tag).
        name = html.escape(_name(encounter, u.speaker), quote=False)
        said = html.escape(" ".join(u.text.split()), quote=False)
        lines += [u.id, f"{_clock(u.start)} --> {_clock(_end(encounter, i))}", f"<v {name}>{said}", ""]
    return "\n".join(lines)


def to_srt(encounter: Encounter) -> str:
    lines: list[str] = []
    for i, u in enumerate(encounter.utterances, 1):
        lines += [
            str(i),
            f"{_clock(u.start, ',')} --> {_clock(_end(encounter, i - 1), ',')}",
            f"{_name(encounter, u.speaker)}: {u.text}",
            "",
        ]
    return "\n".join(lines)


def to_text(encounter: Encounter) -> str:
    out = []
    for u in encounter.utterances:
        out.append(f"[{_clock(u.start, hours=False)}] {_name(encounter, u.speaker)}: {u.text}")
    return "\n".join(out) + "\n"


def to_whisper(encounter: Encounter) -> str:
    segments: list[dict[str, Any]] = []
    for i, u in enumerate(encounter.utterances):
        seg: dict[str, Any] = {
            "id": i,
            "start": u.start,
            "end": _end(encounter, i),
            "text": u.text,
            "speaker": _name(encounter, u.speaker),
        }
        words = (u.model_extra or {}).get("words")
        if isinstance(words, list):  # read from Whisper: give the word timings back
            seg["words"] = words
        segments.append(seg)
    return json.dumps({"segments": segments}, indent=2, ensure_ascii=False) + "\n"


WRITERS = {"json": to_json, "vtt": to_vtt, "srt": to_srt, "text": to_text, "whisper": to_whisper}


# File systems take 255 bytes in a name; the rest is room for write_atomic's temporary ".NAME.xxxxxxxx".
MAX_NAME_BYTES = 200


def safe_file_name(text: str, default: str) -> str:
    """TEXT (an uploaded file's name, an id from inside a file) as one file name within a folder: only its last
    path part, no NUL, never "." or ".." (DEFAULT then), at most MAX_NAME_BYTES with its suffix kept."""
    name = text.replace("\x00", "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if name in ("", ".", ".."):
        return default
    suffix = Path(name).suffix[:16]
    stem = name[: len(name) - len(suffix)]
    while len((stem + suffix).encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return (stem + suffix) if stem else default


def write_atomic(path: Path, content: str) -> None:
    """Write via a temporary file and rename, so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(content)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes files private; reports are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
