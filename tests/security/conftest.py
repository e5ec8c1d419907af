"""Security fixtures: the web tests' app, client and users on a SQLite store of their own, and a summary of
the hostile inputs tried per reader (printed after the run; written as JSON where DEESCALATE_SECURITY_COUNTS
names a file, for benchmarks/security_counts.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.security.fuzz import COUNTS
from tests.web.conftest import app, auth, cheap_password_hashing, client, settings  # noqa: F401  (fixtures)


@pytest.fixture
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """SQLite only: what these tests attack is the application, not the database (tests/web covers PostgreSQL)."""
    return f"sqlite:///{tmp_path_factory.mktemp('db')}/store.db"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not any(COUNTS.values()):
        return
    terminalreporter.section("hostile inputs")
    for reader, counts in sorted(COUNTS.items()):
        if counts:
            terminalreporter.write_line(f"{reader:24} " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    target = os.environ.get("DEESCALATE_SECURITY_COUNTS")
    if target:
        Path(target).write_text(json.dumps({r: dict(c) for r, c in COUNTS.items()}, indent=1, sort_keys=True))
