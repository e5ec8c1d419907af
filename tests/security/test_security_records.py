"""Hostile input to the records readers: call files (simple and NENA EIDO), calls-for-service CSVs and mapping files.

A call file gives a CallIn that a briefing can be made from, or InputError on one line naming file and place.
A CSV import accounts for every row (imported or skipped with its line and a one-line reason): the rows it
says it imported are in the store, and none are lost without a word.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from deescalate.briefing.brief import brief
from deescalate.briefing.render import to_html
from deescalate.errors import Code, InputError
from deescalate.settings import Settings
from deescalate.store.db import make_engine, upgrade
from deescalate.store.importers import import_csv, load_mapping, read_call_file
from deescalate.store.models import Call
from tests.security.fuzz import COUNTS, DATA, FUZZ, WHOLE_FILE, file_bytes, json_bytes, mutated_tree, outcome, write

SIMPLE_CALL = {
    "number": "24-000123",
    "received_at": "2024-05-01T14:03:00",
    "type_text": "Welfare check",
    "priority": "2",
    "address": "418 Linden St Apt 3",
    "latitude": 39.74,
    "longitude": -75.55,
    "narrative": "Neighbor has not seen him in two days. No weapons that I know of.",
    "caller_name": "Rosa Ruiz",
    "persons": [{"first_name": "Luis", "last_name": "Alvarez", "date_of_birth": "1950-02-03", "role": "subject"}],
    "notes": [{"text": "caller says he has a cane", "at": "2024-05-01T14:05:00", "author": "caller"}],
}
EIDO_FILES = sorted((DATA / "eido").glob("*.json"))
CSV_FILES = sorted((DATA / "layouts").glob("*.csv"))
SETTINGS = Settings(max_input_bytes=200_000)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One migrated SQLite store for all examples of a test: imports pile up, as on a real store."""
    eng = make_engine(f"sqlite:///{tmp_path_factory.mktemp('fuzz')}/store.db")
    upgrade(eng)
    yield eng
    eng.dispose()


def _call_files() -> st.SearchStrategy[bytes]:
    bases = [json.dumps(SIMPLE_CALL).encode(), *(p.read_bytes() for p in EIDO_FILES)]
    return st.sampled_from(bases).flatmap(
        lambda base: st.one_of(file_bytes(base), mutated_tree(json.loads(base)).map(json_bytes))
    )


@FUZZ
@given(data=_call_files())
def test_security_records_call_files_never_crash(tmp_path: Path, engine: Engine, data: bytes) -> None:
    path = write(tmp_path, "call.json", data)
    call = outcome("call JSON / EIDO", path, lambda: read_call_file(path, SETTINGS))
    if call is not None:  # what was read makes a briefing, on a store with and without history
        with Session(engine) as session:
            assert to_html(brief(call, session=session)).rstrip().endswith("</html>")


@FUZZ
@given(data=st.sampled_from(CSV_FILES).flatmap(lambda p: file_bytes(p.read_bytes())), batch=st.sampled_from([1, 3]))
def test_security_records_csv_import_accounts_for_every_row(
    tmp_path: Path, engine: Engine, data: bytes, batch: int
) -> None:
    path = write(tmp_path, "calls.csv", data)
    before = _calls(engine)
    report = outcome("calls CSV", path, lambda: import_csv(engine, path, batch_size=batch), whole_file=_CSV_WHOLE)
    after = _calls(engine)
    if report is None:
        assert after == before  # refused as a whole: nothing stored
        return
    assert report.rows_read == report.rows_imported + report.rows_skipped
    assert after - before == report.rows_imported
    lines = data.count(b"\n") + data.count(b"\r") + 2
    for line, message in report.errors:
        assert 2 <= line <= lines
        assert len(message.splitlines()) == 1 and message.endswith("]"), message
    counts = COUNTS["calls CSV"]
    counts["rows read"] += report.rows_read
    counts["rows skipped with a reason"] += report.rows_skipped
    counts["rows lost"] += report.rows_read - report.rows_imported - report.rows_skipped


# the header errors name "line 1"; these are about the file as a whole
_CSV_WHOLE = WHOLE_FILE | {Code.E083}


def _calls(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(Call)) or 0


MAPPING = b"""name: springfield
columns:
  number: Incident Number
  received_at: [Call Received, Created]
  type_text: Final Type
  priority: Priority
time_format: "%m/%d/%Y %H:%M"
timezone: America/Denver
priorities:
  words: {P1: 1, P2: 2, Info: 5}
  numbers: {1: 1, 2: 2}
  above: 5
"""


@FUZZ
@given(data=st.one_of(file_bytes(MAPPING), st.just(MAPPING)))
def test_security_records_mapping_files_never_crash(tmp_path: Path, engine: Engine, data: bytes) -> None:
    path = write(tmp_path, "mapping.yaml", data)
    layout = outcome("CSV mapping YAML", path, lambda: load_mapping(path), whole_file=WHOLE_FILE | {Code.E084})
    if layout is not None:
        csv = write(tmp_path, "any.csv", b"Incident Number,Call Received,Priority\nA1,05/01/2024 14:03,P1\n")
        try:
            import_csv(engine, csv, mapping_file=path)
        except InputError as exc:  # a mapping that names columns this CSV lacks
            assert exc.code is Code.E084 and exc.where == "line 1", exc.one_line()


def test_security_records_known_hostile_rows_are_skipped_with_their_line(tmp_path: Path, engine: Engine) -> None:
    """A 5,000-digit priority (int() refused it) and a year-1 time with an offset (no UTC time in range) once
    stopped the import with a traceback; each is one row, kept or skipped, the rest imported."""
    header = b"NOPD_Item,Type_,TypeText,Priority,TimeCreate,BLOCK_ADDRESS,Location\n"
    body = (
        b"K1-24,21,OTHER," + b"9" * 5000 + b",01/15/2024 08:00:00 PM,025XX Canal St,\n"
        b"K2-24,21,OTHER,2A,0001-01-01T00:00:00+05:00,025XX Canal St,\n"
        b"K3-24,21,OTHER,2A,01/15/2024 08:00:00 PM,025XX Canal St,\n"
    )
    path = write(tmp_path, "known.csv", header + body)
    report = outcome("known hostile inputs", path, lambda: import_csv(engine, path))
    assert report is not None and report.rows_read == 3
    assert [line for line, _ in report.errors] == [3]  # the bad time; the priority is kept as written, unranked
    assert report.rows_imported == 2


def test_security_records_eido_call_back_list_that_is_not_a_list(tmp_path: Path) -> None:
    """Found by `make check-security`: the 2020 draft's updatedCBN given as true was iterated (TypeError)."""
    draft = json.loads((DATA / "eido" / "draft_2020.json").read_text())
    calls = draft["callComponent"] if isinstance(draft["callComponent"], list) else [draft["callComponent"]]
    for value in (True, 7, "tel:+13025550000", {"updatedCBNIdentifierURI": "tel:+13025550001"}):
        calls[0]["updatedCBN"] = value
        path = write(tmp_path, "draft.json", json.dumps(draft).encode())
        call = outcome("known hostile inputs", path, lambda p=path: read_call_file(p, SETTINGS))
        if isinstance(value, dict):
            assert call is not None and "+13025550001" in call.callbacks


def test_security_records_call_time_without_utc_equivalent_is_refused(tmp_path: Path) -> None:
    for received in ("0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"):
        path = write(tmp_path, "call.json", json.dumps({**SIMPLE_CALL, "received_at": received}).encode())
        assert outcome("known hostile inputs", path, lambda p=path: read_call_file(p, SETTINGS)) is None
