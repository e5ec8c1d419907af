"""/api/v1/briefings on a real store: a call in as a file, an EIDO document or a JSON body; the briefing out as
`deescalate brief` makes it; the call in the records store; points reviewed; roles; bad calls refused whole."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deescalate.briefing.brief import brief
from deescalate.briefing.render import to_json
from deescalate.store.importers import read_call_file
from deescalate.store.models import Call, StoredBriefing
from tests.briefing.conftest import empty_session  # noqa: F401  (the one empty records store of briefing tests)
from tests.web.conftest import Shared

Auth = Callable[[str], dict[str, str]]

EIDO = Path(__file__).resolve().parents[1] / "data" / "eido" / "current_layout.json"
RECEIVED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CALL: dict[str, Any] = {
    "number": "26-004417",
    "received_at": RECEIVED.isoformat(),
    "type_text": "Welfare check",
    "priority": "2",
    "address": "418 Garland Ave",
    "narrative": "My neighbour is screaming at nobody and I think she has a knife. No kids in there.",
    "caller_name": "Pat Moreno",
    "caller_phone": "555-0199",
}
# keys that depend on the clock and on how long the briefing took, not on the call and the records
CLOCKED = {"call_line", "generated_ms"}


def call(**changes: Any) -> dict[str, Any]:
    return {**CALL, **changes}


def _error(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "file", "where"}, body
    error: dict[str, Any] = body["error"]
    return error


def _post_json(client: TestClient, headers: dict[str, str], data: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/v1/briefings", headers=headers, json=data)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _rows(app: FastAPI) -> tuple[int, int]:
    with app.state.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(StoredBriefing)) or 0,
            session.scalar(select(func.count()).select_from(Call)) or 0,
        )


@pytest.mark.parametrize("path", [EIDO, "simple"])
def test_web_briefings_file_upload_gives_what_deescalate_brief_gives(
    client: TestClient,
    auth: Auth,
    empty_session: Session,  # noqa: F811  (the imported fixture)
    tmp_path: Path,
    path: Path | str,
) -> None:
    if path == "simple":
        path = tmp_path / "call.json"
        path.write_text(json.dumps(CALL), "utf-8")
    assert isinstance(path, Path)
    expected = json.loads(to_json(brief(read_call_file(path), session=empty_session)))  # deescalate brief -f json
    response = client.post("/api/v1/briefings", headers=auth("olly"), files={"file": (path.name, path.read_bytes())})
    assert response.status_code == 201, response.text
    body = response.json()
    got = body["briefing"]
    assert {k: v for k, v in got.items() if k not in CLOCKED} == {k: v for k, v in expected.items() if k not in CLOCKED}
    assert body["source_name"] == path.name and body["created_by"] == "olly"
    assert body["stored"]["outcome"] == "created"
    # one point per caution and per critical question, the triage, one per resource; all awaiting review
    kinds = [p["kind"] for p in body["points"]]
    assert kinds.count("caution") == len(expected["cautions"])
    assert kinds.count("answer") == len(expected["answers"])
    assert kinds.count("triage") == 1 and kinds.count("resource") == len(expected["resources"])
    assert {p["status"] for p in body["points"]} == {"pending"}
    triage = next(p for p in body["points"] if p["kind"] == "triage")
    assert triage["rule"] == expected["triage"]["rule"]


def test_web_briefings_the_call_lands_in_the_records_store(client: TestClient, auth: Auth, app: FastAPI) -> None:
    first = _post_json(client, auth("sam"), call())
    assert first["briefing"]["premise_counts"] == {}  # the first call at this address: no history yet
    with app.state.sessions() as session:
        stored = session.scalar(select(Call).where(Call.number == CALL["number"]))
        assert stored is not None and stored.type_text == "Welfare check" and stored.narrative == CALL["narrative"]
        assert "sam" in (stored.source or "")

    later = (RECEIVED + timedelta(days=3)).isoformat()
    second = _post_json(client, auth("sam"), call(number="26-004999", received_at=later, type_text="Disturbance"))
    # the next call at the same place is briefed with the first one in its premise history
    assert second["briefing"]["premise_counts"] == {"Welfare check": 1}
    assert [c["number"] for c in second["briefing"]["premise_recent"]] == [CALL["number"]]

    listed = client.get("/api/v1/briefings", headers=auth("aud")).json()
    assert [b["id"] for b in listed["items"]] == [second["id"], first["id"]]  # newest first
    assert listed["items"][0]["call_number"] == "26-004999"


def test_web_briefings_a_repeated_message_updates_one_call(client: TestClient, auth: Auth, app: FastAPI) -> None:
    first = _post_json(client, auth("sam"), call())
    again = _post_json(client, auth("sam"), call(narrative=CALL["narrative"] + " She is now outside."))
    assert again["stored"]["outcome"] == "updated"
    assert _rows(app) == (2, 1)  # two briefings, one call
    # each briefing keeps what it said when it was made
    got = client.get(f"/api/v1/briefings/{first['id']}", headers=auth("sam")).json()
    assert got["briefing"]["call"]["narrative"] == CALL["narrative"]


@pytest.mark.parametrize(
    ("body", "content_type", "code", "where"),
    [
        (b"", "application/json", "E127", None),
        (b"   \n", "application/json", "E127", None),
        (b'{"number": "1", "received_at": ', "application/json", "E010", "line 1 column 32"),  # where it stops
        (b'[{"number": "1"}]', "application/json", "E081", None),
        (b'{"address": "1 Main St"}', "application/json", "E081", None),  # neither layout
        (json.dumps(call(number=" ")).encode(), "application/json", "E082", "number"),
        (json.dumps(call(received_at="yesterday")).encode(), "application/json", "E021", "received_at"),
        (json.dumps(call(persons=[{"role": "subject", "date_of_birth": "1990-13-45"}])).encode(), "application/json",
         "E021", "persons[0].date_of_birth"),
        (b"number=1", "application/x-www-form-urlencoded", "E114", None),
        (json.dumps(CALL).encode(), "text/plain", "E114", None),  # near miss: a good call, the wrong type
    ],
)  # fmt: skip
def test_web_briefings_a_bad_call_is_refused_and_nothing_is_stored(
    shared: Shared, body: bytes, content_type: str, code: str, where: str | None
) -> None:
    before = _rows(shared.app)
    response = shared.client.post(
        "/api/v1/briefings", headers={**shared.headers["sam"], "Content-Type": content_type}, content=body
    )
    assert response.status_code == 422, response.text
    error = _error(response)
    assert (error["code"], error["where"]) == (code, where)
    if code != "E114":
        assert error["file"] == "request body"
    assert _rows(shared.app) == before


@pytest.mark.parametrize(
    ("files", "code", "file"),
    [
        ({"file": ("call.json", b'{"number": ')}, "E010", "call.json"),
        ({"file": ("../../etc/call.json", json.dumps(call(received_at="soon")).encode())}, "E021", "call.json"),
        ({"file": ("notes.txt", "caf\xe9".encode("latin-1"))}, "E004", "notes.txt"),
        ({"other": ("call.json", json.dumps(CALL).encode())}, "E127", None),  # near miss: right file, wrong field
    ],
)
def test_web_briefings_a_bad_call_file_is_named_in_the_error(
    shared: Shared, files: dict[str, tuple[str, bytes]], code: str, file: str | None
) -> None:
    before = _rows(shared.app)
    response = shared.client.post("/api/v1/briefings", headers=shared.headers["sam"], files=files)
    assert response.status_code == 422, response.text
    assert (_error(response)["code"], _error(response)["file"]) == (code, file)
    assert _rows(shared.app) == before


def test_web_briefings_a_call_over_the_size_limit_is_413(shared: Shared) -> None:
    settings = shared.app.state.settings
    shared.app.state.settings = replace(settings, max_input_bytes=2_000)
    before = _rows(shared.app)
    try:
        for size, status in ((1_000, 201), (2_000, 413)):  # near miss: under the limit it is briefed
            padded = call(number=f"26-big-{size}", narrative="x" * size)
            response = shared.client.post("/api/v1/briefings", headers=shared.headers["sam"], json=padded)
            assert response.status_code == status, response.text
    finally:
        shared.app.state.settings = settings
    assert _error(response)["code"] == "E003"
    assert _rows(shared.app) == (before[0] + 1, before[1] + 1)


@pytest.mark.parametrize(
    ("username", "brief_status", "review_status"),
    [("ada", 201, 200), ("sam", 201, 200), ("tia", 201, 200), ("olly", 201, 403), ("aud", 403, 403)],
)
def test_web_briefings_role_table(shared: Shared, username: str, brief_status: int, review_status: int) -> None:
    client, headers = shared.client, shared.headers[username]
    response = client.post("/api/v1/briefings", headers=headers, json=call(number=f"26-role-{username}"))
    assert response.status_code == brief_status, response.text
    made = _post_json(client, shared.headers["sam"], call(number="26-005000"))
    assert client.get("/api/v1/briefings", headers=headers).status_code == 200
    assert client.get(f"/api/v1/briefings/{made['id']}", headers=headers).status_code == 200
    point = made["points"][0]["id"]
    reviewed = client.post(
        f"/api/v1/briefings/{made['id']}/points/{point}/review", headers=headers, json={"decision": "confirm"}
    )
    assert reviewed.status_code == review_status
    if review_status == 403:
        assert _error(reviewed)["code"] == "E111"


def test_web_briefings_points_are_confirmed_and_disputed_like_findings(client: TestClient, auth: Auth) -> None:
    made = _post_json(client, auth("olly"), call())
    triage = next(p for p in made["points"] if p["kind"] == "triage")
    url = f"/api/v1/briefings/{made['id']}/points/{triage['id']}/review"
    first = client.post(url, headers=auth("tia"), json={"decision": "confirm", "comment": "knife was real"})
    assert first.status_code == 200, first.text
    got = client.get(f"/api/v1/briefings/{made['id']}", headers=auth("olly")).json()
    point = next(p for p in got["points"] if p["id"] == triage["id"])
    assert (point["status"], point["reviewer"], point["comment"]) == ("confirmed", "tia", "knife was real")
    assert got["review"]["confirmed"] == 1 and got["review"]["pending"] == len(made["points"]) - 1

    # a later dispute by someone else replaces the status; the other points are untouched
    client.post(url, headers=auth("sam"), json={"decision": "dispute", "comment": "a co-responder was free"})
    again = client.get(f"/api/v1/briefings/{made['id']}", headers=auth("olly")).json()
    point = next(p for p in again["points"] if p["id"] == triage["id"])
    assert (point["status"], point["reviewer"]) == ("disputed", "sam")
    assert [p["status"] for p in again["points"] if p["id"] != triage["id"]] == ["pending"] * (len(made["points"]) - 1)


@pytest.mark.parametrize(
    ("which", "body", "status", "code"),
    [
        ("own", {"decision": "approve"}, 422, "E114"),
        ("own", {"decision": "Confirm"}, 422, "E114"),  # near miss: decisions are lower case
        ("own", {}, 422, "E114"),
        ("other", {"decision": "confirm"}, 404, "E112"),  # a point of another briefing
        ("missing", {"decision": "confirm"}, 404, "E112"),
        ("own", {"decision": "confirm"}, 200, None),
    ],
)
def test_web_briefings_review_of_a_wrong_point_or_decision_is_refused(
    shared: Shared, which: str, body: dict[str, str], status: int, code: str | None
) -> None:
    client, headers = shared.client, shared.headers["sam"]
    mine = _post_json(client, headers, call(number="26-mine"))
    other = _post_json(client, headers, call(number="26-other"))
    point = {"own": mine["points"][0]["id"], "other": other["points"][0]["id"], "missing": 999_999}[which]
    response = client.post(f"/api/v1/briefings/{mine['id']}/points/{point}/review", headers=headers, json=body)
    assert response.status_code == status, response.text
    if code:
        assert _error(response)["code"] == code
    untouched = client.get(f"/api/v1/briefings/{other['id']}", headers=headers).json()
    assert untouched["review"]["pending"] == len(other["points"])


def test_web_briefings_unknown_briefing_is_404(shared: Shared) -> None:
    response = shared.client.get("/api/v1/briefings/424242", headers=shared.headers["aud"])
    assert response.status_code == 404 and _error(response)["code"] == "E112"


def test_web_briefings_openapi_documents_both_ways_to_send_a_call(shared: Shared) -> None:
    paths = shared.client.get("/api/v1/openapi.json").json()["paths"]
    content = paths["/api/v1/briefings"]["post"]["requestBody"]["content"]
    assert set(content) == {"multipart/form-data", "application/json"}
    assert "/api/v1/briefings/{briefing_id}/points/{point_id}/review" in paths
