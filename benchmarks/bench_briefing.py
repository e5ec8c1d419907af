"""Briefing latency on a large synthetic city, and CSV import throughput (a script, not a test).

    .venv/bin/python benchmarks/bench_briefing.py [--calls 1000000] [--briefings 300] [--pg]

Builds the city once per database (SQLite file in /tmp, and with --pg a
PostgreSQL database on 127.0.0.1), then times briefings for calls at premises
drawn from the city (busy and quiet ones alike) and reports p50/p95; then
imports a generated New Orleans-layout CSV and reports rows per second.
Targets: p95 <= 50 ms per briefing; import >= 20,000 rows/s.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from deescalate.briefing.brief import brief
from deescalate.briefing.call import CallIn, PersonIn
from deescalate.store.db import make_engine, upgrade
from deescalate.store.importers import import_csv
from deescalate.store.models import Call, CallPerson, Person, Premise
from deescalate.store.synthetic import generate_city

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgresql+psycopg://postgres@127.0.0.1:5432/deescalate_bench"


def ensure_city(url: str, calls: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as s:
        have = s.scalar(select(func.count()).select_from(Call)) or 0
    if have >= calls:
        print(f"{url}: reusing a city of {have:,} calls")
        return
    t0 = time.perf_counter()
    stats = generate_city(engine, calls=calls, seed=1)
    print(f"{url}: built {stats.calls:,} calls in {time.perf_counter() - t0:.0f} s")


def sample_calls(url: str, n: int) -> list[CallIn]:
    engine = make_engine(url)
    rng = random.Random(7)
    out = []
    with Session(engine) as s:
        max_id = s.scalar(select(func.max(Call.id))) or 1
        while len(out) < n:
            call = s.get(Call, rng.randint(1, max_id))
            if call is None or call.premise_id is None:
                continue
            premise = s.get(Premise, call.premise_id)
            people = s.execute(
                select(Person, CallPerson.role)
                .join(CallPerson, CallPerson.person_id == Person.id)
                .where(CallPerson.call_id == call.id)
            ).all()
            out.append(
                CallIn(
                    number=f"BENCH-{len(out)}",
                    received_at=datetime.now(UTC) - timedelta(minutes=2),
                    type_text=call.type_text,
                    type_code=call.type_code,
                    priority=call.priority,
                    address=premise.address if premise else call.address,
                    narrative=call.narrative,
                    caller_phone="555-0100",
                    persons=[
                        PersonIn(
                            first_name=p.first_name, last_name=p.last_name, date_of_birth=p.date_of_birth, role=role
                        )
                        for p, role in people
                    ],
                )
            )
    return out


def time_briefings(url: str, calls: list[CallIn]) -> None:
    engine = make_engine(url)
    times = []
    with Session(engine) as s:
        brief(calls[0], session=s)  # warm caches
        for c in calls:
            t0 = time.perf_counter()
            brief(c, session=s)
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    print(
        f"  briefings: n={len(times)}, p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, max {times[-1]:.1f} ms"
    )


def time_import(url: str, rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "calls.csv"
        rng = random.Random(3)
        run = int(time.time())  # fresh call numbers, so a re-run imports rather than skips duplicates
        start = datetime(2024, 1, 1)
        with path.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(
                [
                    "NOPD_Item",
                    "Type_",
                    "TypeText",
                    "Priority",
                    "TimeCreate",
                    "BLOCK_ADDRESS",
                    "Disposition",
                    "MapX",
                    "MapY",
                ]
            )
            for i in range(rows):
                t = start + timedelta(seconds=rng.randint(0, 3 * 365 * 86400))
                w.writerow(
                    [
                        f"X{run}-{i:08d}",
                        "103",
                        "DISTURBANCE",
                        f"{rng.randint(0, 3)}A",
                        t.strftime("%m/%d/%Y %I:%M:%S %p"),
                        f"{rng.randint(1, 99)}XX Block of Street {rng.randint(1, 3000)}",
                        "GOA",
                        3680000 + rng.randint(0, 9000),
                        530000 + rng.randint(0, 9000),
                    ]
                )
        engine = make_engine(url)
        upgrade(engine)
        t0 = time.perf_counter()
        report = import_csv(engine, path, layout=None, mapping_file=None)
        dt = time.perf_counter() - t0
    print(f"  CSV import: {report.rows_imported:,} rows in {dt:.1f} s = {report.rows_imported / dt:,.0f} rows/s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=1_000_000)
    ap.add_argument("--briefings", type=int, default=300)
    ap.add_argument("--import-rows", type=int, default=200_000)
    ap.add_argument("--pg", action="store_true", help="also PostgreSQL on 127.0.0.1:5432")
    args = ap.parse_args()
    targets = [("SQLite", f"sqlite:////tmp/deescalate-city-{args.calls}.db")]
    if args.pg:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            if not c.execute(text("select 1 from pg_database where datname='deescalate_bench'")).first():
                c.execute(text("create database deescalate_bench"))
        targets.append(("PostgreSQL", PG_BENCH))
    for name, url in targets:
        print(name)
        ensure_city(url, args.calls)
        time_briefings(url, sample_calls(url, args.briefings))
        imp = url.replace(f"city-{args.calls}", "import") if name == "SQLite" else url
        if name == "SQLite":
            Path("/tmp/deescalate-import.db").unlink(missing_ok=True)
        time_import(imp, args.import_rows)


if __name__ == "__main__":
    main()
