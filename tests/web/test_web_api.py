"""The /api/v1 routes on a real store: sign-in, upload, list, read, review, roles, errors, restarts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from deescalate.settings import Settings
from deescalate.web.app import create_app
from tests.web.conftest import EXAMPLE, PASSWORD, example_with, token_for, upload

PORCH = EXAMPLE.with_name("example-porch-welfare-check.json")

Auth = Callable[[str], dict[str, str]]


def _error(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "file", "where"}, body
    error: dict[str, Any] = body["error"]
    return error


@pytest.mark.parametrize(
    ("username", "password", "status"),
    [
        ("sam", PASSWORD, 200),
        ("sam", PASSWORD + " ", 401),  # near miss: one character more
        ("Sam", PASSWORD, 401),  # names are case-sensitive
        ("nobody", PASSWORD, 401),
    ],
)
def test_web_api_token_only_for_the_right_password(
    client: TestClient, username: str, password: str, status: int
) -> None:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == status
    if status == 200:
        assert response.json()["token_type"] == "bearer"
    else:
        assert _error(response)["code"] == "E110"


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Basic c2FtOnB3"])
def test_web_api_without_a_valid_token_is_401(client: TestClient, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/encounters", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert _error(response)["code"] == "E110"


def test_web_api_upload_analyses_and_get_shows_findings_and_checklist(client: TestClient, auth: Auth) -> None:
    created = upload(client, auth("sam"), officer="olly")
    assert created["officer"] == "olly" and created["source_name"] == "example-parking-lot-stop.json"
    findings = created["findings"]
    assert isinstance(findings, list) and findings
    first = findings[0]
    assert {"id", "label", "checklist_item", "quote", "utterance_id", "explanation", "status"} <= set(first)
    assert {f["status"] for f in findings} == {"pending"}
    got = client.get(f"/api/v1/encounters/{created['id']}", headers=auth("aud")).json()
    assert got["findings"] == findings
    # nothing confirmed yet: no checklist item shows anything (delivery is measured from the words themselves),
    # and the machine's unreviewed view stands beside it
    assert {row["status"] for row in got["checklist"] if row["item"] != "delivery"} == {"not observed"}
    assert any(row["machine_status"] != "not observed" for row in got["checklist"])


def test_web_api_confirming_a_finding_changes_the_reviewed_checklist(client: TestClient, auth: Auth) -> None:
    created = upload(client, auth("sam"))
    finding = next(f for f in created["findings"] if f["checklist_item"].startswith("C"))  # type: ignore[union-attr]
    item = finding["checklist_item"]
    response = client.post(
        f"/api/v1/findings/{finding['id']}/review",
        headers=auth("ada"),
        json={"decision": "confirm", "comment": "heard it on the recording"},
    )
    assert response.status_code == 200, response.text
    got = client.get(f"/api/v1/encounters/{created['id']}", headers=auth("sam")).json()
    reviewed = next(f for f in got["findings"] if f["id"] == finding["id"])
    assert (reviewed["status"], reviewed["reviewer"], reviewed["comment"]) == (
        "confirmed",
        "ada",
        "heard it on the recording",
    )
    row = next(r for r in got["checklist"] if r["item"] == item)
    assert row["status"] != "not observed"

    # a later dispute by someone else replaces the status: the item falls back to what the rest shows
    client.post(f"/api/v1/findings/{finding['id']}/review", headers=auth("sam"), json={"decision": "dispute"})
    again = client.get(f"/api/v1/encounters/{created['id']}", headers=auth("sam")).json()
    assert next(f for f in again["findings"] if f["id"] == finding["id"])["status"] == "disputed"
    assert next(r for r in again["checklist"] if r["item"] == item)["status"] == "not observed"


@pytest.mark.parametrize(
    ("username", "allowed"),
    [("ada", True), ("sam", True), ("tia", False), ("olly", False), ("aud", False)],
)
def test_web_api_review_only_for_reviewing_roles(client: TestClient, auth: Auth, username: str, allowed: bool) -> None:
    created = upload(client, auth("sam"), officer="olly")
    finding_id = created["findings"][0]["id"]  # type: ignore[index]
    response = client.post(
        f"/api/v1/findings/{finding_id}/review", headers=auth(username), json={"decision": "confirm"}
    )
    assert response.status_code == (200 if allowed else 403)
    if not allowed:
        assert _error(response)["code"] == "E111"


@pytest.mark.parametrize(
    ("username", "status"), [("ada", 201), ("sam", 201), ("tia", 403), ("olly", 403), ("aud", 403)]
)
def test_web_api_upload_refused_to_read_only_roles(client: TestClient, auth: Auth, username: str, status: int) -> None:
    files = {"file": (EXAMPLE.name, EXAMPLE.read_bytes())}
    response = client.post("/api/v1/encounters", headers=auth(username), files=files)
    assert response.status_code == status, response.text


def test_web_api_officers_see_only_their_own_encounters(client: TestClient, auth: Auth) -> None:
    mine = upload(client, auth("sam"), officer="olly")
    theirs = upload(client, auth("sam"), officer="oscar", data=example_with(id="another-stop"))
    listed = client.get("/api/v1/encounters", headers=auth("olly")).json()
    assert [e["id"] for e in listed["items"]] == [mine["id"]]
    hidden = client.get(f"/api/v1/encounters/{theirs['id']}", headers=auth("olly"))
    assert hidden.status_code == 404 and _error(hidden)["code"] == "E112"
    assert client.get("/api/v1/encounters", headers=auth("aud")).json()["count"] == 2


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ({}, 2),
        ({"officer": "olly"}, 1),
        ({"officer": "oll"}, 0),  # near miss: no prefix matching
        ({"date_from": "2000-01-01"}, 2),
        ({"date_to": "2000-01-01"}, 0),
        # the parking-lot stop is mixed on C3-C5 and shows nothing on C7; the porch check is demonstrated throughout
        ({"verdict": "mixed"}, 1),
        ({"verdict": "not observed"}, 1),
        ({"verdict": "demonstrated"}, 2),
        ({"verdict": "concerns"}, 0),
        ({"verdict": "mixed", "officer": "oscar"}, 0),
    ],
)
def test_web_api_list_filters(client: TestClient, auth: Auth, query: dict[str, str], count: int) -> None:
    upload(client, auth("sam"), officer="olly")
    upload(client, auth("sam"), officer="oscar", name=PORCH.name, data=PORCH.read_bytes())
    response = client.get("/api/v1/encounters", headers=auth("sam"), params=query)
    assert response.status_code == 200, response.text
    assert response.json()["count"] == count


@pytest.mark.parametrize(
    ("name", "data", "code", "status"),
    [
        ("broken.json", b'{"utterances": [', "E010", 422),
        ("empty.vtt", b"", "E002", 422),
        ("latin1.txt", "[00:01] Officer: caf\xe9".encode("latin-1"), "E004", 422),
        ("mystery.bin", b"\x00\x01 no format here", "E005", 422),
        ("bodycam.mp4", b"", "E002", 422),  # a recording is queued (test_web_jobs) unless it is empty
    ],
)
def test_web_api_bad_upload_names_the_file_and_problem(
    client: TestClient, auth: Auth, name: str, data: bytes, code: str, status: int
) -> None:
    response = client.post("/api/v1/encounters", headers=auth("sam"), files={"file": (name, data)})
    assert response.status_code == status, response.text
    error = _error(response)
    assert error["code"] == code and error["file"] == name


def test_web_api_upload_for_an_unknown_officer_is_refused(client: TestClient, auth: Auth) -> None:
    response = client.post(
        "/api/v1/encounters",
        headers=auth("sam"),
        files={"file": ("e.json", b"{}")},
        data={"officer": "ghost"},
    )
    assert response.status_code == 422 and _error(response)["where"] == "officer"


@pytest.mark.parametrize("body", [{"decision": "approve"}, {"decision": "Confirm"}, {}])
def test_web_api_review_with_a_bad_decision_is_422(client: TestClient, auth: Auth, body: dict[str, str]) -> None:
    created = upload(client, auth("sam"))
    finding_id = created["findings"][0]["id"]  # type: ignore[index]
    response = client.post(f"/api/v1/findings/{finding_id}/review", headers=auth("sam"), json=body)
    assert response.status_code == 422 and _error(response)["code"] == "E114"


def test_web_api_unknown_finding_and_route_are_404(client: TestClient, auth: Auth) -> None:
    missing = client.post("/api/v1/findings/999999/review", headers=auth("sam"), json={"decision": "confirm"})
    assert missing.status_code == 404 and _error(missing)["code"] == "E112"
    assert _error(client.get("/api/v1/nothing-here"))["code"] == "E112"


def test_web_api_restart_keeps_data(client: TestClient, auth: Auth, settings: Settings) -> None:
    created = upload(client, auth("sam"), officer="olly")
    finding_id = created["findings"][0]["id"]  # type: ignore[index]
    client.post(f"/api/v1/findings/{finding_id}/review", headers=auth("sam"), json={"decision": "confirm"})
    restarted = create_app(settings)
    try:
        with TestClient(restarted) as again:
            headers = {"Authorization": f"Bearer {token_for(again, 'aud')}"}
            got = again.get(f"/api/v1/encounters/{created['id']}", headers=headers).json()
    finally:
        restarted.state.sessions.kw["bind"].dispose()
    assert next(f for f in got["findings"] if f["id"] == finding_id)["status"] == "confirmed"


def test_web_api_openapi_lists_the_routes(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/auth/token", "/api/v1/encounters", "/api/v1/encounters/{encounter_id}"} <= set(paths)
    assert "/api/v1/findings/{finding_id}/review" in paths
