"""Staying signed in, safely: sign-in throttling and lockout, idle and absolute session ends, API tokens with scopes,
expiry and revocation."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner

from deescalate.settings import Settings
from deescalate.web import auth as auth_module
from deescalate.web.deps import SESSION_COOKIE
from tests.web.conftest import PASSWORD, sqlite_unless_asked, token_for, upload

Auth = Callable[[str], dict[str, str]]


db_url = pytest.fixture(params=["sqlite"], name="db_url")(sqlite_unless_asked)


def _token_request(client: TestClient, username: str, password: str, **form: Any) -> Any:
    return client.post("/api/v1/auth/token", data={"username": username, "password": password, **form})


def _fail(client: TestClient, username: str, times: int) -> None:
    for _ in range(times):
        assert _token_request(client, username, "wrong password!").status_code == 401


def _code(response: Any) -> str:
    code: str = response.json()["error"]["code"]
    return code


def _later(monkeypatch: pytest.MonkeyPatch, **delta: float) -> None:
    """The server's clock moved on (the throttle and the tokens read web.auth._now)."""
    moved = datetime.now(UTC) + timedelta(**delta)
    monkeypatch.setattr(auth_module, "_now", lambda: moved)


# --- sign-in throttling -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
@pytest.mark.parametrize("username", ["sam", "nobody-has-this-name"])
def test_auth_failed_sign_ins_lock_the_account(client: TestClient, settings: Settings, username: str) -> None:
    _fail(client, username, settings.login_max_failures)
    locked = _token_request(client, username, PASSWORD)  # even the right password, while locked
    assert locked.status_code == 429 and _code(locked) == "E136"
    # the same answer for a name nobody has: the lock tells nothing about which accounts exist
    assert "locked" in locked.json()["error"]["message"]
    assert _token_request(client, "olly", PASSWORD).status_code == 200  # other accounts are not touched


def test_auth_one_failure_short_of_the_limit_is_not_locked(client: TestClient, settings: Settings) -> None:
    _fail(client, "sam", settings.login_max_failures - 1)
    assert _token_request(client, "sam", PASSWORD).status_code == 200


def test_auth_a_sign_in_that_works_starts_the_count_again(client: TestClient, settings: Settings) -> None:
    _fail(client, "sam", settings.login_max_failures - 1)
    assert _token_request(client, "sam", PASSWORD).status_code == 200
    _fail(client, "sam", settings.login_max_failures - 1)
    assert _token_request(client, "sam", PASSWORD).status_code == 200


def test_auth_lock_ends_with_its_window(
    client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fail(client, "sam", settings.login_max_failures)
    _later(monkeypatch, minutes=settings.login_window_minutes - 1)
    assert _token_request(client, "sam", PASSWORD).status_code == 429
    _later(monkeypatch, minutes=settings.login_window_minutes, seconds=1)
    assert _token_request(client, "sam", PASSWORD).status_code == 200


def test_auth_admin_unlock_ends_the_lock_and_a_refused_unlock_does_not(
    client: TestClient, auth: Auth, settings: Settings
) -> None:
    admin, officer = auth("ada"), auth("olly")
    _fail(client, "sam", settings.login_max_failures)
    refused = client.post("/api/v1/users/sam/unlock", headers=officer)
    assert refused.status_code == 403
    assert _token_request(client, "sam", PASSWORD).status_code == 429  # the refused request unlocked nothing
    assert client.post("/api/v1/users/sam/unlock", headers=admin).status_code == 200
    assert _token_request(client, "sam", PASSWORD).status_code == 200


def test_auth_failures_from_one_address_across_accounts_refuse_the_address(
    client: TestClient, settings: Settings
) -> None:
    per_name = settings.login_max_failures - 1  # no account reaches its own limit
    names = [f"guess{i}" for i in range(-(-settings.login_max_failures_per_address // per_name))]
    for n, name in enumerate(names):
        _fail(client, name, min(per_name, settings.login_max_failures_per_address - n * per_name))
    refused = _token_request(client, "ada", PASSWORD)
    assert refused.status_code == 429 and _code(refused) == "E135"


def test_auth_sign_in_page_says_the_account_is_locked(client: TestClient, settings: Settings) -> None:
    _fail(client, "sam", settings.login_max_failures)
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token
    response = client.post("/login", data={"username": "sam", "password": PASSWORD, "csrf_token": token.group(1)})
    assert response.status_code == 429 and "locked" in response.text
    assert client.get("/", follow_redirects=False).status_code == 303  # not signed in


# --- page sessions ----------------------------------------------------------------------------------------------


def _session_cookie(app: FastAPI, monkeypatch: pytest.MonkeyPatch, payload: dict[str, Any], idle_s: float) -> str:
    """A session cookie last signed IDLE_S seconds ago (what the browser holds after that long without a request)."""
    with monkeypatch.context() as m:
        m.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time() - idle_s))
        cookie: str = app.state.session_signer.sign(payload)
    return cookie


def _payload(username: str, *, signed_in_ago_s: float = 0) -> dict[str, Any]:
    return {"s": "session-id", "u": username, "a": time.time() - signed_in_ago_s}


@pytest.mark.parametrize(
    ("idle_minutes", "signed_in_hours", "allowed"),
    [
        (29, 1, True),
        (31, 1, False),  # idle past the timeout
        (1, 7.9, True),
        (1, 8.1, False),  # active, but past the session's whole lifetime
    ],
)
def test_auth_page_session_ends_when_idle_or_old(
    app: FastAPI,
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    idle_minutes: float,
    signed_in_hours: float,
    allowed: bool,
) -> None:
    payload = _payload("sam", signed_in_ago_s=signed_in_hours * 3600)
    client.cookies.set(SESSION_COOKIE, _session_cookie(app, monkeypatch, payload, idle_minutes * 60))
    response = client.get("/", follow_redirects=False)
    assert (response.status_code == 200) is allowed
    if not allowed:
        assert response.headers["location"] == "/login"


def test_auth_each_request_keeps_the_session_alive_but_polling_does_not(
    app: FastAPI, client: TestClient, monkeypatch: pytest.MonkeyPatch, auth: Auth
) -> None:
    encounter = upload(client, auth("sam"))
    client.cookies.set(SESSION_COOKIE, _session_cookie(app, monkeypatch, _payload("sam"), 20 * 60))
    polled = client.get(f"/encounters/{encounter['id']}/progress")
    assert polled.status_code == 200 and SESSION_COOKIE not in polled.headers.get("set-cookie", "")
    page = client.get("/")
    renewed = page.headers.get("set-cookie", "")
    assert page.status_code == 200 and renewed.startswith(f"{SESSION_COOKIE}=")
    # the renewed cookie is fresh: 20 more minutes later it still works
    fresh = renewed.split(";", 1)[0].split("=", 1)[1]
    with monkeypatch.context() as m:
        m.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time() + 20 * 60))
        assert app.state.session_signer.read(fresh) is not None


# --- API tokens -------------------------------------------------------------------------------------------------


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_auth_token_scope_limits_what_it_may_do(client: TestClient) -> None:
    issued = _token_request(client, "sam", PASSWORD, scope="encounters:read")
    assert issued.status_code == 200 and issued.json()["scope"] == "encounters:read"
    headers = _bearer(issued.json()["access_token"])
    assert client.get("/api/v1/encounters", headers=headers).status_code == 200
    refused = client.get("/api/v1/dashboard", headers=headers)  # sam's role may; this token may not
    assert refused.status_code == 403 and _code(refused) == "E138"
    assert client.post("/api/v1/auth/revoke", headers=headers).status_code == 200  # a token may always end itself


def test_auth_default_token_carries_everything_the_role_holds(client: TestClient) -> None:
    scopes = _token_request(client, "olly", PASSWORD).json()["scope"].split()
    assert "encounters:read" in scopes and "findings:review" not in scopes and "audit:read" not in scopes


@pytest.mark.parametrize(
    ("username", "scope", "status", "code"),
    [
        ("olly", "findings:review", 403, "E138"),  # a scope the role does not hold
        ("olly", "encounters:read findings:review", 403, "E138"),
        ("sam", "encounters:delete", 422, "E114"),  # not a permission at all
        ("sam", "encounters:read", 200, None),
    ],
)
def test_auth_token_scope_must_be_held_by_the_role(
    client: TestClient, username: str, scope: str, status: int, code: str | None
) -> None:
    response = _token_request(client, username, PASSWORD, scope=scope)
    assert response.status_code == status
    if code:
        assert _code(response) == code


@pytest.mark.parametrize(
    ("expires_in", "status"),
    [("59", 422), ("60", 200), (str(8 * 3600), 200), (str(8 * 3600 + 1), 422)],
)
def test_auth_token_lifetime_is_bounded(client: TestClient, expires_in: str, status: int) -> None:
    assert _token_request(client, "sam", PASSWORD, expires_in=expires_in).status_code == status


def test_auth_token_stops_at_its_expiry(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    headers = _bearer(_token_request(client, "sam", PASSWORD, expires_in="120").json()["access_token"])
    _later(monkeypatch, seconds=119)
    assert client.get("/api/v1/encounters", headers=headers).status_code == 200
    _later(monkeypatch, seconds=121)
    expired = client.get("/api/v1/encounters", headers=headers)
    assert expired.status_code == 401 and _code(expired) == "E137"


def test_auth_revoked_token_is_refused_at_once_and_others_stay(client: TestClient) -> None:
    first, second = _bearer(token_for(client, "sam")), _bearer(token_for(client, "sam"))
    assert client.post("/api/v1/auth/revoke", headers=first).json() == {"revoked": 1}
    refused = client.get("/api/v1/encounters", headers=first)
    assert refused.status_code == 401 and _code(refused) == "E137"
    assert client.get("/api/v1/encounters", headers=second).status_code == 200


def test_auth_revoke_all_ends_tokens_and_page_sessions(
    app: FastAPI, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens = [_bearer(token_for(client, "sam")) for _ in range(2)]
    client.cookies.set(SESSION_COOKIE, _session_cookie(app, monkeypatch, _payload("sam", signed_in_ago_s=5), 0))
    assert client.get("/", follow_redirects=False).status_code == 200
    assert client.post("/api/v1/auth/revoke", headers=tokens[0], params={"all": "true"}).json() == {"revoked": 2}
    assert all(client.get("/api/v1/encounters", headers=t).status_code == 401 for t in tokens)
    assert client.get("/", follow_redirects=False).status_code == 303  # the page session ended too


def test_auth_admin_revokes_another_users_tokens(client: TestClient, auth: Auth) -> None:
    olly = _bearer(token_for(client, "olly"))
    assert client.post("/api/v1/users/olly/revoke-tokens", headers=auth("ada")).json() == {"revoked": 1}
    assert client.get("/api/v1/encounters", headers=olly).status_code == 401
    accounts = client.get("/api/v1/users", headers=auth("ada")).json()["items"]
    assert next(a for a in accounts if a["username"] == "olly")["live_tokens"] == 0


@pytest.mark.parametrize(
    "token",
    ["", "not-a-token", "eyJ1Ijoic2FtIn0.forged.signature"],
)
def test_auth_malformed_tokens_are_401(client: TestClient, token: str) -> None:
    response = client.get("/api/v1/encounters", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and _code(response) in ("E110", "E137")


def test_auth_token_signed_without_a_stored_row_is_refused(app: FastAPI, client: TestClient) -> None:
    forged = app.state.token_signer.sign({"u": "sam", "j": "never-issued"})  # the old token shape, or a guess
    response = client.get("/api/v1/encounters", headers=_bearer(forged))
    assert response.status_code == 401 and _code(response) == "E137"
