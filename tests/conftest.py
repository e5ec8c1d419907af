from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SHARED_DEV = ROOT.parent / "shared" / "corpus" / "dev"


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def dev_corpus() -> Path:
    if not SHARED_DEV.is_dir():
        pytest.skip(f"shared development corpus not present at {SHARED_DEV} (a fresh clone has none)")
    return SHARED_DEV
