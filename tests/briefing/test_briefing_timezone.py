"""The agency's time zone for times without an offset, and history measured from the call's received time."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from deescalate.briefing.brief import brief
from deescalate.briefing.call import CallIn, PersonIn
from deescalate.errors import Code, ConfigError
from deescalate.settings import Settings
from deescalate.store.importers import read_call_file
from deescalate.store.models import Call, CallPerson, Flag, Person, Premise

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 3, 1, 20, 6, tzinfo=UTC)  # 14:06 in Chicago (CST, UTC-6)


@pytest.fixture
def session(empty_session: Session) -> Session:
    return empty_session


def _write(tmp_path: Path, doc: dict[str, object]) -> Path:
    path = tmp_path / "call.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


SIMPLE = {"number": "26-1", "received_at": "2026-03-01T14:03:00", "type_text": "Disturbance"}
# a 2020-draft EIDO whose times carry no offset (tests/data/eido/draft_2020.json)
EIDO = Path(__file__).resolve().parents[1] / "data" / "eido" / "draft_2020.json"


@pytest.mark.parametrize(
    ("doc", "zone", "minutes"),
    [
        (SIMPLE, "America/Chicago", 3),
        (SIMPLE, "UTC", 363),  # the same words read as UTC: six hours off
        ({**SIMPLE, "received_at": "2026-03-01T14:03:00-06:00"}, "America/Los_Angeles", 3),  # an offset wins
        ({**SIMPLE, "received_at": "2026-03-01T20:03:00Z"}, "America/Chicago", 3),
    ],
    ids=["simple-chicago", "simple-utc", "offset-kept", "zulu-kept"],
)
def test_briefing_timezone_naive_times_read_in_agency_zone(
    tmp_path: Path, session: Session, doc: dict[str, object], zone: str, minutes: int
) -> None:
    call = read_call_file(_write(tmp_path, doc), Settings(timezone=zone))
    assert call.received_at.tzinfo is not None
    b = brief(call, session=session, now=NOW)
    assert b.call_line.endswith(f"received {minutes} min ago")


def test_briefing_timezone_eido_times_in_zone(session: Session) -> None:
    call = read_call_file(EIDO, Settings(timezone="America/Chicago"))
    received = datetime(2020, 10, 29, 23, 39, 50, tzinfo=UTC)  # 18:39:50 in Chicago (CDT, UTC-5)
    assert call.received_at == received
    assert all(n.at is not None and n.at.tzinfo is not None for n in call.notes)
    b = brief(call, session=session, now=received + timedelta(minutes=3))
    assert b.call_line.endswith("received 3 min ago")


def test_briefing_timezone_brief_reads_a_naive_call_in_its_zone(session: Session) -> None:
    call = CallIn(number="26-2", received_at=datetime(2026, 3, 1, 14, 3))
    assert brief(call, session=session, now=NOW, zone=CHICAGO).call_line.endswith("received 3 min ago")
    assert brief(call, session=session, now=NOW, zone=UTC).call_line.endswith("received 363 min ago")


@pytest.mark.parametrize(
    ("value", "ok"),
    [("America/Chicago", True), ("UTC", True), ("Europe/Berlin", True), ("Mars/Olympus", False),
     ("America/Chicag", False), ("../../etc/passwd", False)],
)  # fmt: skip
def test_briefing_timezone_setting_checked(value: str, ok: bool) -> None:
    env = {"DEESCALATE_TIMEZONE": value}
    if ok:
        assert Settings.from_env(env).timezone == value
        return
    with pytest.raises(ConfigError) as info:
        Settings.from_env(env)
    assert info.value.code is Code.E097
    assert "DEESCALATE_TIMEZONE" in str(info.value) and "\n" not in str(info.value)


def test_briefing_timezone_default_is_utc() -> None:
    assert Settings.from_env({}).timezone == "UTC"


def test_briefing_timezone_history_measured_from_the_call(session: Session) -> None:
    """Replaying a call from a year ago: its history is what was known then, not what is known now."""
    received = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)
    premise = Premise(address="418 GARLAND AVE #3C")
    dana = Person(first_name="Dana", last_name="Whitfield")
    session.add_all([premise, dana])
    session.flush()
    calls = [
        Call(number="24-1", received_at=received - timedelta(days=100), type_text="Disturbance", premise_id=premise.id),
        Call(number="23-1", received_at=received - timedelta(days=400), type_text="Disturbance", premise_id=premise.id),
        Call(number="25-9", received_at=received + timedelta(days=30), type_text="Disturbance", premise_id=premise.id),
    ]
    session.add_all(calls)
    session.flush()
    session.add_all([CallPerson(call_id=c.id, person_id=dana.id, role="subject") for c in calls])
    session.add(
        Flag(category="weapon", text="displayed a gun", person_id=dana.id, entered_by="Ofc. Lee",
             entered_at=received - timedelta(days=100), expires_at=received + timedelta(days=60))
    )  # fmt: skip
    session.flush()
    call = CallIn(
        number="25-1",
        received_at=received,
        address="418 Garland Ave #3C",
        persons=[PersonIn(first_name="Dana", last_name="Whitfield", role="subject")],
    )
    b = brief(call, session=session, now=received + timedelta(days=500))
    assert b.premise_counts == {"Disturbance": 1}  # 100 days before the call; not 400 days, not after it
    assert [c.number for c in b.premise_recent] == ["24-1", "23-1"]
    (h,) = b.people
    assert h.prior_calls == 2 and [c.number for c in h.recent] == ["24-1", "23-1"]
    assert [(f.status, f.age_days) for f in h.flags] == [("active", 100.0)]  # expired by now, active then
    assert b.call_line.endswith("received 2025-01-10T12:00+00:00, 500 days ago")  # only this is from NOW
