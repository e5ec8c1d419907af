"""Request dependencies: the database session, the signed-in user, and the one role table every route goes through."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request, Response, UploadFile
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from deescalate.audio.formats import is_media
from deescalate.errors import Code, InputError, PermissionDenied
from deescalate.settings import PREFIX
from deescalate.store.models import UserRole
from deescalate.web import auth
from deescalate.web.services import Actor

SESSION_COOKIE = "deescalate_session"
CSRF_FIELD = "csrf_token"  # the hidden field of every page form
CSRF_HEADER = "X-CSRF-Token"  # what htmx sends (hx-headers on <body>)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_ALL = frozenset(UserRole)
# Encounters: each of these sees only what services._visible lets them (an officer their own, a supervisor their
# unit's, admins and auditors all). Trainers work on training data, not on real encounters.
_READERS = frozenset({UserRole.admin, UserRole.supervisor, UserRole.officer, UserRole.auditor})
_REVIEWERS = frozenset({UserRole.admin, UserRole.supervisor})
_ADMIN = frozenset({UserRole.admin})

# The role table: each permission a route asks for, and the roles that hold it. Nothing else grants access.
PERMISSIONS: dict[str, frozenset[UserRole]] = {
    "encounters:read": _READERS,
    "encounters:export": _READERS,  # the record as a file (optionally redacted) and the original as uploaded
    "encounters:upload": _REVIEWERS,
    "encounters:assign": _ADMIN,  # name the officer an encounter belongs to
    "findings:review": _REVIEWERS,  # auditors read everything and change nothing
    "users:manage": _ADMIN,
    "session:sign-out": _ALL,  # also: revoke one's own tokens
    "jobs:read": _READERS,  # a recording's progress: whoever may see its encounter (web.recordings.get_job)
    "dashboard:read": _READERS,  # figures from the encounters the reader may see (dashboard._rows)
    "findings:export": frozenset({UserRole.admin, UserRole.trainer}),  # reviewed findings as training data
    "audit:read": frozenset({UserRole.auditor}),  # those audited do not read their own trail
    # Briefings: everyone who may answer a call may brief it (an officer en route is who a briefing is for;
    # trainers brief practice calls). Briefing stores the call in the records store, so the auditor, who changes
    # nothing, only reads. Judging a briefing's cautions, answers, triage and resources is reviewers' work.
    "briefings:create": _ALL - {UserRole.auditor},
    "briefings:read": _ALL,  # calls are agency records, not about an officer: every reader sees every briefing
    # trainers too: a briefing is about a call, not an officer's conduct (they brief practice calls)
    "briefings:review": _REVIEWERS | {UserRole.trainer},
    # Practice: officers and trainers train (so do supervisors and admins, who are officers too); only the trainee
    # who started a session plays it (web.training.play_turn). Officers see only their own sessions.
    "training:play": _ALL - {UserRole.auditor},
    "training:read": _ALL,
}
# Every token may end itself, whatever scopes it was given.
ALWAYS_IN_SCOPE = frozenset({"session:sign-out"})

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


def set_session_cookie(request: Request, response: Response, payload: dict[str, Any]) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        request.app.state.session_signer.sign(payload),
        max_age=request.app.state.settings.session_hours * 3600,  # the browser keeps it; the signer ends it idle
        httponly=True,  # no script, ours or injected, ever reads it
        samesite="lax",
        secure=request.url.scheme == "https",  # uvicorn's proxy headers make this right behind a TLS proxy
        path="/",
    )


# What a page polls on its own (a recording's progress) is not a person's activity: it does not keep a session alive.
POLLING_SUFFIXES = ("/progress",)


def keep_session_alive(request: Request, response: Response) -> None:
    """Sign a signed-in page session again with each request a person makes, so it lapses only when idle."""
    if request.url.path.endswith(POLLING_SUFFIXES) or response.status_code in (401, 403):
        return
    if any(k == b"set-cookie" and v.startswith(SESSION_COOKIE.encode() + b"=") for k, v in response.raw_headers):
        return  # this response signs in or out: its own cookie stands
    session = read_session(request)
    if session and session.get("u"):
        set_session_cookie(request, response, session)


def current_actor(request: Request, db: DbSession, token: Annotated[str | None, Depends(_bearer)]) -> Actor:
    """The user from a bearer token (API) or, failing that, the session cookie (pages)."""
    if token:
        actor = auth.token_actor(db, token=token, signer=request.app.state.token_signer)
    else:
        actor = auth.session_actor(db, payload=read_session(request), settings=request.app.state.settings)
    request.state.actor = actor  # who the audit trail names (web.audit)
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require(permission: str) -> Callable[[Actor], Actor]:
    """A dependency that lets the request through only for roles the table grants PERMISSION (and, for an API
    token, only within its scopes)."""
    allowed = PERMISSIONS[permission]  # a typo in a route fails at import, not at request time

    def check(actor: CurrentActor) -> Actor:
        if actor.role not in allowed:
            raise PermissionDenied(Code.E111, f"role {actor.role.value!r} may not do {permission!r}")
        if actor.scopes is not None and permission not in actor.scopes | ALWAYS_IN_SCOPE:
            raise PermissionDenied(Code.E138, f"this token's scope does not include {permission!r}")
        return actor

    check.permission = permission  # type: ignore[attr-defined]  # lets tests prove every route asks the table
    return check


def may(actor: Actor, permission: str) -> bool:
    """What the pages ask to show a control only to those the table lets use it."""
    in_scope = actor.scopes is None or permission in actor.scopes
    return actor.role in PERMISSIONS[permission] and in_scope


def upload_limit(request: Request, name: str) -> tuple[int, str]:
    """The size limit for an upload of this name (a recording's or a transcript's) and the setting that sets it."""
    settings = request.app.state.settings
    if is_media(Path(name)):
        return settings.max_recording_bytes, f"{PREFIX}MAX_RECORDING_BYTES"
    return settings.max_transcript_bytes, f"{PREFIX}MAX_TRANSCRIPT_BYTES"


async def read_upload(request: Request, file: UploadFile) -> tuple[str, bytes]:
    """The uploaded file's name and bytes, refused past its kind's size limit without reading all of it."""
    name = file.filename or "upload"
    limit, setting = upload_limit(request, name)
    data = await file.read(limit + 1)
    if len(data) > limit:
        kind = "recording" if is_media(Path(name)) else "transcript"
        raise InputError(Code.E003, f"the {kind} is larger than the {limit:,}-byte limit ({setting})", file=name)
    return name, data


def optional_date(value: str | None, where: str, code: Code = Code.E114) -> date | None:
    """A date from a filter form's box; an empty box means any date."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(code, f"{where} {value!r} is not a date (YYYY-MM-DD)", where=where) from None
