"""Hostile input to every transcript reader: a valid encounter comes back, or InputError on one line naming the
file and the place; nothing else (no traceback, no hang past the hypothesis deadline)."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deescalate.analysis.analyzer import Analyzer, analyze
from deescalate.encounter.model import Encounter
from deescalate.encounter.readers import read_encounter
from deescalate.settings import Settings
from tests.security.fuzz import (
    DATA,
    FUZZ,
    bounded_python,
    cues,
    file_bytes,
    json_file,
    outcome,
    srt_from,
    text_from,
    vtt_from,
    whisper_from,
    write,
)

# overlaps and unknown roles are warnings about input that is read as it is: not what these tests look at
pytestmark = pytest.mark.filterwarnings("ignore::deescalate.errors.InputWarning")

# Small limits, so that "too large" and "too many utterances" are reachable by mutation too.
SETTINGS = Settings(max_input_bytes=200_000, max_utterances=400)


@cache
def _rules_only() -> Analyzer:
    return Analyzer(model=None)


def _read(reader: str, folder: Path, name: str, data: bytes) -> None:
    path = write(folder, name, data)
    encounter = outcome(reader, path, lambda: read_encounter(path, settings=SETTINGS))
    if encounter is not None:
        _check_valid(encounter)


def _check_valid(encounter: Encounter) -> None:
    """What a reader hands on holds together: it survives a round trip, its times are finite and in order,
    every speaker is a participant, and the rules can analyse it."""
    assert Encounter.model_validate(encounter.to_json_dict()) == encounter
    starts = [u.start for u in encounter.utterances]
    assert all(math.isfinite(t) and t >= 0 for t in starts)
    assert starts == sorted(starts)
    assert all(u.end is None or (math.isfinite(u.end) and u.end >= u.start) for u in encounter.utterances)
    ids = {p.id for p in encounter.participants}
    assert {u.speaker for u in encounter.utterances} <= ids
    analyze(encounter, _rules_only())


@FUZZ
@given(data=st.one_of(json_file(DATA / "welfare.json"), json_file(DATA / "welfare.json")))
def test_security_readers_encounter_json_never_crashes(tmp_path: Path, data: bytes) -> None:
    _read("encounter JSON", tmp_path, "welfare.json", data)


@FUZZ
@given(data=st.one_of(json_file(DATA / "welfare.whisper.json"), cues().map(whisper_from)))
def test_security_readers_whisper_json_never_crashes(tmp_path: Path, data: bytes) -> None:
    _read("Whisper JSON", tmp_path, "welfare.whisper.json", data)


@pytest.mark.parametrize(
    ("reader", "name", "from_cues"),
    [("WebVTT", "welfare.vtt", vtt_from), ("SRT", "welfare.srt", srt_from), ("plain text", "welfare.txt", text_from)],
)
@FUZZ
@given(data=st.data())
def test_security_readers_caption_and_text_formats_never_crash(
    tmp_path: Path, data: st.DataObject, reader: str, name: str, from_cues: Callable[..., bytes]
) -> None:
    """Mutations of the valid file, and cues from scratch with timestamps out of order, negative or huge."""
    content = data.draw(st.one_of(file_bytes((DATA / name).read_bytes()), cues().map(from_cues)))
    _read(reader, tmp_path, name, content)


@FUZZ
@given(data=file_bytes((DATA / "welfare.vtt").read_bytes()), name=st.sampled_from(["x.vtt", "x.srt", "x.txt", "x"]))
def test_security_readers_format_detection_never_crashes(tmp_path: Path, data: bytes, name: str) -> None:
    """Content under another format's name (or none) goes through detection and the wrong reader."""
    _read("format detection", tmp_path, name, data)


def test_security_readers_quadratic_cue_stays_linear(tmp_path: Path) -> None:
    """A 600 kB cue of unclosed voice tags (each '<v' used to be tried to the end of the cue: minutes) reads in a
    child process that is killed past its timeout, so a regression fails here instead of hanging the suite."""
    path = write(tmp_path, "tags.vtt", b"WEBVTT\n\n00:00.000 --> 00:01.000\n" + b"<v <" * 150_000 + b"\n")
    script = (
        "import sys; from deescalate.encounter.readers import read_encounter; "
        "e = read_encounter(sys.argv[1]); print(len(e.utterances[0].text))"
    )
    done = bounded_python(script, str(path), timeout_s=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == len("<v <") * 150_000  # the whole cue kept as its text


# Each of these crashed a reader (a traceback, not a one-line error) before it was fixed; the random
# examples above need luck to hit them, so they are tried every run.
KNOWN = {
    "clock of 5,000 digits": ("t.txt", b"[" + b"9" * 5000 + b":00] A: hi\n"),
    "clock past float": ("t.txt", b"[" + b"9" * 400 + b":00] A: hi\n"),
    "vtt clock past float": ("t.vtt", b"WEBVTT\n\n" + b"9" * 400 + b":00:00.000 --> 00:01.000\nhi\n"),
    "integer of 5,000 digits": ("e.json", b'{"id":"x","participants":[],"utterances":[],"n":' + b"1" * 5000 + b"}"),
    "arrays 100,000 deep": ("e.json", b"[" * 100_000 + b"]" * 100_000),
    "objects 300 deep": ("w.json", b'{"segments":[{"start":0,"text":"x","words":' + b"[" * 300 + b"]" * 300 + b"}]}"),
    "NaN start (whisper)": ("w.json", b'{"segments":[{"start":"nan","end":1,"text":"x"}]}'),
    "infinite start (whisper)": ("w.json", b'{"segments":[{"start":1e999,"text":"x"}]}'),
    "NaN language (whisper)": ("w.json", b'{"language":NaN,"segments":[{"start":0,"text":"x"}]}'),
    "infinite start (encounter)": (
        "e.json",
        b'{"id":"x","participants":[{"id":"a"}],"utterances":[{"id":"u","speaker":"a","start":1e999,"text":"x"}]}',
    ),
}


@pytest.mark.parametrize("case", KNOWN, ids=list(KNOWN))
def test_security_readers_known_hostile_inputs_are_refused(tmp_path: Path, case: str) -> None:
    name, data = KNOWN[case]
    path = write(tmp_path, name, data)
    assert outcome("known hostile inputs", path, lambda: read_encounter(path, settings=SETTINGS)) is None
