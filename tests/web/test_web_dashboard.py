"""The dashboard counts what people confirmed, and nothing else; its charts say in words what they show."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from deescalate.store.models import UserRole
from deescalate.web.services import create_user
from tests.web.conftest import PASSWORD, example_with, upload

Auth = Callable[[str], dict[str, str]]


def review_where(client: TestClient, headers: dict[str, str], encounter: dict[str, Any], decide: Any) -> None:
    """Review each finding of ENCOUNTER with decide(finding) -> 'confirm' | 'dispute' | None (left pending)."""
    for finding in encounter["findings"]:  # type: ignore[union-attr]
        decision = decide(finding)
        if decision:
            response = client.post(
                f"/api/v1/findings/{finding['id']}/review", headers=headers, json={"decision": decision}
            )
            assert response.status_code == 200, response.text


def figures(client: TestClient, headers: dict[str, str], **params: str) -> dict[str, Any]:
    response = client.get("/api/v1/dashboard", headers=headers, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def item(body: dict[str, Any], name: str) -> dict[str, int]:
    counts: dict[str, int] = next(i["counts"] for i in body["items"] if i["item"] == name)
    return counts


# The parking-lot stop's C4 (respect) has three respect_marker findings (practice) and one insult (concern).
@pytest.mark.parametrize(
    ("respect", "insult", "expected"),
    [
        ("confirm", "confirm", "mixed"),
        ("confirm", "dispute", "demonstrated"),
        ("confirm", None, "demonstrated"),  # a pending insult does not count
        ("dispute", "confirm", "concerns"),
        (None, "confirm", "concerns"),
        ("dispute", "dispute", "not observed"),  # the machine said both; people said no: nothing counts
    ],
)
def test_dashboard_counts_only_confirmed_findings(
    client: TestClient, auth: Auth, respect: str | None, insult: str | None, expected: str
) -> None:
    admin = auth("ada")
    encounter = upload(client, admin, officer="olly")
    decisions = {"respect_marker": respect, "insult": insult}
    review_where(client, admin, encounter, lambda f: decisions.get(f["label"]))
    body = figures(client, admin)
    assert body["encounters"] == {"counted": 1, "awaiting_review": 0}
    assert item(body, "C4") == {s: int(s == expected) for s in ("demonstrated", "concerns", "mixed", "not observed")}
    # the same computation as the review page's reviewed checklist
    detail = client.get(f"/api/v1/encounters/{encounter['id']}", headers=admin).json()
    for row in detail["checklist"]:
        assert item(body, row["item"])[row["status"]] == 1


def test_dashboard_leaves_out_encounters_nobody_reviewed(client: TestClient, auth: Auth) -> None:
    admin = auth("ada")
    upload(client, admin, officer="olly")
    reviewed = upload(client, admin, officer="olly", data=example_with(id="another-stop"))
    review_where(client, admin, reviewed, lambda f: "dispute" if f["label"] == "insult" else None)
    body = figures(client, admin)
    assert body["encounters"] == {"counted": 1, "awaiting_review": 1}
    assert sum(item(body, "C4").values()) == 1  # never "not observed" for the one nobody looked at


def test_dashboard_breaks_down_by_time_unit_call_type_and_officer(app: FastAPI, client: TestClient, auth: Auth) -> None:
    with app.state.sessions() as session:
        create_user(session, username="sue", role=UserRole.officer, password=PASSWORD, unit="South")
    admin = auth("ada")
    march = upload(client, admin, officer="olly")
    april = upload(
        client, admin, officer="sue", data=example_with(started_at="2026-04-10T08:00:00Z", call_type="welfare check")
    )
    for encounter in (march, april):
        review_where(client, admin, encounter, lambda f: "confirm")
    body = figures(client, admin)
    assert [g["key"] for g in body["over_time"]] == ["2026-03", "2026-04"]
    assert {g["key"]: g["encounters"] for g in body["by_unit"]} == {"North": 1, "South": 1}
    assert {g["key"] for g in body["by_call_type"]} == {"traffic stop", "welfare check"}
    assert {g["key"] for g in body["by_officer"]} == {"olly", "sue"}
    weeks = figures(client, admin, period="week")["over_time"]
    assert [g["key"] for g in weeks] == ["2026-W10", "2026-W15"]
    pace = next(m for m in body["measures"] if m["key"] == "words_per_minute")
    assert pace["count"] == sum(b["count"] for b in pace["bins"]) > 0


@pytest.mark.parametrize(
    ("params", "counted"),
    [
        ({"unit": "South"}, 1),
        ({"unit": "Sout"}, 0),  # near miss: units match whole
        ({"call_type": "traffic stop"}, 1),
        ({"date_from": "2026-03-02", "date_to": "2026-03-02"}, 1),  # both ends included
        ({"date_from": "2026-03-03"}, 1),  # the day after March's encounter: April's only
        ({"date_to": "2026-03-01"}, 0),
    ],
)
def test_dashboard_filters(app: FastAPI, client: TestClient, auth: Auth, params: dict[str, str], counted: int) -> None:
    with app.state.sessions() as session:
        create_user(session, username="sue", role=UserRole.officer, password=PASSWORD, unit="South")
    admin = auth("ada")
    march = upload(client, admin, officer="olly")
    april = upload(
        client, admin, officer="sue", data=example_with(started_at="2026-04-10T08:00:00Z", call_type="welfare check")
    )
    for encounter in (march, april):
        review_where(client, admin, encounter, lambda f: "confirm")
    assert figures(client, admin, **params)["encounters"]["counted"] == counted


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"date_from": "2026-03-05", "date_to": "2026-03-04"}, "E120"),
        ({"period": "year"}, "E114"),  # the API's own parameter check
    ],
)
def test_dashboard_refuses_bad_filters(client: TestClient, auth: Auth, params: dict[str, str], code: str) -> None:
    response = client.get("/api/v1/dashboard", headers=auth("sam"), params=params)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code


@pytest.mark.parametrize(
    # sam supervises North: olly's encounter counts, the one nobody is assigned (uploaded by ada) does not
    ("user", "counted"),
    [("ada", 2), ("sam", 1), ("aud", 2), ("olly", 1), ("oscar", 0)],
)
def test_dashboard_officers_see_only_their_own(client: TestClient, auth: Auth, user: str, counted: int) -> None:
    admin = auth("ada")
    for officer in ("olly", None):
        data = example_with(id=f"stop-{officer}")
        encounter = upload(client, admin, data=data, **({"officer": officer} if officer else {}))
        review_where(client, admin, encounter, lambda f: "confirm")
    assert figures(client, auth(user))["encounters"]["counted"] == counted


def test_dashboard_needs_sign_in(client: TestClient) -> None:
    response = client.get("/api/v1/dashboard")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "E110"
    page = client.get("/dashboard", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/dashboard"


def sign_in(client: TestClient, username: str) -> None:
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_dashboard_page_charts_have_text_alternatives(client: TestClient, auth: Auth) -> None:
    admin = auth("ada")
    hostile = "<script>alert(1)</script>"
    encounter = upload(client, admin, officer="olly", data=example_with(call_type=hostile))
    review_where(client, admin, encounter, lambda f: "confirm" if f["label"] != "insult" else "dispute")
    sign_in(client, "sam")
    page = client.get("/dashboard")
    assert page.status_code == 200
    html = page.text
    charts = re.findall(r"<svg[^>]*>", html)
    assert len(charts) == 10  # items, over time, three breakdowns, five measures
    for tag in charts:
        assert 'role="img"' in tag
        title_id, desc_id = re.search(r'aria-labelledby="([^" ]+) ([^"]+)"', tag).groups()  # type: ignore[union-attr]
        assert re.search(rf'<title id="{title_id}">[^<]+</title>', html)
        assert re.search(rf'<desc id="{desc_id}">[^<]+</desc>', html)
    assert html.count("<table") >= 10  # every chart's figures as a table too
    assert "C4 " in html and "1 demonstrated" in html  # the items chart says in words what its bars show
    assert hostile not in html and "&lt;script&gt;" in html
    assert 'aria-current="page">Dashboard' in html


@pytest.mark.parametrize(("query", "status"), [("?period=week", 200), ("?period=year", 422), ("?date_from=03/02", 422)])
def test_dashboard_page_filters_as_get_form(client: TestClient, query: str, status: int) -> None:
    sign_in(client, "olly")
    page = client.get("/dashboard" + query)
    assert page.status_code == status
    if status == 200:
        assert '<form class="filters" method="get" action="/dashboard">' in page.text
        assert "your encounters" in page.text
    else:
        assert "E120" in page.text
