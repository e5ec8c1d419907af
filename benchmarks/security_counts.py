"""Hostile inputs and kills, counted: runs tests/security and prints, per reader, how many inputs were tried,
how many were read as valid, refused with a one-line error, and how many crashed or hung (a script, not a test).

    .venv/bin/python benchmarks/security_counts.py            # the budget of `make test` (~100 examples a reader)
    .venv/bin/python benchmarks/security_counts.py --full     # `make check-security`: 1,000 a reader, every kill point,
                                                              # kill loops, schemathesis at 100 examples an operation

"crashed" counts inputs that raised anything but the project's own error (hypothesis replays a failing input
while it shrinks it, so one bug counts several times); a hang is a test failed by an example past its deadline.
The exit code is pytest's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FULL = {
    "DEESCALATE_SECURITY_FULL": "1",
    "DEESCALATE_FUZZ_RANDOM": "1",
    "DEESCALATE_FUZZ_EXAMPLES": "1000",
    "DEESCALATE_API_FUZZ_EXAMPLES": "100",
    "DEESCALATE_KILL_LOOPS": "10",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the larger budget of make check-security")
    parser.add_argument("--examples", type=int, help="hypothesis examples per reader (overrides the budget)")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    if args.full:
        env.update({k: v for k, v in FULL.items() if k not in os.environ})
    if args.examples:
        env["DEESCALATE_FUZZ_EXAMPLES"] = str(args.examples)
    with tempfile.TemporaryDirectory() as folder:
        counts_file = Path(folder) / "counts.json"
        junit = Path(folder) / "junit.xml"
        env["DEESCALATE_SECURITY_COUNTS"] = str(counts_file)
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "tests/security", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}"],
            cwd=ROOT,
            env=env,
            check=False,
        )
        counts = json.loads(counts_file.read_text()) if counts_file.exists() else {}
        failures = _failures(junit.read_text() if junit.exists() else "")
    print()
    print(f"{'reader':26} {'inputs':>8} {'valid':>7} {'refused':>8} {'crashed':>8}")
    for reader, c in sorted(counts.items()):
        if "inputs" in c:
            row = [c["inputs"], c.get("valid", 0), c.get("refused", 0), c.get("crashes", 0)]
            print(f"{reader:26} " + " ".join(f"{n:>{w}}" for n, w in zip(row, (8, 7, 8, 8), strict=True)))
    for reader, c in sorted(counts.items()):
        if "inputs" not in c:
            print(f"{reader}: " + ", ".join(f"{k} {v}" for k, v in sorted(c.items())))
    if "calls CSV" in counts:
        csv = counts["calls CSV"]
        print(
            f"calls CSV rows: {csv.get('rows read', 0)} read, {csv.get('rows skipped with a reason', 0)} skipped "
            f"with a reason, {csv.get('rows lost', 0)} lost"
        )
    hangs = sum(kind == "hang" for kind in failures.values())
    print(f"failed tests: {len(failures)} ({hangs} hangs past the deadline, {len(failures) - hangs} crashes)")
    for name, kind in sorted(failures.items()):
        print(f"  {name}: {kind}")
    return done.returncode


def _failures(junit: str) -> dict[str, str]:
    """Failed tests by name: 'hang' (hypothesis DeadlineExceeded) or 'crash'."""
    out: dict[str, str] = {}
    for attributes, body in re.findall(r"<testcase ([^>]*?)(?:/>|>(.*?)</testcase>)", junit, re.S):
        found = re.search(r'(?<![a-z])name="([^"]+)"', attributes)
        if found and ("<failure" in body or "<error" in body):
            out[found.group(1)] = "hang" if "DeadlineExceeded" in body else "crash"
    return out


if __name__ == "__main__":
    sys.exit(main())
