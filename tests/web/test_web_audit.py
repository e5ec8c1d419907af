"""The web application's audit trail: every view, export, change and sign-in attempt is a row naming who, what,
when and from where; auditors search it (page and API); a row that cannot be written stops the view."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from deescalate.store import audit
from deescalate.web import audit as web_audit
from tests.web.conftest import PASSWORD, sqlite_unless_asked, token_for, upload
from tests.web.test_web_roles import app_routes

Auth = Callable[[str], dict[str, str]]


# SQLite: who may do what does not depend on the database
db_url = pytest.fixture(params=["sqlite"], name="db_url")(sqlite_unless_asked)


def _rows(client: TestClient, auth: Auth, **filters: str) -> list[dict[str, Any]]:
    response = client.get("/api/v1/audit", headers=auth("aud"), params=filters)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_audit_every_route_is_audited_or_says_why_not(app: FastAPI) -> None:
    routes = set(app_routes(app))
    assert set(web_audit.AUDITED) & set(web_audit.NOT_AUDITED) == set()
    assert routes - set(web_audit.AUDITED) - set(web_audit.NOT_AUDITED) == set(), "routes in neither table"
    assert set(web_audit.AUDITED) | set(web_audit.NOT_AUDITED) <= routes, "entries for routes that are gone"


def test_audit_records_who_what_when_and_from_where(app: FastAPI, client: TestClient, auth: Auth) -> None:
    assert client.post("/api/v1/auth/token", data={"username": "sam", "password": "wrong"}).status_code == 401
    sam, aud = auth("sam"), auth("aud")
    encounter = upload(client, sam, officer="olly")
    target = f"encounter:{encounter['id']}"
    finding = encounter["findings"][0]["id"]  # type: ignore[index]
    client.get(f"/api/v1/encounters/{encounter['id']}", headers=aud)
    client.get(f"/api/v1/encounters/{encounter['id']}/export", headers=aud, params={"redact": "true"})
    client.post(f"/api/v1/findings/{finding}/review", headers=sam, json={"decision": "confirm"})
    denied = client.post(f"/api/v1/findings/{finding}/review", headers=aud, json={"decision": "dispute"})
    assert denied.status_code == 403

    rows = _rows(client, auth)
    seen = {(r["action"], r["actor"], r["status"]) for r in rows}
    assert {
        ("login.failed", "sam", 401),
        ("login.success", "sam", 200),
        ("encounter.upload", "sam", 201),
        ("encounter.view", "aud", 200),
        ("encounter.export", "aud", 200),
        ("finding.review", "sam", 200),
        ("finding.review", "aud", 403),  # an attempt refused is recorded too
    } <= seen
    by_action = {(r["action"], r["actor"]): r for r in rows}
    assert all(r["remote"] == "testclient" and r["at"].endswith("Z") for r in rows)
    assert by_action[("encounter.upload", "sam")]["target"] == target
    assert by_action[("encounter.upload", "sam")]["detail"]["sha256"] == encounter["source_sha256"]
    assert by_action[("encounter.export", "aud")]["detail"]["query"] == {"redact": "true"}
    assert by_action[("finding.review", "aud")]["detail"]["error"] == "E111"
    assert by_action[("login.failed", "sam")]["target"] == "user:sam"
    everything = client.get("/api/v1/audit", headers=aud, params={"limit": "500"}).json()["items"]
    with app.state.sessions() as session:
        assert audit.verify(session).rows == len(everything) + 1  # and the row of that search


def test_audit_open_pages_leave_no_rows(client: TestClient, auth: Auth) -> None:
    auditor = auth("aud")
    before = client.get("/api/v1/audit", headers=auditor).json()["items"]
    client.get("/login")
    client.get("/static/app.css")
    client.get("/api/v1/openapi.json")
    after = client.get("/api/v1/audit", headers=auditor).json()["items"]
    assert [r["action"] for r in after] == ["audit.view", *(r["action"] for r in before)]  # the search before


@pytest.mark.parametrize(
    ("filters", "keep"),
    [
        ({"user": "sam"}, lambda r: r["actor"] == "sam"),
        ({"user": "sa"}, lambda r: False),  # near miss: names match whole
        ({"action": "login."}, lambda r: r["action"].startswith("login.")),
        ({"action": "login"}, lambda r: False),  # near miss: a family ends in '.'
        (
            {"action": "login.success", "user": "olly"},
            lambda r: r["action"] == "login.success" and r["actor"] == "olly",
        ),
        ({"target": "user:olly"}, lambda r: r["target"] == "user:olly"),
        ({"date_to": "2000-01-01"}, lambda r: False),
        ({"date_from": "2000-01-01"}, lambda r: True),
    ],
)
def test_audit_search_filters(
    client: TestClient, filters: dict[str, str], keep: Callable[[dict[str, Any]], bool]
) -> None:
    for name in ("sam", "olly"):
        headers = {"Authorization": f"Bearer {token_for(client, name)}"}
        client.get("/api/v1/encounters", headers=headers)
    auditor = {"Authorization": f"Bearer {token_for(client, 'aud')}"}
    everything = client.get("/api/v1/audit", headers=auditor).json()["items"]
    found = client.get("/api/v1/audit", headers=auditor, params=filters).json()["items"]
    last = everything[0]["id"]  # rows written after the first search (its own) are not compared
    assert [r for r in found if r["id"] <= last] == [r for r in everything if keep(r)]


@pytest.mark.parametrize(
    ("params", "code"),
    [({"date_from": "2026-05-02", "date_to": "2026-05-01"}, "E143"), ({"date_from": "yesterday"}, "E114")],
)
def test_audit_search_refuses_bad_filters(client: TestClient, auth: Auth, params: dict[str, str], code: str) -> None:
    response = client.get("/api/v1/audit", headers=auth("aud"), params=params)
    assert response.status_code == 422 and response.json()["error"]["code"] == code


def test_audit_search_pages_back(client: TestClient, auth: Auth) -> None:
    for _ in range(3):
        client.get("/api/v1/encounters", headers=auth("sam"))
    first = client.get("/api/v1/audit", headers=auth("aud"), params={"limit": "2"}).json()
    second = client.get("/api/v1/audit", headers=auth("aud"), params={"limit": "2", "before": first["next_before"]})
    ids = [r["id"] for r in first["items"]] + [r["id"] for r in second.json()["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 4


def _sign_in(client: TestClient, username: str) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    form = {"username": username, "password": PASSWORD, "csrf_token": token.group(1)}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303


def test_audit_page_for_auditors_shows_rows_escaped(client: TestClient) -> None:
    client.post("/api/v1/auth/token", data={"username": "<script>x</script>", "password": "wrong"})
    _sign_in(client, "aud")
    page = client.get("/audit", params={"action": "login."})
    assert page.status_code == 200 and "login.failed" in page.text
    assert "<script>x</script>" not in page.text and "&lt;script&gt;x&lt;/script&gt;" in page.text
    assert 'href="/audit"' in page.text  # the auditor's navigation has the link
    bad = client.get("/audit", params={"date_from": "05/01/2026"})
    assert bad.status_code == 422 and "E143" in bad.text


def test_audit_page_link_only_for_auditors(client: TestClient) -> None:
    _sign_in(client, "ada")
    assert 'href="/audit"' not in client.get("/").text
    assert client.get("/audit").status_code == 403


def test_audit_a_view_whose_row_cannot_be_written_is_not_shown(
    client: TestClient, auth: Auth, monkeypatch: pytest.MonkeyPatch
) -> None:
    encounter = upload(client, auth("sam"), officer="olly")
    headers = auth("aud")

    def broken(*_args: object, **_kw: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(audit, "append", broken)
    response = client.get(f"/api/v1/encounters/{encounter['id']}", headers=headers)
    assert response.status_code == 500 and response.json()["error"]["code"] == "E117"
    assert "utterances" not in response.text
