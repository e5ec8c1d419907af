"""Bad input: each refused with the right error class, code, file and place, on one line."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from deescalate.encounter.readers import read_encounter
from deescalate.encounter.roles import load_roles_file
from deescalate.errors import Code, ConfigError, DeescalateError, InputError, InputWarning
from deescalate.settings import Settings
from tests.cli.test_cli_convert import run
from tests.encounter.welfare import FILES, UTTERANCES, rows


def _doc(utterances: list[dict[str, object]], participants: list[dict[str, object]] | None = None) -> str:
    return json.dumps(
        {
            "format": "encounter/v1",
            "id": "bad",
            "participants": participants
            or [
                {"id": "O1", "role": "officer", "name": "Officer Diaz"},
                {"id": "S1", "role": "subject", "name": "Mr. Alvarez"},
            ],
            "utterances": utterances,
        },
        indent=2,
    )


def _u(uid: str, speaker: str, start: float | str, end: float | None = None, text: str = "hello") -> dict[str, object]:
    out: dict[str, object] = {"id": uid, "speaker": speaker, "start": start, "text": text}
    if end is not None:
        out["end"] = end
    return out


@dataclass
class Case:
    name: str  # file name to create (a folder when content is None and folder is set)
    content: bytes | str | None
    error: type[DeescalateError]
    code: Code
    where: str | None  # the place one_line() must name, None for errors about the whole file
    settings: Settings = field(default_factory=Settings)
    folder: bool = False
    roles: bool = False  # read as a roles file, not a transcript


CASES = {
    "empty file": Case("empty.txt", b"", InputError, Code.E002, None),
    "whitespace only": Case("blank.vtt", " \n\t\n  \n", InputError, Code.E002, None),
    "latin-1 bytes": Case(
        "latin1.txt",
        "[00:01] Officer Diaz: Buenas tardes\n[00:04] Se\u00f1ora Ruiz: s\u00ed, aqu\u00ed\n".encode("latin-1"),
        InputError,
        Code.E004,
        "line 2",
    ),
    "utf-16 cut short": Case("cut.txt", "[00:01] A: hi".encode("utf-16")[:-1], InputError, Code.E004, None),
    "invalid json": Case(
        "broken.json", '{\n  "id": "x",\n  "participants": [\n}\n', InputError, Code.E010, "line 4 column 1"
    ),
    "json neither format": Case("other.json", '{"name": "not a transcript"}', InputError, Code.E005, None),
    "json other version": Case(
        "v2.json", '{"format": "encounter/v2", "utterances": []}', InputError, Code.E005, "format"
    ),
    "speaker not a participant": Case(
        "stranger.json", _doc([_u("u1", "O1", 0), _u("u2", "X9", 1)]), InputError, Code.E012, "utterances[1]"
    ),
    "backwards json": Case(
        "back.json", _doc([_u("u1", "O1", 5, 6), _u("u2", "S1", 2, 3)]), InputError, Code.E013, "utterances[1]"
    ),
    "backwards vtt": Case(
        "back.vtt",
        "WEBVTT\n\n00:00:05.000 --> 00:00:06.000\n<v Officer Diaz>hello\n\n"
        "00:00:02.000 --> 00:00:03.000\n<v Mr. Alvarez>hi\n",
        InputError,
        Code.E013,
        "line 6",
    ),
    "backwards srt": Case(
        "back.srt",
        "1\n00:00:05,000 --> 00:00:06,000\nOfficer Diaz: hello\n\n2\n00:00:02,000 --> 00:00:03,000\nMr. Alvarez: hi\n",
        InputError,
        Code.E013,
        "line 6",
    ),
    "backwards text": Case(
        "back.txt", "[00:05] Officer Diaz: hello\n[00:02] Mr. Alvarez: hi\n", InputError, Code.E013, "line 2"
    ),
    "end before start json": Case("ends.json", _doc([_u("u1", "O1", 5, 4)]), InputError, Code.E014, "utterances[0]"),
    "end before start vtt": Case(
        "ends.vtt",
        "WEBVTT\n\n1\n00:00:05.000 --> 00:00:04.000\n<v Officer Diaz>hello\n",
        InputError,
        Code.E014,
        "line 4",
    ),
    "duplicate utterance id": Case(
        "dup.json", _doc([_u("u1", "O1", 0), _u("u1", "S1", 1)]), InputError, Code.E016, "utterances[1]"
    ),
    "duplicate participant id": Case(
        "dup-p.json",
        _doc([_u("u1", "O1", 0)], [{"id": "O1", "role": "officer"}, {"id": "O1", "role": "subject"}]),
        InputError,
        Code.E016,
        "participants[1]",
    ),
    "missing text": Case(
        "notext.json",
        _doc([_u("u1", "O1", 0), {"id": "u2", "speaker": "S1", "start": 1}]),
        InputError,
        Code.E011,
        "utterances[1].text",
    ),
    "start of the wrong type": Case(
        "type.json", _doc([_u("u1", "O1", "soon")]), InputError, Code.E011, "utterances[0].start"
    ),
    "missing participants": Case("nopart.json", '{"id": "x", "utterances": []}', InputError, Code.E011, "participants"),
    "whisper segment without start": Case(
        "w.json",
        '{"segments": [{"start": 0, "end": 1, "text": "hi"}, {"end": 2, "text": "yo"}]}',
        InputError,
        Code.E011,
        "segments[1]",
    ),
    "bad timestamp [1:75]": Case(
        "stamp.txt", "[0:05] Officer Diaz: hello\n[1:75] Mr. Alvarez: hi\n", InputError, Code.E021, "line 2"
    ),
    "bad vtt timing": Case(
        "timing.vtt", "WEBVTT\n\n00:00:01.000 --> soon\n<v Officer Diaz>hello\n", InputError, Code.E021, "line 3"
    ),
    "text line not in form": Case(
        "form.txt", "[00:01] Officer Diaz: hello\n[inaudible]\n", InputError, Code.E020, "line 2"
    ),
    "vtt without header": Case(
        "nohead.vtt", "00:00:01.000 --> 00:00:02.000\n<v Officer Diaz>hello\n", InputError, Code.E020, "line 1"
    ),
    "srt block without timing": Case(
        "notiming.srt",
        "1\n00:00:01,000 --> 00:00:02,000\nOfficer Diaz: hello\n\n2\nMr. Alvarez: hi\n",
        InputError,
        Code.E020,
        "line 5",
    ),
    "over the size limit": Case(
        "big.txt",
        "[00:01] Officer Diaz: " + "hello " * 40 + "\n",
        InputError,
        Code.E003,
        None,
        Settings(max_input_bytes=100),
    ),
    "too many utterances": Case(
        "many.txt",
        "[00:01] Officer Diaz: one\n[00:02] Officer Diaz: two\n[00:03] Officer Diaz: three\n",
        InputError,
        Code.E017,
        None,
        Settings(max_utterances=2),
    ),
    "missing file": Case("nothing-here.vtt", None, InputError, Code.E001, None),
    "a folder": Case("a-folder.vtt", None, InputError, Code.E005, None, folder=True),
    "roles: invalid role": Case(
        "roles.yaml", "Officer Diaz: officer\nMr. Alvarez: suspect\n", ConfigError, Code.E030, "Mr. Alvarez", roles=True
    ),
    "roles: not YAML": Case(
        "roles.yaml", "Officer Diaz: officer\nMr. Alvarez: [subject\n", ConfigError, Code.E030, "line 3", roles=True
    ),
    "roles: a list, not a mapping": Case(
        "roles.yaml", "- Officer Diaz\n- officer\n", ConfigError, Code.E030, None, roles=True
    ),
    "roles: not UTF-8": Case(
        "roles.yaml", "Se\u00f1ora Ruiz: bystander\n".encode("latin-1"), ConfigError, Code.E030, None, roles=True
    ),
    "roles: missing file": Case("roles.yaml", None, ConfigError, Code.E030, None, roles=True),
    "roles: a folder": Case("roles.yaml", None, ConfigError, Code.E030, None, folder=True, roles=True),
}


def _make(tmp_path: Path, case: Case) -> Path:
    path = tmp_path / case.name
    if case.folder:
        path.mkdir()
    elif isinstance(case.content, bytes):
        path.write_bytes(case.content)
    elif case.content is not None:
        path.write_text(case.content, "utf-8")
    return path


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_bad_input_is_refused_with_code_file_and_place(case: Case, tmp_path: Path) -> None:
    path = _make(tmp_path, case)
    load: Callable[[], object] = (
        (lambda: load_roles_file(path)) if case.roles else (lambda: read_encounter(path, settings=case.settings))
    )

    with pytest.raises(DeescalateError) as info:
        load()

    exc = info.value
    assert type(exc) is case.error
    assert exc.code is case.code
    assert exc.file == str(path)
    assert exc.where == case.where
    line = exc.one_line()
    expected_place = f"{path}:{case.where}: " if case.where else f"{path}: "
    assert line.startswith(expected_place)
    assert line.endswith(f" [{case.code.name}]")
    assert "\n" not in line and "\r" not in line
    assert exc.exit_code == 2


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("cross.json", _doc([_u("u1", "O1", 0, 5, "Put it down!"), _u("u2", "S1", 1, 4, "its my phone its my phone")])),
        (
            "cross.vtt",
            "WEBVTT\n\n00:00:00.000 --> 00:00:05.000\n<v Officer Diaz>Put it down!\n\n"
            "00:00:01.000 --> 00:00:04.000\n<v Mr. Alvarez>its my phone its my phone\n",
        ),
        (
            "cross.srt",
            "1\n00:00:00,000 --> 00:00:05,000\nOfficer Diaz: Put it down!\n\n"
            "2\n00:00:01,000 --> 00:00:04,000\nMr. Alvarez: its my phone its my phone\n",
        ),
    ],
)
def test_bad_input_cross_speaker_overlap_is_not_an_error(name: str, content: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text(content, "utf-8")
    assert rows(read_encounter(path)) == [
        ("Officer Diaz", 0.0, 5.0, "Put it down!"),
        ("Mr. Alvarez", 1.0, 4.0, "its my phone its my phone"),
    ]


def test_bad_input_same_speaker_overlap_within_tolerance_is_accepted(tmp_path: Path) -> None:
    # caption tools round cue edges: a speaker's next cue may start a little before the last one ends
    path = tmp_path / "edges.json"
    path.write_text(_doc([_u("u1", "O1", 0, 3.0), _u("u2", "O1", 2.6, 5.0)]), "utf-8")
    assert [u.start for u in read_encounter(path).utterances] == [0.0, 2.6]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig"])
def test_bad_input_utf16_and_utf8_with_bom_are_read(encoding: str, tmp_path: Path) -> None:
    text = FILES["text"].read_text("utf-8")
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path = tmp_path / "welfare.txt"
    path.write_bytes(data)
    encounter = read_encounter(path)
    assert [(s, start, text) for s, start, _, text in rows(encounter)] == [
        (s, start, text) for s, start, _, text in UTTERANCES
    ]


def test_bad_input_size_limit_lets_a_file_at_the_limit_through(tmp_path: Path) -> None:
    path = tmp_path / "exact.txt"
    path.write_text("[00:01] Officer Diaz: hello\n", "utf-8")
    size = path.stat().st_size
    assert len(read_encounter(path, settings=Settings(max_input_bytes=size)).utterances) == 1
    with pytest.raises(InputError) as info:
        read_encounter(path, settings=Settings(max_input_bytes=size - 1))
    assert info.value.code is Code.E003
    assert f"file is {size} bytes; the limit is {size - 1} bytes" in info.value.detail
    assert "DEESCALATE_MAX_INPUT_BYTES" in info.value.detail


# -------------------------------------------------------------- same speaker overlapping in time: kept, warned


@pytest.mark.parametrize(
    ("name", "content", "overlaps"),
    [
        (
            "overlap.srt",
            "1\n00:00:01,000 --> 00:00:06,000\nOfficer Diaz: Step back.\n\n"
            "2\n00:00:03,000 --> 00:00:07,000\nOfficer Diaz: Step back now.\n\n"
            "3\n00:00:05,000 --> 00:00:09,000\nOfficer Diaz: Back.\n",
            2,
        ),
        (
            "overlap.vtt",
            "WEBVTT\n\n00:00:01.000 --> 00:00:06.000\n<v Officer Diaz>Step back.\n\n"
            "00:00:03.000 --> 00:00:07.000\n<v Officer Diaz>Step back now.\n",
            1,
        ),
        ("overlap.json", _doc([_u("u1", "O1", 0, 5), _u("u2", "O1", 2, 6), _u("u3", "S1", 3, 4)]), 1),
    ],
    ids=["srt", "vtt", "json"],
)
def test_readers_keep_same_speaker_overlap_and_warn_once(
    tmp_path: Path, name: str, content: str, overlaps: int
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.warns(InputWarning) as caught:
        enc = read_encounter(path)
    assert len(caught) == 1
    message = str(caught[0].message)
    assert name in message and "W015" in message and "kept" in message
    assert ("more" in message) is (overlaps > 1)
    assert len(enc.utterances) == (3 if name.endswith(".json") else content.count("-->"))


@pytest.mark.parametrize("gap", [0.0, 0.4], ids=["touching", "within-tolerance"])
def test_readers_adjacent_turns_of_one_speaker_do_not_warn(tmp_path: Path, gap: float) -> None:
    path = tmp_path / "ok.json"
    path.write_text(_doc([_u("u1", "O1", 0, 5), _u("u2", "O1", 5 - gap, 8)]), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        read_encounter(path)


def test_cli_prints_the_overlap_warning_once_and_succeeds(tmp_path: Path) -> None:
    path = tmp_path / "overlap.json"
    path.write_text(_doc([_u("u1", "O1", 0, 5), _u("u2", "O1", 2, 6), _u("u3", "O1", 3, 9)]), encoding="utf-8")
    result = run("convert", path)
    assert result.returncode == 0, result.stderr
    warnings_printed = [ln for ln in result.stderr.splitlines() if ln.startswith("warning:")]
    assert len(warnings_printed) == 1 and "W015" in warnings_printed[0]
    assert "Traceback" not in result.stderr
