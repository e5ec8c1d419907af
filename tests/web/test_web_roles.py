"""The role table, walked: every route of the app, for every role, against one allow/deny table.

The table is keyed by the app's own routes (app.routes): a route added without an entry here fails
test_roles_table_covers_every_route, and an entry for a route that is gone fails it too.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Mount, Route

from deescalate.store.models import EncounterStatus, Job, JobState, StoredEncounter
from tests.web.conftest import EXAMPLE, PASSWORD, sqlite_unless_asked, token_for, upload

ADMIN, SUPERVISOR, TRAINER, OFFICER, AUDITOR = "ada", "sam", "tia", "olly", "aud"
ROLES = (ADMIN, SUPERVISOR, TRAINER, OFFICER, AUDITOR)
EVERYONE = frozenset(ROLES)
READERS = frozenset({ADMIN, SUPERVISOR, OFFICER, AUDITOR})  # encounters: each sees only what is theirs to see
REVIEWERS = frozenset({ADMIN, SUPERVISOR})
NOT_AUDITOR = EVERYONE - {AUDITOR}  # briefing writes to the records store; practice is played: the auditor only reads
OPEN = None  # no sign-in asked
CALLS = itertools.count(1)


def _call() -> dict[str, Any]:
    """A call to brief, its own number each time (a repeated number is one call updated)."""
    return {"number": f"26-{next(CALLS):06d}", "received_at": "2026-03-01T12:00:00+00:00", "type_text": "Welfare check",
            "address": "418 Garland Ave", "narrative": "Neighbour worried, no weapons."}  # fmt: skip


# (method, path) -> (who may, the request's parts). Paths fill {encounter_id}, {finding_id}, {job_id}, {username}.
TABLE: dict[tuple[str, str], tuple[frozenset[str] | None, dict[str, Any]]] = {
    ("GET", "/login"): (OPEN, {}),
    ("POST", "/login"): (OPEN, {"data": {"username": SUPERVISOR, "password": PASSWORD}, "csrf": True}),
    ("POST", "/logout"): (EVERYONE, {}),
    ("GET", "/"): (READERS, {}),
    ("POST", "/encounters"): (REVIEWERS, {"upload": True}),
    ("GET", "/encounters/{encounter_id}"): (READERS, {}),
    ("GET", "/encounters/{encounter_id}/progress"): (READERS, {"job": True}),
    ("POST", "/findings/{finding_id}/review"): (REVIEWERS, {"data": {"decision": "confirm"}}),
    ("GET", "/dashboard"): (READERS, {}),
    ("GET", "/audit"): (frozenset({AUDITOR}), {}),
    ("POST", "/api/v1/auth/token"): (OPEN, {"data": {"username": SUPERVISOR, "password": PASSWORD}}),
    ("POST", "/api/v1/auth/revoke"): (EVERYONE, {}),
    ("POST", "/api/v1/encounters"): (REVIEWERS, {"upload": True}),
    ("GET", "/api/v1/encounters"): (READERS, {}),
    ("GET", "/api/v1/encounters/{encounter_id}"): (READERS, {}),
    ("PUT", "/api/v1/encounters/{encounter_id}/officer"): (frozenset({ADMIN}), {"json": {"officer": OFFICER}}),
    ("GET", "/api/v1/encounters/{encounter_id}/export"): (READERS, {"params": {"redact": "true"}}),
    ("GET", "/api/v1/encounters/{encounter_id}/original"): (READERS, {}),
    ("POST", "/api/v1/findings/{finding_id}/review"): (REVIEWERS, {"json": {"decision": "confirm"}}),
    ("GET", "/api/v1/jobs/{job_id}"): (READERS, {}),
    ("GET", "/api/v1/dashboard"): (READERS, {}),
    ("GET", "/api/v1/export/reviewed"): (frozenset({ADMIN, TRAINER}), {}),
    ("GET", "/api/v1/audit"): (frozenset({AUDITOR}), {}),
    ("GET", "/api/v1/users"): (frozenset({ADMIN}), {}),
    ("POST", "/api/v1/users/{username}/revoke-tokens"): (frozenset({ADMIN}), {}),
    ("POST", "/api/v1/users/{username}/unlock"): (frozenset({ADMIN}), {}),
    ("GET", "/api/v1/openapi.json"): (OPEN, {}),
    ("GET", "/api/v1/docs"): (OPEN, {}),
    ("GET", "/docs/oauth2-redirect"): (OPEN, {}),
    ("GET", "/static"): (OPEN, {"path": "/static/app.css"}),
    ("GET", "/briefings"): (EVERYONE, {}),
    ("POST", "/briefings"): (NOT_AUDITOR, {"data": lambda: {"call": json.dumps(_call())}}),
    ("GET", "/briefings/{briefing_id}"): (EVERYONE, {}),
    ("POST", "/briefings/{briefing_id}/points/{point_id}/review"): (
        REVIEWERS | {TRAINER},
        {"data": {"decision": "confirm"}},
    ),
    ("POST", "/api/v1/briefings"): (NOT_AUDITOR, {"json": _call}),
    ("GET", "/api/v1/briefings"): (EVERYONE, {}),
    ("GET", "/api/v1/briefings/{briefing_id}"): (EVERYONE, {}),
    ("POST", "/api/v1/briefings/{briefing_id}/points/{point_id}/review"): (
        REVIEWERS | {TRAINER},
        {"json": {"decision": "dispute"}},
    ),
    ("GET", "/training"): (EVERYONE, {}),
    ("POST", "/training/sessions"): (NOT_AUDITOR, {"data": {"scenario": "deaf-driver", "seed": "1"}}),
    ("GET", "/training/sessions/{session_id}"): (EVERYONE, {}),  # olly's session: olly, and all but officers
    ("POST", "/training/sessions/{session_id}/turns"): (NOT_AUDITOR, {"data": {"text": "hello"}, "own": True}),
    ("POST", "/training/sessions/{session_id}/end"): (NOT_AUDITOR, {"own": True}),
    ("GET", "/api/v1/training/scenarios"): (EVERYONE, {}),
    ("POST", "/api/v1/training/sessions"): (NOT_AUDITOR, {"json": {"scenario": "deaf-driver", "seed": 1}}),
    ("GET", "/api/v1/training/sessions"): (EVERYONE, {}),
    ("GET", "/api/v1/training/sessions/{session_id}"): (EVERYONE, {}),
    ("POST", "/api/v1/training/sessions/{session_id}/turns"): (NOT_AUDITOR, {"json": {"text": "hello"}, "own": True}),
    ("POST", "/api/v1/training/sessions/{session_id}/end"): (NOT_AUDITOR, {"own": True}),
}


def app_routes(app: FastAPI) -> dict[tuple[str, str], BaseRoute]:
    """Every (method, path) the app answers, from its own route list (included routers opened up)."""
    keys: dict[tuple[str, str], BaseRoute] = {}
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount):
            keys[("GET", route.path)] = route
        elif isinstance(route, Route):  # APIRoute too
            keys.update(((m, route.path), route) for m in (route.methods or ()) if m != "HEAD")
    return keys


# SQLite: who may do what does not depend on the database
db_url = pytest.fixture(params=["sqlite"], name="db_url")(sqlite_unless_asked)


@pytest.fixture
def ids(app: FastAPI, client: TestClient) -> dict[str, Any]:
    """An encounter of olly's (North, sam's unit), fully reviewed; a recording job on another of olly's."""
    admin = {"Authorization": f"Bearer {token_for(client, ADMIN)}"}
    encounter = upload(client, admin, officer=OFFICER)
    for finding in encounter["findings"]:  # type: ignore[attr-defined]
        client.post(f"/api/v1/findings/{finding['id']}/review", headers=admin, json={"decision": "confirm"})
    now = datetime.now(UTC)
    with app.state.sessions() as session:
        recording = StoredEncounter(
            uploaded_by=ADMIN,
            officer=OFFICER,
            encounter={"id": "rec", "participants": [], "utterances": []},
            source_name="rec.wav",
            created_at=now,
            status=EncounterStatus.failed.value,
        )
        session.add(recording)
        session.flush()
        job = Job(encounter_id=recording.id, kind="recording", state=JobState.failed.value, stage="failed",
                  percent=0, attempts=1, media_name="rec.wav", media=b"x", created_at=now, updated_at=now)  # fmt: skip
        session.add(job)
        session.commit()
        job_ids = {"job_id": job.id, "job_encounter_id": recording.id}
    first = encounter["findings"][0]["id"]  # type: ignore[index]
    briefing = client.post("/api/v1/briefings", headers=admin, json=_call()).json()
    olly = {"Authorization": f"Bearer {token_for(client, OFFICER)}"}
    practice = client.post("/api/v1/training/sessions", headers=olly, json={"scenario": "deaf-driver", "seed": 1})
    return {
        "encounter_id": encounter["id"],
        "finding_id": first,
        "username": "oscar",
        "briefing_id": briefing["id"],
        "point_id": briefing["points"][0]["id"],
        "session_id": practice.json()["id"],
        **job_ids,
    }


def _request(
    client: TestClient, key: tuple[str, str], parts: dict[str, Any], ids: dict[str, Any], headers: dict[str, str]
) -> Any:
    method, path = key
    values = {**ids, "encounter_id": ids["job_encounter_id"]} if parts.get("job") else ids
    url = parts.get("path") or path.format(**values)
    kwargs: dict[str, Any] = {k: v() if callable(v) else v for k, v in parts.items() if k in ("data", "json", "params")}
    if parts.get("csrf"):  # the sign-in form carries the CSRF token of the session its page began
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        kwargs["data"] = {**kwargs["data"], "csrf_token": token.group(1) if token else ""}
    if parts.get("upload"):
        kwargs["files"] = {"file": (EXAMPLE.name, EXAMPLE.read_bytes())}
    return client.request(method, url, headers=headers, follow_redirects=False, **kwargs)


def test_roles_table_covers_every_route(app: FastAPI) -> None:
    routes = set(app_routes(app))
    assert routes - set(TABLE) == set(), "routes with no entry in the role table test"
    assert set(TABLE) - routes == set(), "entries for routes the app no longer has"


def test_roles_every_guarded_route_asks_the_role_table_once(app: FastAPI) -> None:
    for key, route in app_routes(app).items():
        if not isinstance(route, APIRoute) or TABLE[key][0] is OPEN:
            continue
        asked = [getattr(d.call, "permission", None) for d in route.dependant.dependencies]
        assert len([p for p in asked if p]) == 1, f"{route.path} asks the role table {asked}"


def _own_session(client: TestClient, headers: dict[str, str]) -> int:
    """A practice session the requester started: only its trainee plays it (web.training.play_turn)."""
    started = client.post("/api/v1/training/sessions", headers=headers, json={"scenario": "deaf-driver", "seed": 1})
    assert started.status_code == 201, started.text
    session_id: int = started.json()["id"]
    return session_id


def _walk(client: TestClient, ids: dict[str, Any]) -> Iterator[tuple[tuple[str, str], str, int, str]]:
    tokens = {role: token_for(client, role) for role in ROLES}
    for key, (allowed, parts) in TABLE.items():
        for role in ROLES if allowed is not OPEN else ():
            headers = {"Authorization": f"Bearer {tokens[role]}"}
            own = parts.get("own") and role in allowed
            values = {**ids, "session_id": _own_session(client, headers)} if own else ids
            response = _request(client, key, parts, values, headers)
            yield key, role, response.status_code, response.text
            if key == ("POST", "/api/v1/auth/revoke") and response.status_code == 200:
                tokens[role] = token_for(client, role)  # it revoked the token it came with


def test_roles_every_route_for_every_role(client: TestClient, ids: dict[str, Any]) -> None:
    wrong = []
    for key, role, status, text in _walk(client, ids):
        allowed = TABLE[key][0]
        assert allowed is not OPEN
        if role in allowed and status >= 400:
            wrong.append(f"{role} {key}: {status} but allowed ({text[:160]})")
        if role not in allowed and (status != 403 or "E111" not in text):
            wrong.append(f"{role} {key}: {status} but denied")
    assert wrong == []


def test_roles_open_routes_need_no_sign_in(client: TestClient, ids: dict[str, Any]) -> None:
    answers = {}
    for key in (key for key, (allowed, _) in TABLE.items() if allowed is OPEN):
        client.cookies.clear()  # as a stranger would: no session from the route before
        answers[key] = _request(client, key, TABLE[key][1], ids, {}).status_code
    assert {key: status for key, status in answers.items() if status >= 400} == {}


def _signed_out_refusal(key: tuple[str, str], response: Any) -> bool:
    if key[1].startswith("/api/"):
        return bool(response.status_code == 401 and response.json()["error"]["code"] == "E110")
    if key[0] == "GET":  # a page: to the sign-in form
        return bool(response.status_code == 303 and response.headers["location"].startswith("/login"))
    # a form posted with no session cannot carry this session's CSRF token
    return bool(response.status_code == 403 and "E116" in response.text)


def test_roles_guarded_routes_refuse_the_signed_out(client: TestClient, ids: dict[str, Any]) -> None:
    guarded = [key for key, (allowed, _) in TABLE.items() if allowed is not OPEN]
    answers = {key: _request(client, key, TABLE[key][1], ids, {}) for key in guarded}
    assert [key for key, response in answers.items() if not _signed_out_refusal(key, response)] == []
