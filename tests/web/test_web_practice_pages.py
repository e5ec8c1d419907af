"""The briefing and practice pages over HTTP (no browser): the role table on every route, forms with CSRF, htmx
fragments and their no-script fallbacks, escaping, errors as pages, controls only for those who may use them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from deescalate.web.routes import briefings as briefing_routes
from deescalate.web.routes import training as training_routes
from tests.web.conftest import PASSWORD, Shared

SignIn = Callable[[str], str]
CALL = {
    "number": "26-8080",
    "received_at": "2026-03-01T12:00:00Z",
    "type_text": "Disturbance",
    "address": "12 Birch Rd",
    "narrative": "He is shouting <script>alert('x')</script> and waving a bat",
}


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


@pytest.fixture
def browser(shared: Shared) -> Iterator[TestClient]:
    """A client of its own (its own cookies) on the module's one application."""
    with TestClient(shared.app, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def sign_in(browser: TestClient) -> SignIn:
    def run(username: str) -> str:
        token = _csrf(browser.get("/login").text)
        form = {"username": username, "password": PASSWORD, "csrf_token": token}
        assert browser.post("/login", data=form, follow_redirects=False).status_code == 303
        return _csrf(browser.get("/briefings").text)

    return run


def _brief(browser: TestClient, token: str, **form: str) -> int:
    response = browser.post(
        "/briefings", data={"csrf_token": token, **form}, files={"file": ("", b"")}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def _start(browser: TestClient, token: str, seed: str = "7") -> int:
    form = {"csrf_token": token, "scenario": "deaf-driver", "seed": seed}
    response = browser.post("/training/sessions", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def test_web_practice_pages_every_route_asks_the_role_table() -> None:
    for router in (briefing_routes.router, training_routes.router):
        for route in router.routes:
            assert isinstance(route, APIRoute)
            asked = {getattr(d.call, "permission", None) for d in route.dependant.dependencies} - {None}
            assert len(asked) == 1, f"{route.path} asks the role table {len(asked)} times"


@pytest.mark.parametrize("path", ["/briefings", "/briefings/1", "/training", "/training/sessions/1"])
def test_web_practice_pages_signed_out_go_to_the_sign_in_page(browser: TestClient, path: str) -> None:
    response = browser.get(path, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/login?next={path}"


def test_web_practice_pages_pasted_call_is_briefed_and_escaped(browser: TestClient, sign_in: SignIn) -> None:
    token = sign_in("olly")
    page = browser.get("/briefings").text
    assert '<a href="/briefings" aria-current="page">Briefings</a>' in page and 'href="/training"' in page
    briefing_id = _brief(browser, token, call=json.dumps(CALL))
    html = browser.get(f"/briefings/{briefing_id}").text
    assert "26-8080: Disturbance at 12 Birch Rd" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(" in html  # the caller's words, never markup
    # an officer may brief but not review: the points are there, their forms are not
    assert html.count('class="point ') >= 3 and "review-form" not in html
    assert browser.get("/briefings").text.count(f'href="/briefings/{briefing_id}"') == 1


@pytest.mark.parametrize(
    ("form", "file", "code"),
    [
        ({"call": ""}, None, "E127"),
        ({"call": "   "}, None, "E127"),
        ({"call": json.dumps(CALL)}, ("call.json", json.dumps(CALL).encode()), "E127"),  # both: which one?
        ({"call": "[mm:ss] caller: help"}, None, "E010"),
        ({"call": ""}, ("call.json", b"{}"), "E081"),
    ],
)
def test_web_practice_pages_a_bad_call_is_a_page_naming_the_problem(
    shared: Shared,
    browser: TestClient,
    sign_in: SignIn,
    form: dict[str, str],
    file: tuple[str, bytes] | None,
    code: str,
) -> None:
    token = sign_in("sam")
    before = shared.client.get("/api/v1/briefings", headers=shared.headers["sam"]).json()["count"]
    files = {"file": file or ("", b"")}
    response = browser.post("/briefings", data={"csrf_token": token, **form}, files=files, follow_redirects=False)
    assert response.status_code == 422 and code in response.text
    assert "Traceback" not in response.text
    assert shared.client.get("/api/v1/briefings", headers=shared.headers["sam"]).json()["count"] == before


def test_web_practice_pages_forms_need_this_sessions_csrf_token(browser: TestClient, sign_in: SignIn) -> None:
    sign_in("sam")
    refused = browser.post("/briefings", data={"call": json.dumps(CALL)}, files={"file": ("", b"")})
    assert refused.status_code == 403 and "E116" in refused.text
    refused = browser.post("/training/sessions", data={"scenario": "deaf-driver", "csrf_token": "forged"})
    assert refused.status_code == 403 and "E116" in refused.text


def test_web_practice_pages_point_review_with_htmx_and_without(browser: TestClient, sign_in: SignIn) -> None:
    token = sign_in("tia")
    briefing_id = _brief(browser, token, call=json.dumps(CALL))
    html = browser.get(f"/briefings/{briefing_id}").text
    first, second = (int(x) for x in re.findall(r'data-point="(\d+)"', html)[:2])
    swapped = browser.post(
        f"/briefings/{briefing_id}/points/{first}/review",
        data={"csrf_token": token, "decision": "confirm", "comment": "right call"},
        headers={"HX-Request": "true"},
    )
    assert swapped.status_code == 200
    assert f'id="point-{first}"' in swapped.text and 'data-status="confirmed"' in swapped.text
    assert 'id="points-progress" hx-swap-oob="true">1 confirmed' in swapped.text  # the panel's counts, out of band
    plain = browser.post(
        f"/briefings/{briefing_id}/points/{second}/review",
        data={"csrf_token": token, "decision": "dispute"},
        follow_redirects=False,
    )
    assert plain.status_code == 303 and plain.headers["location"] == f"/briefings/{briefing_id}#point-{second}"
    assert "1 confirmed · 1 disputed" in browser.get(f"/briefings/{briefing_id}").text


@pytest.mark.parametrize(("username", "forms"), [("aud", False), ("olly", True)])
def test_web_practice_pages_controls_only_for_roles_the_table_lets_use_them(
    browser: TestClient, sign_in: SignIn, username: str, forms: bool
) -> None:
    sign_in(username)
    assert ('action="/briefings"' in browser.get("/briefings").text) is forms
    assert ('action="/training/sessions"' in browser.get("/training").text) is forms


def test_web_practice_pages_play_turns_with_htmx_then_end_and_see_the_debrief(
    browser: TestClient, sign_in: SignIn
) -> None:
    token = sign_in("olly")
    session_id = _start(browser, token)
    page = browser.get(f"/training/sessions/{session_id}").text
    assert "Marcus Webb" not in page.split('id="transcript"')[1].split("</ol>")[0]  # nothing played yet
    assert 'name="call_name"' in page and '<option value="interpreter">' in page
    url = f"/training/sessions/{session_id}/turns"
    htmx = {"HX-Request": "true"}
    said = browser.post(url, data={"csrf_token": token, "text": "Sir, can you hear me?", "do": "say"}, headers=htmx)
    assert said.status_code == 200, said.text
    assert 'id="turn-1"' in said.text and "Sir, can you hear me?" in said.text
    assert 'id="scene" aria-labelledby="scene-heading" hx-swap-oob="true"' in said.text
    note = browser.post(url, data={"csrf_token": token, "text": "Are you hurt?", "do": "note"}, headers=htmx)
    assert 'id="turn-2"' in note.text and "[writing] Are you hurt?" in note.text
    call = browser.post(url, data={"csrf_token": token, "do": "call", "call_name": "interpreter"}, headers=htmx)
    assert 'id="turn-3"' in call.text and "/call interpreter" in call.text
    typed = browser.post(url, data={"csrf_token": token, "text": "/wait", "do": "say"}, follow_redirects=False)
    assert typed.status_code == 303 and typed.headers["location"] == f"/training/sessions/{session_id}"  # no script

    ended = browser.post(f"/training/sessions/{session_id}/end", data={"csrf_token": token}, follow_redirects=False)
    assert ended.status_code == 303
    page = browser.get(f"/training/sessions/{session_id}").text
    assert 'id="debrief"' in page and 'id="turn-form"' not in page
    for item in ("C1", "C2", "C3", "C4", "C5", "C6", "C7"):
        assert f'id="check-{item}"' in page
    assert '<svg class="plot"' in page and "Stopped before any ending" in page


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"do": "dance", "text": "hi"}, "E114"),
        ({"do": "call", "call_name": "crisis team"}, "E101"),
        ({"do": "say", "text": "/dance"}, "E093"),
        ({"do": "say", "speaker": "C", "text": "hi"}, "E114"),
    ],
)
def test_web_practice_pages_a_bad_turn_is_shown_in_the_status_region(
    browser: TestClient, sign_in: SignIn, form: dict[str, str], code: str
) -> None:
    token = sign_in("olly")
    session_id = _start(browser, token)
    response = browser.post(
        f"/training/sessions/{session_id}/turns", data={"csrf_token": token, **form}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422 and code in response.text
    assert response.headers["HX-Retarget"] == "#flash"  # into the status region, not the transcript
    assert 'id="turn-1"' not in browser.get(f"/training/sessions/{session_id}").text


def test_web_practice_pages_another_officers_session_is_not_found(browser: TestClient, sign_in: SignIn) -> None:
    session_id = _start(browser, sign_in("olly"))
    sign_in("oscar")
    response = browser.get(f"/training/sessions/{session_id}")
    assert response.status_code == 404 and "E112" in response.text
    sign_in("tia")  # a trainer reads it, and is told it is not theirs to play
    page = browser.get(f"/training/sessions/{session_id}").text
    assert 'id="turn-form"' not in page and "only they can play it" in page


@pytest.mark.parametrize(("seed", "status"), [("abc", 422), ("-3", 422), ("", 303), ("12", 303)])
def test_web_practice_pages_start_checks_the_seed(browser: TestClient, sign_in: SignIn, seed: str, status: int) -> None:
    token = sign_in("olly")
    form = {"csrf_token": token, "scenario": "deaf-driver", "seed": seed}
    response = browser.post("/training/sessions", data=form, follow_redirects=False)
    assert response.status_code == status
    if status == 303:
        page = browser.get(response.headers["location"]).text
        assert "The driver who does not answer" in page and (not seed or f"<dd>{seed}</dd>" in page)
