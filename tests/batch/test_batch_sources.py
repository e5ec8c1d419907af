"""Finding the work: folders, CSV and JSON manifests, incidents, and keys by content."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from deescalate.batch.sources import file_sha256, incident_key, is_manifest, plan_sources
from deescalate.errors import Code, InputError
from deescalate.settings import Settings
from tests.batch.conftest import TRAIN, text_backlog

HEADER = "file,incident_id,camera_wearer,start_time"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    text_backlog(tmp_path, 2)  # w01-01.json, w01-02.json
    (tmp_path / "notes.docx").write_text("not a transcript")
    return tmp_path


def manifest(folder: Path, *rows: str, header: str = HEADER) -> Path:
    path = folder / "manifest.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


A, B = TRAIN[0].name, TRAIN[1].name


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("missing.json,,,", "file 'missing.json' not found"),
        (f"{A},,,2024-13-01T10:00:00", "start_time '2024-13-01T10:00:00' is not a date and time"),
        (f"{A},,,yesterday", "start_time 'yesterday' is not a date and time"),
        (",INC-1,,", "file:"),
        (f"{A},,", "3 cells for 4 columns"),
        (f"{A},,,,", "5 cells for 4 columns"),
        ("notes.docx,,,", "neither a transcript"),
        (f"{A},{'x' * 121},,", "incident_id"),
    ],
)
def test_sources_bad_manifest_row_is_one_line_naming_file_row_and_problem(folder: Path, row: str, problem: str) -> None:
    path = manifest(folder, f"{B},,,", row)
    plan = plan_sources([path], settings=Settings())
    assert len(plan.bad_rows) == 1, plan.bad_rows
    line = plan.bad_rows[0]
    assert line.startswith(f"{path}:row 3: ") and problem in line and line.endswith("[E154]")
    assert "\n" not in line
    assert [Path(m.path).name for item in plan.items for m in item.members] == [B]  # the good row still counts


@pytest.mark.parametrize(
    "row",
    [
        f"{A},,,",
        f"./{A},,,",
        f"{A},,,2024-05-01 10:00:00",
        f"{A},,,2024-05-01T10:00:00Z",
        f"{A},INC-1,Officer Lee,",
        f"{A}, , ,",  # blanks are absent, not values
    ],
)
def test_sources_near_miss_manifest_rows_are_good(folder: Path, row: str) -> None:
    plan = plan_sources([manifest(folder, row)], settings=Settings())
    assert plan.bad_rows == []
    assert [Path(m.path).name for item in plan.items for m in item.members] == [A]


def test_sources_row_listed_twice_names_the_first(folder: Path) -> None:
    path = manifest(folder, f"{A},,,", f"{B},,,", f"./{A},,,")
    plan = plan_sources([path], settings=Settings())
    assert plan.bad_rows == [f"{path}:row 4: file './{A}' is listed again (first at row 2) [E154]"]


@pytest.mark.parametrize(
    ("header", "ok"),
    [
        (HEADER, True),
        ("Path,Incident,Wearer,Started At", True),
        ("File Name,incident-id,officer,start", True),
        ("name,incident_id,camera_wearer,start_time", False),
        ("", False),
    ],
)
def test_sources_manifest_header_needs_a_file_column(folder: Path, header: str, ok: bool) -> None:
    path = manifest(folder, f"{A},INC-1,Officer Lee,2024-05-01T10:00:00Z", header=header)
    if ok:
        item = plan_sources([path], settings=Settings()).items[0]
        assert (item.incident_id, item.members[0].wearer) == ("INC-1", "Officer Lee")
        assert item.members[0].started_at == "2024-05-01T10:00:00+00:00"
        return
    with pytest.raises(InputError) as caught:
        plan_sources([path], settings=Settings())
    assert caught.value.code is Code.E153
    assert caught.value.one_line().startswith(f"{path}:row 1: manifest has no 'file' column")


def test_sources_start_time_without_offset_is_read_in_the_agency_zone(folder: Path) -> None:
    path = manifest(folder, f"{A},,,2024-01-15T10:00:00", f"{B},,,2024-01-15T10:00:00+01:00")
    plan = plan_sources([path], settings=replace(Settings(), timezone="America/Chicago"))
    assert [item.members[0].started_at for item in plan.items] == [
        "2024-01-15T10:00:00-06:00",
        "2024-01-15T10:00:00+01:00",
    ]


def test_sources_json_manifest_rows(folder: Path) -> None:
    path = folder / "manifest.json"
    rows = [{"file": A, "incident_id": "INC-2"}, "w01-02.json", {"file": B, "start_time": "soon"}]
    path.write_text(json.dumps(rows))
    plan = plan_sources([path], settings=Settings())
    assert plan.bad_rows[0].startswith(f"{path}:row 2: is str, not an object")
    assert plan.bad_rows[1].startswith(f"{path}:row 3: start_time 'soon' is not a date and time")
    assert [item.incident_id for item in plan.items] == ["INC-2"]


def test_sources_incident_with_a_bad_row_is_left_out_whole(folder: Path) -> None:
    path = manifest(folder, f"{A},INC-1,,", "missing.json,INC-1,,", f"{B},,,")
    plan = plan_sources([path], settings=Settings())
    assert [item.members[0].path for item in plan.items] == [str(folder / B)]
    assert plan.bad_rows[0].startswith(f"{path}:row 3: file 'missing.json' not found")
    assert "incident 'INC-1' left out" in plan.bad_rows[1] and A in plan.bad_rows[1] and "row 3" in plan.bad_rows[1]


def test_sources_incident_groups_cameras_in_manifest_order(folder: Path) -> None:
    path = manifest(folder, f"{B},INC-1,Officer B,", f"{A},INC-1,Officer A,")
    (item,) = plan_sources([path], settings=Settings()).items
    assert item.kind == "incident" and [m.wearer for m in item.members] == ["Officer B", "Officer A"]
    assert item.officer == "Officer B"  # the first camera's wearer: the reference clock
    flipped = manifest(folder, f"{A},INC-1,,", f"{B},INC-1,,")
    assert plan_sources([flipped], settings=Settings()).items[0].key == item.key  # the same cameras, any order
    assert item.key == incident_key([file_sha256(folder / A), file_sha256(folder / B)])


def test_sources_same_content_under_two_names_is_one_item(folder: Path) -> None:
    shutil.copy(folder / A, folder / "z-copy-of-a.json")
    plan = plan_sources([folder], settings=Settings())
    assert len(plan.items) == 2 and plan.duplicates == [str(folder / "z-copy-of-a.json")]
    (folder / "z-copy-of-a.json").write_text((folder / A).read_text() + "\n")  # one byte more: other content
    assert len(plan_sources([folder], settings=Settings()).items) == 3


def test_sources_folder_walk_skips_hidden_and_other_files_and_what_a_manifest_lists(folder: Path) -> None:
    (folder / ".hidden").mkdir()
    shutil.copy(TRAIN[2], folder / ".hidden" / TRAIN[2].name)
    shutil.copy(TRAIN[3], folder / f".{TRAIN[3].name}")
    (folder / "sub").mkdir()
    shutil.copy(TRAIN[4], folder / "sub" / TRAIN[4].name)
    (folder / "roles.yaml").write_text("Officer Diaz: officer\n")
    (folder / "sub" / "more.json").write_text(json.dumps([{"file": B}]))  # a manifest is read only when named
    path = manifest(folder, f"{A},,Officer Lee,")
    plan = plan_sources([path, folder], settings=Settings())
    found = [(Path(i.members[0].path).name, i.members[0].wearer) for i in plan.items]
    assert found[0] == (A, "Officer Lee")  # from the manifest, not again from the folder
    assert sorted(found[1:]) == [(B, None), (TRAIN[4].name, None)]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("list.json", '[{"file": "a.json"}]', True),
        ("list.json", '  [{"file": "a.json", "incident_id": "1"}]', True),
        ("whisper.json", '[{"start": 0.0, "end": 1.0, "text": "hello"}]', False),
        ("encounter.json", '{"utterances": [], "file": "a.json"}', False),
        ("empty.json", "[]", False),
        ("rows.csv", "file\na.json\n", True),
        ("rows.txt", '[{"file": "a.json"}]', False),
        ("broken.json", '[{"file": ', False),  # fails as a transcript, one line, instead of stopping the batch
    ],
)
def test_sources_what_is_a_manifest(tmp_path: Path, name: str, content: str, expected: bool) -> None:
    path = tmp_path / name
    path.write_text(content)
    assert is_manifest(path) is expected


def test_sources_missing_source_stops_with_one_line(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        plan_sources([tmp_path / "nowhere"], settings=Settings())
    assert caught.value.code is Code.E001 and "nowhere" in caught.value.one_line()
