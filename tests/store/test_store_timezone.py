"""CSV imports read times without an offset in the layout's zone, else the agency's."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from deescalate.briefing.call import CallIn
from deescalate.store.importers import import_csv, store_call
from deescalate.store.models import Call

MAPPING = """\
columns:
  number: Incident Number
  received_at: Call Received
"""


@pytest.mark.parametrize(
    ("zone", "mapping_zone", "stored"),
    [
        (ZoneInfo("America/Chicago"), None, datetime(2024, 7, 1, 19, 3, tzinfo=UTC)),  # CDT, UTC-5
        (UTC, None, datetime(2024, 7, 1, 14, 3, tzinfo=UTC)),
        (ZoneInfo("America/Chicago"), "America/Denver", datetime(2024, 7, 1, 20, 3, tzinfo=UTC)),  # the layout's wins
    ],
    ids=["agency-chicago", "agency-utc", "mapping-zone-wins"],
)
def test_store_timezone_csv_naive_times(
    tmp_path: Path,
    engine: Engine,
    factory: sessionmaker[Session],
    zone: ZoneInfo,
    mapping_zone: str | None,
    stored: datetime,
) -> None:
    mapping = tmp_path / "map.yaml"
    mapping.write_text(MAPPING + (f"timezone: {mapping_zone}\n" if mapping_zone else ""), encoding="utf-8")
    path = tmp_path / "calls.csv"
    path.write_text("Incident Number,Call Received\nT-1,2024-07-01 14:03:00\nT-2,2024-07-01T14:03:00Z\n")
    report = import_csv(engine, path, mapping_file=mapping, zone=zone)
    assert report.rows_imported == 2, report.errors
    with factory() as session:
        one, two = session.scalars(select(Call).order_by(Call.number)).all()
        assert one.received_at.replace(tzinfo=UTC) == stored
        assert two.received_at.replace(tzinfo=UTC) == datetime(2024, 7, 1, 14, 3, tzinfo=UTC)  # an offset is kept


def test_store_timezone_store_call_naive_received(factory: sessionmaker[Session]) -> None:
    call = CallIn(number="T-9", received_at=datetime(2024, 1, 15, 8, 0))
    with factory() as session:
        row = store_call(session, call, source="test", zone=ZoneInfo("America/Chicago"))
        session.commit()
        stored = session.scalar(select(Call.received_at).where(Call.id == row.id))
        assert stored is not None and stored.replace(tzinfo=UTC) == datetime(2024, 1, 15, 14, 0, tzinfo=UTC)
