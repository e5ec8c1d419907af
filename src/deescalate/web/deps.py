"""Request dependencies: the database session, the signed-in user, and the one role table every route goes through."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from deescalate.errors import AuthError, Code, PermissionDenied
from deescalate.store.models import UserRole
from deescalate.web.services import Actor, actor_of, find_user

SESSION_COOKIE = "deescalate_session"

_ALL = frozenset(UserRole)
_REVIEWERS = frozenset({UserRole.admin, UserRole.supervisor, UserRole.trainer})

# The role table: each permission a route asks for, and the roles that hold it. Nothing else grants access.
PERMISSIONS: dict[str, frozenset[UserRole]] = {
    "encounters:read": _ALL,  # officers see only their own (services._visible)
    "encounters:upload": _REVIEWERS,
    "findings:review": _REVIEWERS,
    "users:manage": frozenset({UserRole.admin}),
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


def current_actor(request: Request, db: DbSession, token: Annotated[str | None, Depends(_bearer)]) -> Actor:
    """The user from a bearer token (API) or, failing that, the session cookie (pages)."""
    payload = None
    if token:
        payload = request.app.state.token_signer.read(token)
    elif cookie := request.cookies.get(SESSION_COOKIE):
        payload = request.app.state.session_signer.read(cookie)
    if payload is None:
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

    return check
