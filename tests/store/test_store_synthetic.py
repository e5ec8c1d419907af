"""The synthetic city: same seed same city, a realistic mix and skew, flags with provenance, a demo call."""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from deescalate.errors import Code, InputError
from deescalate.store.addresses import normalize_address
from deescalate.store.db import open_store
from deescalate.store.models import Flag, Premise
from deescalate.store.synthetic import (
    CALL_TYPES,
    CITY_CENTRE,
    CITY_TZ,
    UNCERTAINTY_PHRASES,
    CityStats,
    generate_city,
    sample_call,
)

START = datetime(2023, 1, 1, tzinfo=UTC)
TABLES = ("premises", "persons", "calls", "call_persons", "flags")
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _engine(path: Path) -> Engine:
    factory = open_store(f"sqlite:///{path}")
    engine = factory.kw["bind"]
    assert isinstance(engine, Engine)
    return engine


def _digest(engine: Engine) -> str:
    h = hashlib.sha256()
    with engine.connect() as conn:
        for table in TABLES:
            for row in conn.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2, 3")):
                h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def _utc(t: datetime) -> datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


@dataclass
class City:
    engine: Engine
    stats: CityStats
    progress: list[int]


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[City]:
    engine = _engine(tmp_path_factory.mktemp("city") / "city.db")
    progress: list[int] = []
    stats = generate_city(engine, calls=20_000, seed=7, start=START, progress=progress.append)
    yield City(engine, stats, progress)
    engine.dispose()


def _rows(engine: Engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


# --- reproducibility -------------------------------------------------------------------------------------------


def test_same_seed_same_city_and_other_seed_other_city(tmp_path: Path) -> None:
    digests = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        engine = _engine(tmp_path / f"{name}.db")
        generate_city(engine, calls=2_000, seed=seed, start=START)
        digests.append(_digest(engine))
        engine.dispose()
    assert digests[0] == digests[1]
    assert digests[0] != digests[2]


def test_refuses_a_store_that_has_data(city: City) -> None:
    before = {t: _rows(city.engine, f"SELECT count(*) FROM {t}")[0][0] for t in TABLES}
    with pytest.raises(InputError) as caught:
        generate_city(city.engine, calls=10, seed=1, start=START)
    assert caught.value.code is Code.E095 and "--replace" in str(caught.value) and "\n" not in str(caught.value)
    assert {t: _rows(city.engine, f"SELECT count(*) FROM {t}")[0][0] for t in TABLES} == before


def test_stats_match_the_tables(city: City) -> None:
    s = city.stats
    counts = {t: _rows(city.engine, f"SELECT count(*) FROM {t}")[0][0] for t in TABLES}
    assert counts == {
        "premises": s.premises,
        "persons": s.persons,
        "calls": 20_000,
        "call_persons": s.call_persons,
        "flags": s.flags,
    }
    assert s.flags_active + s.flags_expired + s.flags_review_due == s.flags
    assert s.end - s.start == timedelta(days=3 * 365.25) and s.start == START
    assert s.seconds > 0 and s.calls_per_second > 0
    assert city.progress == [10_000, 20_000]


# --- the calls ---------------------------------------------------------------------------------------------------


def test_call_type_mix_is_like_cad_data(city: City) -> None:
    mix = Counter(dict(_rows(city.engine, "SELECT type_code, count(*) FROM calls GROUP BY type_code")))
    assert set(mix) == {t.code for t in CALL_TYPES}  # every type present
    total = sum(t.share for t in CALL_TYPES)
    for t in CALL_TYPES:
        assert abs(100 * mix[t.code] / 20_000 - 100 * t.share / total) < 1.0, t.code
    top5 = [code for code, _ in mix.most_common(5)]
    assert top5[0] == "TS" and {"DIST", "SUSP"} <= set(top5)
    # priority follows severity: a weapon call is 1, a noise complaint 5; few calls are priority 1
    kinds = dict(_rows(city.engine, "SELECT type_code, priority FROM calls GROUP BY type_code"))
    assert kinds["WEAP"] == "1" and kinds["SHOTS"] == "1" and kinds["DOM"] == "2" and kinds["NOISE"] == "5"
    p1 = _rows(city.engine, "SELECT count(*) FROM calls WHERE priority = '1'")[0][0]
    assert 0.01 < p1 / 20_000 < 0.06
    dispositions = _rows(city.engine, "SELECT count(DISTINCT disposition), count(disposition) FROM calls")[0]
    assert dispositions[0] >= 20 and dispositions[1] == 20_000


def test_evenings_and_weekend_nights_are_busier(city: City) -> None:
    hours: Counter[int] = Counter()
    night: Counter[int] = Counter()  # 00:00-03:59 by weekday
    for (received,) in _rows(city.engine, "SELECT received_at FROM calls"):
        local = _utc(datetime.fromisoformat(received)).astimezone(CITY_TZ)
        hours[local.hour] += 1
        if local.hour < 4:
            night[local.weekday()] += 1
    evening = sum(hours[h] for h in range(18, 22))
    early = sum(hours[h] for h in range(3, 7))
    assert evening > 2.5 * early
    assert night[5] > 1.25 * night[2] and night[6] > 1.1 * night[2]  # Saturday, Sunday small hours vs Wednesday


def test_a_few_premises_get_many_calls(city: City) -> None:
    per_premise = sorted(
        (n for (n,) in _rows(city.engine, "SELECT count(*) FROM calls GROUP BY premise_id")), reverse=True
    )
    n_premises = city.stats.premises
    assert 2_000 <= n_premises <= 3_000
    top = sum(per_premise[: n_premises // 100])
    assert top / 20_000 >= 0.10  # top 1% of premises
    assert per_premise[0] < 0.05 * 20_000  # but no one address is the whole city
    # apartment units, coordinates around the centre
    units = _rows(city.engine, "SELECT count(*) FROM premises WHERE address LIKE '%#%'")[0][0]
    assert units > 0.2 * n_premises
    lat, lon = CITY_CENTRE
    far = _rows(
        city.engine,
        f"SELECT count(*) FROM premises WHERE abs(latitude - {lat}) > 0.15 "
        f"OR abs(longitude - {lon}) > 0.2 OR latitude IS NULL",
    )[0][0]
    assert far == 0


def test_reported_addresses_normalise_to_their_premise(city: City) -> None:
    rows = _rows(city.engine, "SELECT c.address, p.address FROM calls c JOIN premises p ON p.id = c.premise_id")
    assert len(rows) == 20_000
    assert all(normalize_address(reported) == premise for reported, premise in rows)
    assert sum(reported.upper() != premise for reported, premise in rows) > 1_000  # spelled out, not normalised


def test_repeat_persons_in_every_role(city: City) -> None:
    roles = dict(_rows(city.engine, "SELECT role, count(*) FROM call_persons GROUP BY role"))
    assert set(roles) == {"caller", "subject", "victim", "witness", "other"}
    repeaters = _rows(
        city.engine,
        "SELECT count(*) FROM (SELECT person_id FROM call_persons GROUP BY person_id "
        "HAVING count(DISTINCT call_id) >= 10)",
    )[0][0]
    assert repeaters >= 50
    # the same household again and again: a subject seen at one premise in several calls
    again = _rows(
        city.engine,
        "SELECT max(n) FROM (SELECT count(*) n FROM call_persons cp JOIN calls c "
        "ON c.id = cp.call_id WHERE cp.role = 'subject' GROUP BY c.premise_id, cp.person_id)",
    )
    assert again[0][0] >= 10
    people = _rows(city.engine, "SELECT first_name, last_name, date_of_birth, phone FROM persons")
    assert all(first and last for first, last, _dob, _phone in people)
    assert 0.5 < sum(phone is not None for *_x, phone in people) / len(people) < 0.95


def test_narratives_are_callers_words_some_uncertain(city: City) -> None:
    rows = _rows(city.engine, "SELECT type_code, narrative FROM calls")
    spoken = [n for code, n in rows if code not in ("TS", "FOLL", "ALARM", "HANG")]
    assert all(spoken)
    assert not any("lorem" in n.lower() or "{" in n for n in spoken)
    assert all(len(n) < 300 for n in spoken)
    uncertain = [n for n in spoken if any(p in n for p in UNCERTAINTY_PHRASES)]
    assert 0.1 < len(uncertain) / len(spoken) < 0.5
    weapon = [n for code, n in rows if code == "WEAP"]
    assert any("toy" in n or "not sure" in n.lower() for n in weapon)
    assert any(" I " in n or n.startswith(("I ", "My ")) for n in spoken[:50])  # first person
    assert len(set(spoken)) > 2_000  # slots filled, not one sentence per type


# --- flags -------------------------------------------------------------------------------------------------------


def test_flags_have_provenance_and_some_are_expired(city: City) -> None:
    end = city.stats.end
    with Session(city.engine) as s:
        flags = s.query(Flag).all()
        assert len(flags) > 300
        statuses = Counter(f.status(end) for f in flags)
        assert statuses["expired"] > 0.15 * len(flags) and statuses["active"] > 0.15 * len(flags)
        assert statuses["review due"] > 0
        categories = {f.category for f in flags}
        assert categories == {
            "weapon",
            "violence_toward_officers",
            "mental_health_crisis",
            "substance_use",
            "medical_condition",
            "disability",
            "language",
            "dog",
            "hazard",
        }
        for f in flags:
            assert f.entered_by and f.text and f.source_call_id is not None
            assert (f.person_id is None) != (f.premise_id is None)
            source = f.source_call
            assert source is not None
            assert _utc(source.received_at) <= _utc(f.entered_at) <= end
            if f.expires_at is not None:
                assert _utc(f.expires_at) > _utc(f.entered_at)
            if f.person_id is not None:  # the flagged person was in the call the flag came from
                assert f.person_id in {cp.person_id for cp in source.people}
            else:
                assert source.premise_id == f.premise_id
        assert any(f.premise_id is not None for f in flags) and any(f.person_id is not None for f in flags)


# --- the demo call -----------------------------------------------------------------------------------------------


def test_sample_call_is_at_a_busy_premise_with_flagged_history(city: City) -> None:
    call = sample_call(city.engine, seed=1)
    assert call == sample_call(city.engine, seed=1)
    assert call.address and call.narrative and call.type_code and call.priority
    assert any(p in call.narrative for p in UNCERTAINTY_PHRASES)
    with Session(city.engine) as s:
        premise = s.query(Premise).filter_by(address=normalize_address(call.address)).one()
        assert len(premise.calls) >= 5
        assert (call.latitude, call.longitude) == (premise.latitude, premise.longitude)
        subject = next(p for p in call.persons if p.role == "subject")
        history = [cp.person for c in premise.calls for cp in c.people if cp.role == "subject"]
        match = [p for p in history if (p.first_name, p.last_name) == (subject.first_name, subject.last_name)]
        assert match and match[0].flags
    assert _utc(call.received_at) > city.stats.end - timedelta(days=1)
    assert not _rows(city.engine, f"SELECT 1 FROM calls WHERE number = '{call.number}'")
    assert call.caller_name and any(p.role == "caller" for p in call.persons)


def test_sample_call_needs_calls(tmp_path: Path) -> None:
    engine = _engine(tmp_path / "empty.db")
    with pytest.raises(ValueError, match="no calls"):
        sample_call(engine, seed=1)
    engine.dispose()


# --- PostgreSQL --------------------------------------------------------------------------------------------------


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A throwaway database on the local PostgreSQL, dropped afterwards (skips where there is none)."""
    try:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to connect means: no server here
        pytest.skip(f"no PostgreSQL at {PG_URL}: {type(exc).__name__}")
    name = f"deescalate_synth_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_postgresql_same_city_and_sequences_moved_on(pg_url: str, tmp_path: Path) -> None:
    factory = open_store(pg_url)
    engine = factory.kw["bind"]
    stats = generate_city(engine, calls=2_000, seed=3, start=START)
    lite = _engine(tmp_path / "lite.db")
    lite_stats = generate_city(lite, calls=2_000, seed=3, start=START)
    assert (stats.premises, stats.persons, stats.call_persons, stats.flags, stats.flags_expired) == (
        lite_stats.premises,
        lite_stats.persons,
        lite_stats.call_persons,
        lite_stats.flags,
        lite_stats.flags_expired,
    )
    pg_rows = _rows(engine, "SELECT number, type_code, narrative FROM calls ORDER BY id")
    assert pg_rows == _rows(lite, "SELECT number, type_code, narrative FROM calls ORDER BY id")
    with factory() as s:  # the id sequences were moved past the ids the generator wrote
        premise = Premise(address="1 NEW ST")
        s.add(premise)
        s.commit()
        assert premise.id == stats.premises + 1
    call = sample_call(engine, seed=1)
    assert call == sample_call(lite, seed=1)
    engine.dispose()
    lite.dispose()
