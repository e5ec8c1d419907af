"""Built-in CSV layouts: each city's export detected from its header and imported; priorities on one scale;
block addresses as ranges a house number falls in; withheld addresses never premises; a bad layouts file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from deescalate.briefing.call import CallIn
from deescalate.errors import Code, ConfigError, InputError
from deescalate.store.addresses import BlockRange, block_range, find_premise, is_withheld
from deescalate.store.importers import import_csv, store_call
from deescalate.store.layouts import LAYOUTS, detect_layout, load_layouts, priority_level
from deescalate.store.models import Call, Premise

DATA = Path(__file__).parent.parent / "data" / "layouts"

# layout: (rows read, imported, skipped, premises, the codes of the skipped rows)
EXPECTED = {
    "new-orleans": (3, 2, 1, 1, ["E021"]),
    "seattle": (2, 2, 0, 0, []),
    "seattle-current": (3, 2, 1, 0, ["E011"]),
    "detroit": (3, 3, 0, 3, []),
    "cincinnati": (2, 2, 0, 1, []),
    "san-francisco": (2, 2, 0, 1, []),
    "baltimore": (4, 4, 0, 2, []),
    "los-angeles": (3, 2, 1, 0, ["E021"]),
}


def test_layouts_every_builtin_layout_has_a_fixture() -> None:
    assert set(LAYOUTS) == set(EXPECTED) == {p.stem for p in DATA.glob("*.csv")}
    assert all(layout.dataset for layout in LAYOUTS.values())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_layouts_fixture_detected_and_imported(name: str, engine: Engine, factory: sessionmaker[Session]) -> None:
    path = DATA / f"{name}.csv"
    header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
    layout = detect_layout(header)
    assert layout is not None and layout.name == name
    report = import_csv(engine, path, layout=None, mapping_file=None)
    read, imported, skipped, premises, codes = EXPECTED[name]
    assert report.layout == name
    assert (report.rows_read, report.rows_imported, report.rows_skipped) == (read, imported, skipped)
    assert [message.rsplit("[", 1)[1].rstrip("]") for _line, message in report.errors] == codes
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Premise)) == premises
        assert session.scalar(select(func.count()).select_from(Call)) == imported


@pytest.mark.parametrize(
    ("name", "number", "received_utc", "priority", "level"),
    [
        ("new-orleans", "A0001-24", datetime(2024, 1, 16, 2, 0), "2A", 2),  # CST
        ("new-orleans", "A0002-24", datetime(2024, 1, 16, 15, 30), "1C", 4),
        ("seattle", "2019000102", datetime(2019, 6, 2, 11, 10), "7", 5),  # PDT; SPD 7 is "least"
        ("seattle-current", "2025000301", datetime(2025, 1, 1, 8, 5), "1", 1),  # PST, "2025 Jan 01" form
        ("seattle-current", "2025000302", datetime(2025, 1, 1, 21, 30, 15), "4", 4),
        ("detroit", "20160920000123", datetime(2016, 9, 20, 4, 12), "1", 1),  # "+00": UTC as written
        ("detroit", "20160920000125", datetime(2016, 9, 20, 5, 10), "5", 5),
        ("cincinnati", "CPD240102000501", datetime(2024, 1, 2, 18, 15), "2", 2),  # EST
        ("cincinnati", "CPD240102000502", datetime(2024, 1, 2, 19, 30), "15", 5),
        ("san-francisco", "241342053", datetime(2024, 5, 14, 20, 58, 25), "B", 2),  # the final priority
        ("san-francisco", "241342054", datetime(2024, 5, 14, 21, 5), "A", 1),  # ISO from the API, local
        ("baltimore", "P190010001", datetime(2019, 1, 1, 5, 10), "Emergency", 1),
        ("baltimore", "P190010002", datetime(2019, 1, 1, 5, 45), "Non-Emergency", 5),
        ("baltimore", "P190010003", datetime(2019, 1, 1, 6, 5), "Out of Service", None),  # known, no level
        ("baltimore", "P190010004", datetime(2019, 1, 1, 6, 20), "Medium", 3),
        ("los-angeles", "151031000621", datetime(2015, 10, 31, 11, 57, 44), None, None),  # date + time columns
        ("los-angeles", "151031000622", datetime(2015, 11, 1, 6, 59, 1), None, None),
    ],
)
def test_layouts_times_and_priorities(
    name: str,
    number: str,
    received_utc: datetime,
    priority: str | None,
    level: int | None,
    engine: Engine,
    factory: sessionmaker[Session],
) -> None:
    import_csv(engine, DATA / f"{name}.csv", layout=None, mapping_file=None)
    with factory() as session:
        call = session.scalars(select(Call).where(Call.number == number)).one()
        assert call.received_at.replace(tzinfo=UTC) == received_utc.replace(tzinfo=UTC)
        assert (call.priority, call.priority_level) == (priority, level)


def test_layouts_withheld_addresses_and_blocks(engine: Engine, factory: sessionmaker[Session]) -> None:
    for name in ("new-orleans", "baltimore", "detroit", "cincinnati"):
        import_csv(engine, DATA / f"{name}.csv", layout=None, mapping_file=None)
    with factory() as session:
        addresses = set(session.scalars(select(Premise.address)))
        assert not {a for a in addresses if a.casefold() in {"redacted", "unknown"}}
        block = session.scalars(select(Premise).where(Premise.address == "025XX WASHINGTON AVE")).one()
        assert (block.street, block.number_low, block.number_high) == ("WASHINGTON AVE", 2500, 2599)
        redacted = session.scalars(select(Call).where(Call.number == "A0002-24")).one()
        assert redacted.premise_id is None and redacted.address is None
        assert find_premise(session, "2531 Washington Avenue") == block
        assert find_premise(session, "2600 Washington Ave") is None  # the next block
        assert find_premise(session, "2531 Washington Pl") is None  # another street
        assert find_premise(session, "1415 N Charles Street").address == "1400 BLK N CHARLES ST"  # type: ignore[union-attr]
        assert find_premise(session, "14650 Greenfield Rd").address == "14600 BLOCK OF GREENFIELD RD"  # type: ignore[union-attr]
        assert find_premise(session, "1950 E Seven Mile Road").address == "19XX E SEVEN MILE RD"  # type: ignore[union-attr]
        assert find_premise(session, "REDACTED") is None


def test_layouts_house_premise_wins_over_its_block(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        at = datetime(2024, 1, 1, tzinfo=UTC)
        store_call(session, CallIn(number="1", received_at=at, address="025XX Washington Ave"), source="t")
        store_call(session, CallIn(number="2", received_at=at, address="2531 Washington Ave"), source="t")
        store_call(session, CallIn(number="3", received_at=at, address="Redacted", priority="High"), source="t")
        session.commit()
        house = find_premise(session, "2531 WASHINGTON AVENUE")
        assert house is not None and (house.number_low, house.number_high) == (2531, 2531)
        assert find_premise(session, "2540 Washington Ave").address == "025XX WASHINGTON AVE"  # type: ignore[union-attr]
        third = session.scalars(select(Call).where(Call.number == "3")).one()
        assert third.premise_id is None and third.priority_level == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("025XX Washington Ave", BlockRange("WASHINGTON AVE", 2500, 2599)),
        ("7XX MARKET ST", BlockRange("MARKET ST", 700, 799)),
        ("1400 Block of N Main St", BlockRange("N MAIN ST", 1400, 1499)),
        ("1400 BLK N MAIN ST", BlockRange("N MAIN ST", 1400, 1499)),
        ("14XX BLK N MAIN ST", BlockRange("N MAIN ST", 1400, 1499)),
        ("0XX Elm St", BlockRange("ELM ST", 0, 99)),
        ("2531 Washington Avenue", BlockRange("WASHINGTON AVE", 2531, 2531)),
        ("418 Garland Avenue Apt 3C", BlockRange("GARLAND AVE", 418, 418)),
        ("12B Elm St", BlockRange("ELM ST", 12, 12)),
        ("LEAVENWORTH ST \\ TURK ST", None),  # intersections have no number
        ("Gratiot Ave & E Grand Blvd", None),
        ("Market St", None),
        ("1400", None),
        ("XX", None),
    ],
)
def test_layouts_block_range(text: str, expected: BlockRange | None) -> None:
    assert block_range(text) == expected


@pytest.mark.parametrize(
    ("text", "withheld"),
    [
        ("REDACTED", True),
        ("Redacted", True),
        ("UNKNOWN", True),
        ("", True),
        ("  ", True),
        ("XX", True),
        ("n/a", True),
        ("25XX Redacted Way", False),  # a street may have any name
        ("Unknown St", False),
        ("XX Elm St", False),
    ],
)
def test_layouts_withheld(text: str, withheld: bool) -> None:
    assert is_withheld(text) is withheld


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("1", 1),
        ("5", 5),
        ("6", None),  # beyond the scale without a layout's own table
        ("0", None),
        ("A", 1),
        ("b", 2),
        ("EMERGENCY", 1),
        ("High", 2),
        ("Routine", 4),
        ("Non-Emergency", 5),
        ("NON EMERGENCY", 5),
        ("P1", None),  # not a number, not a word we know
        ("", None),
        (None, None),
    ],
)
def test_layouts_priority_level_default_scale(text: str | None, level: int | None) -> None:
    assert priority_level(text) == level


def test_layouts_header_one_column_renamed_not_detected(tmp_path: Path, engine: Engine) -> None:
    lines = (DATA / "detroit.csv").read_text(encoding="utf-8").splitlines()
    near = lines[0].replace("call_timestamp", "call_time")
    assert detect_layout(near.split(",")) is None
    path = tmp_path / "detroit-renamed.csv"
    path.write_text("\n".join([near, *lines[1:]]) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        import_csv(engine, path, layout=None, mapping_file=None)
    message = str(caught.value)
    assert caught.value.code is Code.E083 and "\n" not in message
    assert "detroit-renamed.csv" in message and "--mapping" in message
    assert "nearest is detroit" in message and "'call_timestamp'" in message


def test_layouts_header_case_does_not_matter() -> None:
    header = "CALLKEY,CALLDATETIME,PRIORITY,DISTRICT,DESCRIPTION,CALLNUMBER,INCIDENTLOCATION,LOCATION".split(",")
    assert detect_layout(header) is LAYOUTS["baltimore"]


GOOD = """\
layouts:
  springfield:
    dataset: test
    signature: [Incident]
    columns: {number: Incident, received_at: When}
"""


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        (GOOD.replace("number: Incident, ", ""), "layouts.springfield.columns", "number required"),
        (GOOD.replace("number:", "numbr:"), "layouts.springfield.columns", "unknown field 'numbr'"),
        (GOOD + "    timezone: Mars/Olympus\n", "layouts.springfield.timezone", "unknown time zone"),
        (GOOD + "    time_formats: ['%Q %m']\n", "layouts.springfield.time_formats", ""),
        (GOOD + "    priorities: {words: {hot: 7}}\n", "layouts.springfield.priorities.words.hot", ""),
        (GOOD.replace("signature: [Incident]", "signature: []"), "layouts.springfield.signature", ""),
        (GOOD + "    colour: red\n", "layouts.springfield.colour", ""),
        ("layouts: [\n", "", "not readable YAML"),
    ],
)
def test_layouts_bad_layouts_file_is_e094(tmp_path: Path, text: str, where: str, words: str) -> None:
    path = tmp_path / "layouts.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_layouts(path)
    message = str(caught.value)
    assert caught.value.code is Code.E094 and "\n" not in message and "layouts.yaml" in message
    assert where in message and words in message


def test_layouts_good_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "layouts.yaml"
    path.write_text(GOOD, encoding="utf-8")
    layout = load_layouts(path)["springfield"]
    assert layout.columns["number"] == ("Incident",) and layout.priority_level("High") == 2
