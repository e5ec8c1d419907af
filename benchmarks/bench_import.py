"""CSV import throughput (a script, not a test).

Generates a New Orleans-layout calls-for-service CSV (200,000 rows by default,
about 6,000 block addresses) and imports it into a fresh SQLite file and, when
one answers, a fresh PostgreSQL schema; prints rows per second for each.

    .venv/bin/python benchmarks/bench_import.py [ROWS] [POSTGRESQL_URL]
"""

from __future__ import annotations

import csv
import random
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from deescalate.store.db import make_engine, upgrade
from deescalate.store.importers import NEW_ORLEANS, import_csv

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
HEADER = [
    "NOPD_Item", "Type_", "TypeText", "Priority", "InitialType", "InitialTypeText", "InitialPriority", "MapX", "MapY",
    "TimeCreate", "TimeDispatch", "TimeArrive", "TimeClosed", "Disposition", "DispositionText", "SelfInitiated",
    "Beat", "BLOCK_ADDRESS", "Zip", "PoliceDistrict", "Location",
]  # fmt: skip
TYPES = [
    ("103", "DISTURBANCE"), ("103D", "DOMESTIC DISTURBANCE"), ("21", "COMPLAINT OTHER"),
    ("35D", "SIMPLE BATTERY DOMESTIC"), ("62A", "BURGLAR ALARM, SILENT"), ("107", "SUSPICIOUS PERSON"),
    ("94", "DISCHARGING FIREARM"), ("103M", "MENTAL PATIENT"),
]  # fmt: skip
STREETS = ["Bourbon St", "Royal St", "Magazine St", "St Charles Ave", "Canal St", "Esplanade Ave", "Tchoupitoulas St"]


def generate(path: Path, rows: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    blocks = [f"{rng.randrange(1, 60):03d}XX {rng.choice(STREETS)} {rng.randrange(1, 200)}" for _ in range(6000)]
    start = datetime(2024, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        for i in range(rows):
            code, label = rng.choice(TYPES)
            created = start + timedelta(seconds=i * 150 + rng.randrange(150))
            lat, lon = 29.9 + rng.random() / 10, -90.1 + rng.random() / 10
            out.writerow([
                f"A{i:07d}-24", code, label, rng.choice(["1A", "2A", "2B", "3"]), code, label, "2A",
                rng.randrange(3660000, 3700000), rng.randrange(520000, 560000),
                created.strftime("%m/%d/%Y %I:%M:%S %p"), "", "", "",
                "RTF", "REPORT TO FOLLOW", "N", "6E04", rng.choice(blocks), "70130", "6",
                f"POINT ({lon:.6f} {lat:.6f})",
            ])  # fmt: skip


def bench(url: str, path: Path) -> None:
    engine = make_engine(url)
    upgrade(engine)
    t0 = time.perf_counter()
    report = import_csv(engine, path, layout=None, mapping_file=None)
    seconds = time.perf_counter() - t0
    engine.dispose()
    print(
        f"  {engine.url.get_backend_name():<10} {report.rows_imported:,} rows in {seconds:.2f} s = "
        f"{report.rows_imported / seconds:,.0f} rows/s ({report.rows_skipped} skipped)"
    )


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    pg_url = sys.argv[2] if len(sys.argv) > 2 else PG_URL
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "calls.csv"
        generate(path, rows)
        print(f"{rows:,}-row {NEW_ORLEANS.name} CSV ({path.stat().st_size / 1e6:.0f} MB)")
        bench(f"sqlite:///{tmp}/bench.db", path)
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        try:
            admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        except Exception as exc:  # no server: say so and stop
            print(f"  postgresql skipped: {str(exc).splitlines()[0]}")
            return
        try:
            bench(f"{pg_url}?options=-csearch_path%3D{schema}", path)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
