"""Readers, writers and roles on the welfare.* examples, in every format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deescalate.encounter import Encounter, Role
from deescalate.encounter.readers import detect_format, read_encounter, speakers_without_role
from deescalate.encounter.roles import load_roles_file, role_from_name
from deescalate.encounter.writers import WRITERS, to_json, to_text, to_vtt, to_whisper
from tests.encounter.welfare import (
    ALVAREZ,
    DIAZ,
    DISPATCH,
    FILES,
    KIM,
    ROLES,
    ROLES_FILE,
    ROSA,
    SPEAKERS_IN_ORDER,
    UTTERANCES,
    roles_by_name,
    rows,
)

FORMATS = list(FILES)
# Where each writer's output goes, so the reader detects it by its name like any user file.
SUFFIX = {"json": ".json", "vtt": ".vtt", "srt": ".srt", "whisper": ".whisper.json", "text": ".txt"}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def _encounter_json(**extra: object) -> dict[str, object]:
    """A small valid encounter/v1 document to vary."""
    data: dict[str, object] = {
        "format": "encounter/v1",
        "id": "small",
        "participants": [
            {"id": "O1", "role": "officer", "name": "Officer Diaz"},
            {"id": "S1", "name": "Mr. Alvarez"},
        ],
        "utterances": [
            {"id": "u1", "speaker": "O1", "start": 0.0, "end": 2.0, "text": "Sir, are you okay?"},
            {"id": "u2", "speaker": "S1", "start": 2.5, "end": 4.0, "text": "i fell"},
        ],
    }
    data.update(extra)
    return data


# --- reading every format -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_readers_read_each_format(fmt: str) -> None:
    encounter = read_encounter(FILES[fmt])

    assert len(encounter.utterances) == len(UTTERANCES) == 13
    labels = [p.label for p in encounter.participants]
    # encounter JSON lists participants in its own order; transcripts list them as they first speak
    assert labels == ([DISPATCH, DIAZ, KIM, ALVAREZ, ROSA] if fmt == "json" else SPEAKERS_IN_ORDER)
    got = rows(encounter)
    assert [(s, start, text) for s, start, _, text in got] == [(s, start, text) for s, start, _, text in UTTERANCES]
    expected_ends = [None] * len(UTTERANCES) if fmt == "text" else [end for _, _, end, _ in UTTERANCES]
    assert [end for _, _, end, _ in got] == expected_ends
    assert len({u.id for u in encounter.utterances}) == len(encounter.utterances)


@pytest.mark.parametrize("fmt", FORMATS)
def test_readers_detect_format_from_name_and_content(fmt: str) -> None:
    path = FILES[fmt]
    expected = "json" if fmt == "whisper" else fmt  # Whisper output is JSON; the reader tells the two apart
    assert detect_format(path, path.read_text("utf-8")) == expected


def test_readers_keep_asr_like_text_as_transcribed() -> None:
    for fmt in FORMATS:
        texts = [u.text for u in read_encounter(FILES[fmt]).utterances]
        assert "who is it i didnt call anybody" in texts, fmt
        assert "i fell in the kitchen i cant get up my hip [inaudible]" in texts, fmt


def test_readers_json_keeps_its_ids_and_metadata() -> None:
    encounter = read_encounter(FILES["json"])
    assert encounter.id == "welfare-linden"
    assert encounter.call_type == "welfare check"
    assert [u.id for u in encounter.utterances] == [f"u{i}" for i in range(1, 14)]
    assert [(e.t, e.type, e.by) for e in encounter.events] == [
        (60.0, "arrival", "O1"),
        (61.0, "arrival", "O2"),
        (112.0, "ems_called", "O2"),
    ]


@pytest.mark.parametrize("fmt", ["vtt", "srt", "whisper", "text"])
def test_readers_transcripts_take_the_file_stem_as_id(fmt: str) -> None:
    assert read_encounter(FILES[fmt]).id == FILES[fmt].stem


def test_readers_whisper_keeps_word_timings_and_language() -> None:
    encounter = read_encounter(FILES["whisper"])
    first = encounter.utterances[0].model_extra or {}
    assert first["words"][0] == {"word": "Unit", "start": 0.0, "end": 0.25, "score": 0.9, "speaker": DISPATCH}
    assert (encounter.model_extra or {})["language"] == "en"


def test_readers_whisper_accepts_a_bare_list_of_segments(tmp_path: Path) -> None:
    segments = [
        {"start": 0.0, "end": 1.5, "text": " hello sir", "speaker": "SPEAKER_00"},
        {"start": 1.6, "end": 2.0, "text": "   "},  # blank segments are dropped
        {"start": 2.1, "end": 3.0, "text": " hi", "speaker": "SPEAKER_01"},
        {"start": 3.5, "end": 4.0, "text": " who are you"},
    ]
    encounter = read_encounter(_write(tmp_path, "call.json", json.dumps(segments)))
    assert rows(encounter) == [
        ("SPEAKER_00", 0.0, 1.5, "hello sir"),
        ("SPEAKER_01", 2.1, 3.0, "hi"),
        ("Unknown", 3.5, 4.0, "who are you"),
    ]


def test_readers_vtt_cue_with_two_voices_gives_two_utterances(tmp_path: Path) -> None:
    vtt = (
        "WEBVTT\n\n"
        "00:00:01.000 --> 00:00:03.000\n"
        "<v Officer Diaz>Hands where I can see them</v>\n"
        "<v Mr. Alvarez>okay okay</v>\n\n"
        "00:00:04.000 --> 00:00:05.000\n"
        "<c.yellow>Officer Kim: Thank you</c>\n"
    )
    encounter = read_encounter(_write(tmp_path, "crosstalk.vtt", vtt))
    assert rows(encounter) == [
        (DIAZ, 1.0, 3.0, "Hands where I can see them"),
        (ALVAREZ, 1.0, 3.0, "okay okay"),
        (KIM, 4.0, 5.0, "Thank you"),
    ]


def test_readers_vtt_decodes_character_references(tmp_path: Path) -> None:
    vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Officer Diaz>AT&amp;T store, 5 &lt; 6 &gt; 4</v>\n"
    encounter = read_encounter(_write(tmp_path, "entities.vtt", vtt))
    assert encounter.utterances[0].text == "AT&T store, 5 < 6 > 4"


@pytest.mark.parametrize(
    ("line", "speaker", "text"),
    [
        ("Officer Diaz: Step back please", DIAZ, "Step back please"),
        ("- DIAZ: Step back please", "DIAZ", "Step back please"),
        ("[Officer Diaz] Step back please", DIAZ, "Step back please"),
        ("Rosa (neighbor, caller): he is inside", ROSA, "he is inside"),
        ("Sgt. O'Brien: Copy that", "Sgt. O'Brien", "Copy that"),
        ("step back please he said: now", "Unknown", "step back please he said: now"),
        ("It is 10:30 now", "Unknown", "It is 10:30 now"),
    ],
)
def test_readers_srt_speaker_prefix(tmp_path: Path, line: str, speaker: str, text: str) -> None:
    srt = f"1\n00:00:01,000 --> 00:00:02,500\n{line}\n"
    assert rows(read_encounter(_write(tmp_path, "one.srt", srt))) == [(speaker, 1.0, 2.5, text)]


@pytest.mark.parametrize(
    ("stamp", "seconds"),
    [
        ("00:09", 9.0),
        ("1:02", 62.0),
        ("01:02.5", 62.5),
        ("1:02:03", 3723.0),
        ("01:02:03,250", 3723.25),
        ("105:30", 6330.0),
    ],
)
def test_readers_text_timestamps(tmp_path: Path, stamp: str, seconds: float) -> None:
    encounter = read_encounter(_write(tmp_path, "t.txt", f"[{stamp}] Officer Diaz: Hello\n"))
    assert encounter.utterances[0].start == seconds


# --- round trips ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_readers_round_trip_through_encounter_json(fmt: str, tmp_path: Path) -> None:
    roles = load_roles_file(ROLES_FILE)
    original = read_encounter(FILES[fmt], roles_file=roles)

    again = read_encounter(_write(tmp_path, "again.json", to_json(original)))

    assert rows(again) == rows(original)
    assert roles_by_name(again) == roles_by_name(original) == ROLES
    assert [u.id for u in again.utterances] == [u.id for u in original.utterances]


@pytest.mark.parametrize("fmt", FORMATS)
def test_writers_round_trip_through_the_same_format(fmt: str, tmp_path: Path) -> None:
    original = read_encounter(FILES[fmt])

    written = WRITERS[fmt](original)
    again = read_encounter(_write(tmp_path, "again" + SUFFIX[fmt], written))

    assert rows(again) == rows(original)


def test_writers_vtt_escapes_what_would_read_as_a_tag(tmp_path: Path) -> None:
    encounter = Encounter.model_validate(
        {
            "id": "x",
            "participants": [{"id": "O1", "name": "Officer Diaz"}],
            "utterances": [
                {"id": "u1", "speaker": "O1", "start": 0.0, "end": 2.0, "text": "AT&T <crosstalk> 3 > 2 &amp; more"},
            ],
        }
    )
    vtt = to_vtt(encounter)
    assert "<crosstalk>" not in vtt
    again = read_encounter(_write(tmp_path, "x.vtt", vtt))
    assert again.utterances[0].text == "AT&T <crosstalk> 3 > 2 &amp; more"


def test_writers_text_round_trips_an_encounter_past_99_minutes(tmp_path: Path) -> None:
    encounter = Encounter.model_validate(
        {
            "id": "long",
            "participants": [{"id": "O1", "name": "Officer Diaz"}],
            "utterances": [
                {"id": "u1", "speaker": "O1", "start": 59.5, "text": "Starting the shift."},
                {"id": "u2", "speaker": "O1", "start": 6500.25, "text": "Clearing the call."},
            ],
        }
    )
    again = read_encounter(_write(tmp_path, "long.txt", to_text(encounter)))
    assert [u.start for u in again.utterances] == [59.5, 6500.25]


def test_writers_whisper_gives_back_word_timings(tmp_path: Path) -> None:
    original = read_encounter(FILES["whisper"])
    data = json.loads(to_whisper(original))
    source = json.loads(FILES["whisper"].read_text("utf-8"))
    assert [seg["words"] for seg in data["segments"]] == [seg["words"] for seg in source["segments"]]


# --- roles ----------------------------------------------------------------------------------------------------


def test_readers_json_declared_roles_win_over_roles_file(tmp_path: Path) -> None:
    contrary = _write(tmp_path, "contrary.yaml", "Officer Diaz: subject\nMr. Alvarez: bystander\nDispatch: officer\n")
    encounter = read_encounter(FILES["json"], roles_file=load_roles_file(contrary))
    assert roles_by_name(encounter) == ROLES


def test_readers_json_without_roles_file_keeps_declared_roles() -> None:
    encounter = read_encounter(FILES["json"])
    assert roles_by_name(encounter) == ROLES
    assert speakers_without_role(encounter) == []


def test_readers_json_roles_file_fills_a_missing_role(tmp_path: Path) -> None:
    path = _write(tmp_path, "small.json", json.dumps(_encounter_json()))
    assert read_encounter(path).participant("S1").role is Role.other
    roles = load_roles_file(_write(tmp_path, "r.yaml", "mr. alvarez: subject\n"))
    assert read_encounter(path, roles_file=roles).participant("S1").role is Role.subject


@pytest.mark.parametrize("fmt", ["vtt", "srt", "whisper", "text"])
def test_readers_roles_file_assigns_roles(fmt: str) -> None:
    encounter = read_encounter(FILES[fmt], roles_file=load_roles_file(ROLES_FILE))
    assert roles_by_name(encounter) == ROLES
    assert speakers_without_role(encounter) == []


@pytest.mark.parametrize("fmt", ["vtt", "srt", "whisper", "text"])
def test_readers_without_roles_file_use_the_name_heuristic(fmt: str) -> None:
    encounter = read_encounter(FILES[fmt])
    assert roles_by_name(encounter) == {
        DISPATCH: Role.dispatcher,
        DIAZ: Role.officer,
        KIM: Role.officer,
        ALVAREZ: Role.other,  # "Mr." says nothing about the role
        ROSA: Role.bystander,
    }
    assert speakers_without_role(encounter) == [ALVAREZ]


def test_readers_roles_file_beats_the_name_heuristic(tmp_path: Path) -> None:
    roles = load_roles_file(_write(tmp_path, "r.yaml", "OFFICER DIAZ: Subject\n"))
    encounter = read_encounter(FILES["vtt"], roles_file=roles)
    assert roles_by_name(encounter)[DIAZ] is Role.subject
    assert roles_by_name(encounter)[KIM] is Role.officer  # not in the file: heuristic


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("Officer Diaz", Role.officer),
        ("OFFICER KIM", Role.officer),
        ("Ofc. Diaz", Role.officer),
        ("Ofcr Diaz", Role.officer),
        ("Sgt. Brooks", Role.officer),
        ("Det Ruiz", Role.officer),
        ("Deputy Hale", Role.officer),
        ("Trooper", Role.officer),
        ("Unit 12", Role.officer),
        ("Female Officer", Role.officer),
        ("Officers", Role.officer),
        ("Policewoman", Role.officer),
        ("PO Chen", Role.officer),
        ("Smith (officer)", Role.officer),
        ("officer_diaz", Role.officer),
        ("Dispatch", Role.dispatcher),
        ("Dispatcher Lee", Role.dispatcher),
        ("Radio", Role.dispatcher),
        ("911 Operator", Role.dispatcher),
        ("Subject", Role.subject),
        ("Driver", Role.subject),
        ("Woman in red", Role.subject),
        ("Rosa (neighbor, caller)", Role.bystander),
        ("RP", Role.bystander),
        ("Witness 2", Role.bystander),
        ("Neighbour", Role.bystander),
        ("911 caller", Role.bystander),
        ("Paramedic Jones", Role.other),
        ("SPEAKER_00", Role.other),
        ("Speaker 1", Role.other),
        # near misses: a title-like word that is not the title
        ("Officeholder Smith", Role.other),
        ("Po Chen", Role.other),
        ("Detroit Pete", Role.other),
        ("Agentina Cruz", Role.other),
        ("Unitarian pastor", Role.other),
        ("Personnel clerk", Role.bystander),
        ("Mandy", Role.other),
        ("Manuel", Role.other),
        ("Dr. Radioactive", Role.other),
        ("OfficerDiaz", Role.other),
    ],
)
def test_roles_name_heuristic(name: str, role: Role) -> None:
    assert role_from_name(name) is role


def test_roles_file_names_match_case_insensitively() -> None:
    roles = load_roles_file(ROLES_FILE)
    assert roles["officer diaz"] is Role.officer
    assert roles["rosa (neighbor, caller)"] is Role.bystander
    assert len(roles) == 5


# --- unknown keys ---------------------------------------------------------------------------------------------


def test_writers_json_keeps_everything_the_encounter_file_had() -> None:
    original = json.loads(FILES["json"].read_text("utf-8"))
    assert json.loads(to_json(read_encounter(FILES["json"]))) == original
    # and the file does have keys the model does not know
    assert original["agency"]["case"] == "25-061402"
    assert original["participants"][1]["badge"] == "4471"
    assert original["utterances"][6]["asr_confidence"] == 0.58


def test_writers_json_keeps_unknown_keys_even_when_null(tmp_path: Path) -> None:
    data = _encounter_json(review={"status": None, "by": "Sgt. Brooks"}, note=None)
    data["utterances"][0]["confidence"] = None  # type: ignore[index]
    encounter = read_encounter(_write(tmp_path, "small.json", json.dumps(data)))
    out = json.loads(to_json(encounter))
    assert out["review"] == {"status": None, "by": "Sgt. Brooks"}
    assert "note" in out and out["note"] is None
    assert out["utterances"][0]["confidence"] is None
    # known fields that are empty are still left out
    assert "end" in out["utterances"][0] and "title" not in out and "events" not in out
