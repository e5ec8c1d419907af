"""Request dependencies: the database session, the signed-in user, and the one role table every route goes through."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Request, UploadFile
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from deescalate.errors import AuthError, Code, InputError, PermissionDenied
from deescalate.store.models import UserRole
from deescalate.web.services import Actor, actor_of, find_user

SESSION_COOKIE = "deescalate_session"
CSRF_FIELD = "csrf_token"  # the hidden field of every page form
CSRF_HEADER = "X-CSRF-Token"  # what htmx sends (hx-headers on <body>)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_ALL = frozenset(UserRole)
_REVIEWERS = frozenset({UserRole.admin, UserRole.supervisor, UserRole.trainer})

# The role table: each permission a route asks for, and the roles that hold it. Nothing else grants access.
PERMISSIONS: dict[str, frozenset[UserRole]] = {
    "encounters:read": _ALL,  # officers see only their own (services._visible)
    "encounters:upload": _REVIEWERS,
    "findings:review": _REVIEWERS,
    "users:manage": frozenset({UserRole.admin}),
    "session:sign-out": _ALL,
    "jobs:read": _ALL,  # a recording's progress: whoever may see its encounter (web.recordings.get_job)
    "dashboard:read": _ALL,  # officers see only their own figures (dashboard._rows)
    "findings:export": frozenset({UserRole.admin, UserRole.trainer}),
    # Briefings: everyone who may answer a call may brief it (an officer en route is who a briefing is for;
    # trainers brief practice calls). Briefing stores the call in the records store, so the auditor, who changes
    # nothing, only reads. Judging a briefing's cautions, answers, triage and resources is reviewers' work.
    "briefings:create": _ALL - {UserRole.auditor},
    "briefings:read": _ALL,  # calls are agency records, not about an officer: every reader sees every briefing
    "briefings:review": _REVIEWERS,
    # Practice: officers and trainers train (so do supervisors and admins, who are officers too); only the trainee
    # who started a session plays it (web.training.play_turn). Officers see only their own sessions.
    "training:play": _ALL - {UserRole.auditor},
    "training:read": _ALL,
}

# auto_error=False: a missing header falls through to the session cookie, then to one 401 in our shape
_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_db(request: Request) -> Iterator[Session]:
    """A session per request; the services commit their own units of work, anything left open is rolled back."""
    session = request.app.state.sessions()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


DbSession = Annotated[Session, Depends(get_db)]


def read_session(request: Request) -> dict[str, Any] | None:
    """The page session from its signed cookie: ``{"s": nonce}`` before sign-in, ``{"s", "u": username}`` after."""
    cookie = request.cookies.get(SESSION_COOKIE)
    payload: dict[str, Any] | None = request.app.state.session_signer.read(cookie) if cookie else None
    return payload if payload and isinstance(payload.get("s"), str) else None


def csrf_token_for(request: Request, session: dict[str, Any]) -> str:
    token: str = request.app.state.csrf_signer.sign({"s": session["s"]})
    return token


async def check_csrf(request: Request) -> None:
    """Every state-changing request a browser could be tricked into sending carries this session's CSRF token.

    Bearer tokens are never attached by a browser on its own, so API calls with one need no CSRF token; nor does
    an API call with no session cookie (nothing to ride on: the route answers 401). A page form always needs it,
    the sign-in form too (a forged sign-in would put the victim into the attacker's account).
    """
    if request.method in SAFE_METHODS or request.headers.get("Authorization"):
        return
    session = read_session(request)
    if session is None and request.url.path.startswith("/api/"):
        return
    token = request.headers.get(CSRF_HEADER)
    if token is None and request.headers.get("Content-Type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)  # cached: the route's own Form fields read the same parse
        token = value if isinstance(value, str) else None
    payload = request.app.state.csrf_signer.read(token) if token else None
    if session is None or payload is None or payload.get("s") != session["s"]:
        raise PermissionDenied(
            Code.E116, "this form has expired or did not come from this site; reload the page and try again"
        )


def current_actor(request: Request, db: DbSession, token: Annotated[str | None, Depends(_bearer)]) -> Actor:
    """The user from a bearer token (API) or, failing that, the session cookie (pages)."""
    payload = request.app.state.token_signer.read(token) if token else read_session(request)
    if payload is None or not payload.get("u"):
        raise AuthError(Code.E110, "sign in first: send 'Authorization: Bearer TOKEN' from POST /api/v1/auth/token")
    user = find_user(db, username=str(payload.get("u", "")))
    if user is None:  # the account was removed after the token was issued
        raise AuthError(Code.E110, "the account for this token no longer exists")
    return actor_of(user)


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require(permission: str) -> Callable[[Actor], Actor]:
    """A dependency that lets the request through only for roles the table grants PERMISSION."""
    allowed = PERMISSIONS[permission]  # a typo in a route fails at import, not at request time

    def check(actor: CurrentActor) -> Actor:
        if actor.role not in allowed:
            raise PermissionDenied(Code.E111, f"role {actor.role.value!r} may not do {permission!r}")
        return actor

    check.permission = permission  # type: ignore[attr-defined]  # lets tests prove every route asks the table
    return check


def may(actor: Actor, permission: str) -> bool:
    """What the pages ask to show a control only to those the table lets use it."""
    return actor.role in PERMISSIONS[permission]


async def read_upload(request: Request, file: UploadFile) -> tuple[str, bytes]:
    """The uploaded file's name and bytes, refused past the configured size without reading all of it."""
    limit = request.app.state.settings.max_input_bytes
    data = await file.read(limit + 1)
    name = file.filename or "upload"
    if len(data) > limit:
        raise InputError(Code.E003, f"file is larger than {limit:,} bytes", file=name)
    return name, data
