"""Every operation of the application's OpenAPI document, fuzzed by schemathesis in-process (ASGI), signed in as
an admin with a bearer token: no answer is a server error (5xx), and every error is the one JSON shape.

Bounded: DEESCALATE_API_FUZZ_EXAMPLES examples per operation (10 in `make test`, more in `make check-security`).
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.security.fuzz import COUNTS, DEADLINE
from tests.web.conftest import token_for, upload

EXAMPLES = int(os.environ.get("DEESCALATE_API_FUZZ_EXAMPLES", "10"))


@pytest.fixture
def admin(app: FastAPI) -> dict[str, str]:
    """An admin's bearer token; the lifespan has run once, so the store is migrated and holds an encounter."""
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {token_for(client, 'ada')}"}
        upload(client, headers)
    return headers


# schemathesis' own pytest plugin (schema.parametrize, from_fixture) does not run under pytest 9: the operations
# are walked here, each with a hypothesis test of its own over valid and invalid requests
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_security_api_fuzz_no_server_errors(app: FastAPI, admin: dict[str, str], mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    counts = COUNTS.setdefault("API (schemathesis)", Counter())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations

    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            deadline=DEADLINE,
            derandomize=os.environ.get("DEESCALATE_FUZZ_RANDOM") != "1",
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def request(case: Any) -> None:
            response = case.call(headers=dict(admin))  # call() adds its own headers to the dict it is given
            counts["requests"] += 1
            counts[f"{response.status_code // 100}xx"] += 1
            shown = f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
            assert response.status_code < 500, shown
            if response.status_code >= 400 and "application/json" in str(response.headers.get("content-type")):
                assert set(response.json()["error"]) == {"code", "message", "file", "where"}, shown

        try:
            request()
        except Unsatisfiable:  # an operation without parameters or body has no invalid form
            assert mode is GenerationMode.NEGATIVE
            counts["operations with no invalid form"] += 1
        counts["operations"] += 1
