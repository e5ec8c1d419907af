"""The pages over HTTP (no browser): sign-in cookie, CSRF, the role table, escaping, errors as pages."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from deescalate.web.deps import SESSION_COOKIE
from deescalate.web.presenters import highlight
from deescalate.web.routes import api, pages
from tests.web.conftest import EXAMPLE, PASSWORD, example_with

SignIn = Callable[..., str]


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite only: what these tests check is HTTP and HTML; the API tests already cover both databases."""
    return f"sqlite:///{tmp_path / 'pages.db'}"


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


@pytest.fixture
def sign_in(client: TestClient) -> SignIn:
    """Sign CLIENT in through the form as USERNAME; returns the CSRF token of the new session."""

    def run(username: str = "sam") -> str:
        token = _csrf(client.get("/login").text)
        response = client.post(
            "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}, follow_redirects=False
        )
        assert response.status_code == 303, response.text
        return _csrf(client.get("/").text)

    return run


def _upload(client: TestClient, token: str, *, name: str = EXAMPLE.name, data: bytes | None = None) -> int:
    content = EXAMPLE.read_bytes() if data is None else data
    response = client.post(
        "/encounters",
        data={"csrf_token": token, "officer": "olly"},
        files={"file": (name, content)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def test_web_pages_every_route_asks_the_role_table() -> None:
    open_routes = {"/login", "/api/v1/auth/token"}
    for router in (pages.router, api.router):
        for route in router.routes:
            assert isinstance(route, APIRoute)
            if route.path in open_routes:
                continue
            asked = {getattr(d.call, "permission", None) for d in route.dependant.dependencies} - {None}
            assert len(asked) == 1, f"{route.path} asks the role table {len(asked)} times"


@pytest.mark.parametrize("path", ["/", "/encounters/1"])
def test_web_pages_signed_out_go_to_the_sign_in_page(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == ("/login" if path == "/" else f"/login?next={path}")


@pytest.mark.parametrize(("base", "secure"), [("http://testserver", False), ("https://testserver", True)])
def test_web_pages_session_cookie_is_httponly_lax_and_secure_over_https(app: object, base: str, secure: bool) -> None:
    with TestClient(app, base_url=base) as client:  # type: ignore[arg-type]
        token = _csrf(client.get("/login").text)
        response = client.post(
            "/login", data={"username": "sam", "password": PASSWORD, "csrf_token": token}, follow_redirects=False
        )
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert ("Secure" in cookie) is secure


def test_web_pages_sign_in_refuses_a_wrong_password(client: TestClient) -> None:
    token = _csrf(client.get("/login").text)
    response = client.post("/login", data={"username": "sam", "password": PASSWORD + "!", "csrf_token": token})
    assert response.status_code == 401 and "user name or password is wrong" in response.text
    assert client.get("/", follow_redirects=False).status_code == 303  # still signed out


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_web_pages_sign_in_returns_only_to_pages_of_this_site(client: TestClient, target: str) -> None:
    token = _csrf(client.get("/login").text)
    form = {"username": "sam", "password": PASSWORD, "csrf_token": token, "next": target}
    response = client.post("/login", data=form, follow_redirects=False)
    assert response.headers["location"] == "/"


def test_web_pages_sign_in_issues_a_new_session_id(client: TestClient, sign_in: SignIn) -> None:
    before = _csrf(client.get("/login").text)
    after = sign_in()
    # the token planted before sign-in no longer passes: the session it was bound to is gone
    response = client.post("/logout", data={"csrf_token": before}, follow_redirects=False)
    assert response.status_code == 403 and "E116" in response.text
    assert client.post("/logout", data={"csrf_token": after}, follow_redirects=False).status_code == 303


@pytest.mark.parametrize("token", [None, "", "forged.token.value"])
def test_web_pages_forms_without_this_sessions_csrf_token_are_refused(
    client: TestClient, sign_in: SignIn, token: str | None
) -> None:
    sign_in()
    form = {"officer": "olly"} | ({"csrf_token": token} if token is not None else {})
    response = client.post("/encounters", data=form, files={"file": (EXAMPLE.name, EXAMPLE.read_bytes())})
    assert response.status_code == 403 and "E116" in response.text
    assert "0 encounters" in client.get("/").text


def test_web_pages_csrf_token_of_another_session_is_refused(app: object, sign_in: SignIn, client: TestClient) -> None:
    with TestClient(app) as other:  # type: ignore[arg-type]
        other_token = _csrf(other.get("/login").text)
    sign_in()
    response = client.post("/logout", data={"csrf_token": other_token}, follow_redirects=False)
    assert response.status_code == 403


def test_web_pages_api_with_the_session_cookie_needs_the_csrf_header(client: TestClient, sign_in: SignIn) -> None:
    token = sign_in()
    finding = re.search(r'id="finding-(\d+)"', client.get(f"/encounters/{_upload(client, token)}").text)
    assert finding
    url = f"/api/v1/findings/{finding.group(1)}/review"
    refused = client.post(url, json={"decision": "confirm"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "E116"
    assert client.post(url, json={"decision": "confirm"}, headers={"X-CSRF-Token": token}).status_code == 200


def test_web_pages_upload_then_review_with_htmx_swaps_the_row_and_the_checklist(
    client: TestClient, sign_in: SignIn
) -> None:
    token = sign_in()
    encounter_id = _upload(client, token)
    page = client.get(f"/encounters/{encounter_id}").text
    finding_id = re.search(r'id="finding-(\d+)"', page).group(1)  # type: ignore[union-attr]
    response = client.post(
        f"/findings/{finding_id}/review",
        data={"csrf_token": token, "decision": "dispute", "comment": "  not what was said  "},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    body = response.text
    assert body.lstrip().startswith('<li class="finding status-disputed')
    assert 'id="checklist"' in body and body.count('hx-swap-oob="true"') == 2  # the highlight and the panel
    assert '“<span class="comment">not what was said</span>”' in body
    assert "0 confirmed · 1 disputed" in body


def test_web_pages_review_without_script_returns_to_the_finding(client: TestClient, sign_in: SignIn) -> None:
    token = sign_in()
    encounter_id = _upload(client, token)
    finding_id = re.search(r'id="finding-(\d+)"', client.get(f"/encounters/{encounter_id}").text).group(1)  # type: ignore[union-attr]
    response = client.post(
        f"/findings/{finding_id}/review", data={"csrf_token": token, "decision": "confirm"}, follow_redirects=False
    )
    assert response.headers["location"] == f"/encounters/{encounter_id}#finding-{finding_id}"


@pytest.mark.parametrize(("username", "can_review", "can_upload"), [("ada", True, True), ("aud", False, False)])
def test_web_pages_controls_only_for_roles_the_table_lets_use_them(
    client: TestClient, sign_in: SignIn, username: str, can_review: bool, can_upload: bool
) -> None:
    encounter_id = _upload(client, sign_in("sam"))
    token = sign_in(username)
    listing, review = client.get("/").text, client.get(f"/encounters/{encounter_id}").text
    assert ('action="/encounters"' in listing) is can_upload
    assert ('value="confirm"' in review) is can_review
    finding_id = re.search(r'id="finding-(\d+)"', review).group(1)  # type: ignore[union-attr]
    response = client.post(
        f"/findings/{finding_id}/review",
        data={"csrf_token": token, "decision": "confirm"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == (200 if can_review else 403)
    if not can_review:  # the refusal goes to the page's status region, not into the finding's row
        assert response.headers["HX-Retarget"] == "#flash" and "E111" in response.text


def test_web_pages_officer_sees_only_their_own_encounters(client: TestClient, sign_in: SignIn) -> None:
    token = sign_in("sam")
    mine = _upload(client, token)
    other = client.post(
        "/encounters",
        data={"csrf_token": token, "officer": "oscar"},
        files={"file": (EXAMPLE.name, example_with(id="oscars-stop"))},
        follow_redirects=False,
    )
    theirs = int(other.headers["location"].rsplit("/", 1)[1])
    sign_in("olly")
    listing = client.get("/").text
    assert f'href="/encounters/{mine}"' in listing and f'href="/encounters/{theirs}"' not in listing
    hidden = client.get(f"/encounters/{theirs}")
    assert hidden.status_code == 404 and "E112" in hidden.text


def test_web_pages_transcript_text_is_escaped(client: TestClient, sign_in: SignIn) -> None:
    encounter = json.loads(EXAMPLE.read_text("utf-8"))
    encounter["title"] = "<script>alert('title')</script>"
    encounter["utterances"][0]["text"] = "hands up <img src=x onerror=alert(1)> now"
    token = sign_in()
    page = client.get(f"/encounters/{_upload(client, token, name='x.json', data=json.dumps(encounter).encode())}")
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text


def test_web_pages_bad_upload_is_a_page_naming_the_file(client: TestClient, sign_in: SignIn) -> None:
    token = sign_in()
    response = client.post(
        "/encounters", data={"csrf_token": token}, files={"file": ("broken.json", b'{"utterances": [')}
    )
    assert response.status_code == 422
    assert "text/html" in response.headers["content-type"]
    assert "E010" in response.text and "broken.json" in response.text


def test_web_pages_upload_without_a_file_says_so(client: TestClient, sign_in: SignIn) -> None:
    response = client.post("/encounters", data={"csrf_token": sign_in()})
    assert response.status_code == 422 and "E118" in response.text


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ({}, True),
        ({"verdict": "mixed"}, True),
        ({"verdict": "concerns"}, False),
        ({"officer": "oscar"}, False),
        ({"date_from": "", "date_to": "", "verdict": ""}, True),  # an empty filter form means "any"
    ],
)
def test_web_pages_list_filters(client: TestClient, sign_in: SignIn, query: dict[str, str], shown: bool) -> None:
    encounter_id = _upload(client, sign_in())
    response = client.get("/", params=query)
    assert response.status_code == 200
    assert (f'href="/encounters/{encounter_id}"' in response.text) is shown


@pytest.mark.parametrize("query", [{"date_from": "yesterday"}, {"verdict": "great"}])
def test_web_pages_bad_filter_is_a_page_not_a_crash(client: TestClient, sign_in: SignIn, query: dict[str, str]) -> None:
    sign_in()
    response = client.get("/", params=query)
    assert response.status_code == 422 and "E114" in response.text


def test_web_pages_send_security_headers_and_serve_htmx_locally(client: TestClient) -> None:
    page = client.get("/login")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert '<script src="/static/htmx.min.js"' in page.text
    script = client.get("/static/htmx.min.js")
    assert script.status_code == 200 and script.text.startswith("var htmx=")


def test_web_pages_highlight_cuts_overlapping_spans_into_runs() -> None:
    text = "put the bag down now please"
    outer = {"id": 1, "span": [0, 20], "quote": "put the bag down now"}
    inner = {"id": 2, "span": [4, 11], "quote": "the bag"}
    stale = {"id": 3, "span": [0, 3], "quote": "please"}  # offsets no longer point at the quote: found by its words
    pieces = [(p.text, p.finding["id"] if p.finding else None) for p in highlight(text, [outer, inner, stale])]
    assert pieces == [
        ("put ", 1),
        ("the bag", 2),
        (" down now", 1),
        (" ", None),
        ("please", 3),
    ]
    assert "".join(t for t, _ in pieces) == text
