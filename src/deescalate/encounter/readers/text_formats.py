"""WebVTT, SRT and plain-text transcripts."""

from __future__ import annotations

import html
import re

from deescalate.encounter.readers.common import UNKNOWN_SPEAKER, RawTurn, parse_clock
from deescalate.errors import Code, InputError

_CUE_TIMING = re.compile(r"^\s*(\S+)\s+-->\s+(\S+)")
# No '<' inside a tag: a text of many unclosed '<' then fails each try at the next '<', not at the end of
# the cue (which made reading quadratic in the cue's length)
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^<>]+)>(.*?)(?:</v>|$)", re.S)
_TAG = re.compile(r"</?[^<>]+>")
# "Officer Diaz: text", "- DIAZ: text", "[Diaz] text", "Rosa (neighbor, caller): text": a short name,
# perhaps with a note in brackets, before the text
_SPEAKER_PREFIX = re.compile(
    r"^\s*-?\s*(?:\[([^\]]{1,40})\]|([A-Z][\w.'’ -]{0,38}?(?:\s*\([^()]{1,40}\))?)\s*:)\s+(.*)$", re.S
)
_TEXT_LINE = re.compile(r"^\s*\[\s*([\d:.,]+)\s*\]\s*([^:]{1,60}?)\s*:\s*(.*)$")


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Split into blank-line separated blocks, keeping each block's first line number."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            if not current:
                start = n
            current.append(line.rstrip())
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


def _cue_text(body: str) -> str:
    """Cue text without tags, entities decoded (&amp; is &), on one line."""
    return " ".join(html.unescape(_TAG.sub("", body)).split())


def _split_speaker(text: str) -> tuple[str | None, str]:
    m = _SPEAKER_PREFIX.match(text)
    if not m:
        return None, text
    name = (m.group(1) or m.group(2) or "").strip()
    return name, m.group(3).strip()


def read_vtt(text: str, *, file: str) -> list[RawTurn]:
    blocks = _blocks(text)
    if not blocks or not blocks[0][1][0].startswith("WEBVTT"):
        raise InputError(Code.E020, "a WebVTT file must start with 'WEBVTT'", file=file, where="line 1")
    turns: list[RawTurn] = []
    for line_no, lines in blocks[1:]:
        if lines[0].startswith(("NOTE", "STYLE", "REGION")):
            continue
        timing_at = 0 if "-->" in lines[0] else 1
        if timing_at >= len(lines) or "-->" not in lines[timing_at]:
            raise InputError(Code.E020, "cue has no 'start --> end' timing line", file=file, where=f"line {line_no}")
        where = f"line {line_no + timing_at}"
        m = _CUE_TIMING.match(lines[timing_at])
        if not m:
            raise InputError(Code.E021, "bad cue timing", file=file, where=where)
        start = parse_clock(m.group(1), file=file, where=where)
        end = parse_clock(m.group(2), file=file, where=where)
        body = "\n".join(lines[timing_at + 1 :])
        voices = _VOICE.findall(body)
        if voices:
            for name, said in voices:
                said = _cue_text(said)
                if said:
                    turns.append(RawTurn(html.unescape(name.strip()), start, end, said, where))
            continue
        plain = _cue_text(body)
        if plain:
            speaker, said = _split_speaker(plain)
            turns.append(RawTurn(speaker or UNKNOWN_SPEAKER, start, end, said, where))
    return turns


def read_srt(text: str, *, file: str) -> list[RawTurn]:
    turns: list[RawTurn] = []
    for line_no, lines in _blocks(text):
        timing_at = 1 if lines[0].strip().isdigit() else 0
        if timing_at >= len(lines) or "-->" not in lines[timing_at]:
            raise InputError(
                Code.E020, "subtitle block has no 'start --> end' timing line", file=file, where=f"line {line_no}"
            )
        where = f"line {line_no + timing_at}"
        m = _CUE_TIMING.match(lines[timing_at])
        if not m:
            raise InputError(Code.E021, "bad subtitle timing", file=file, where=where)
        start = parse_clock(m.group(1), file=file, where=where)
        end = parse_clock(m.group(2), file=file, where=where)
        body = " ".join(_TAG.sub("", " ".join(lines[timing_at + 1 :])).split())
        if body:
            speaker, said = _split_speaker(body)
            turns.append(RawTurn(speaker or UNKNOWN_SPEAKER, start, end, said, where))
    return turns


def read_plain_text(text: str, *, file: str) -> list[RawTurn]:
    """``[mm:ss] NAME: text`` lines; a line without the bracket continues the one before."""
    turns: list[RawTurn] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _TEXT_LINE.match(line)
        if m:
            where = f"line {n}"
            start = parse_clock(m.group(1), file=file, where=where)
            turns.append(RawTurn(m.group(2).strip(), start, None, m.group(3).strip(), where))
        elif turns and not line.lstrip().startswith("["):
            turns[-1].text = f"{turns[-1].text} {line.strip()}".strip()
        else:
            raise InputError(Code.E020, "expected '[mm:ss] NAME: text'", file=file, where=f"line {n}")
    return [t for t in turns if t.text]
