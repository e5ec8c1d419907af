"""Signing in and staying signed in: throttled sign-in, page sessions with an idle timeout, API tokens with scopes,
expiry and revocation.

- Sign-in attempts are audit rows (``login.success``, ``login.failed``, ``login.refused``), and the throttle counts
  them there, so it holds across server processes and restarts: an account with ``login_max_failures`` failures
  within ``login_window_minutes`` (since its last success or unlock) is locked for the rest of that window, and an
  address with ``login_max_failures_per_address`` failures within it is refused. Names nobody has are counted
  alike, so the answer never tells whether an account exists.
- A page session is a signed cookie that is signed again on each request, so it lapses after
  ``session_idle_minutes`` without one; it also carries its sign-in time, which ends it after ``session_hours``
  whatever the activity, and which ``revoke`` compares with the user's ``revoked_before``.
- An API token is a signed random id whose hash is kept in ``api_tokens`` with its scopes (permission names of
  web.deps.PERMISSIONS, at most the role's) and its expiry; revoking marks the row, so the token stops at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from deescalate.errors import AuthError, Code, InputError, PermissionDenied
from deescalate.settings import PREFIX, Settings
from deescalate.store import audit
from deescalate.store.audit import AuditEvent
from deescalate.store.models import ApiToken, User, UserRole
from deescalate.web.security import Signer
from deescalate.web.services import Actor, actor_of, authenticate, find_user

FAILED, SUCCESS, REFUSED, UNLOCK = "login.failed", "login.success", "login.refused", "user.unlock"
MIN_TOKEN_SECONDS = 60


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def _user_target(username: str) -> str:
    return f"user:{username}"


# --- sign-in ----------------------------------------------------------------------------------------------------


def _throttle(session: Session, *, username: str, remote: str | None, settings: Settings, now: datetime) -> None:
    window = timedelta(minutes=settings.login_window_minutes)
    since = now - window
    if remote is not None:
        tries = audit.count_since(session, action=FAILED, since=since, remote=remote)
        if tries >= settings.login_max_failures_per_address:
            raise AuthError(
                Code.E135,
                f"{tries} failed sign-ins from this address in {settings.login_window_minutes} minutes; "
                "wait and try again later",
                where="username",
            )
    target = _user_target(username)
    cleared = audit.last_at(session, actions=(SUCCESS, UNLOCK), target=target)
    counted_from = max(since, cleared) if cleared else since
    failures = audit.count_since(session, action=FAILED, since=counted_from, target=target)
    if failures >= settings.login_max_failures:
        raise AuthError(
            Code.E136,
            f"this account is locked after {failures} failed sign-ins; try again after "
            f"{settings.login_window_minutes} minutes, or ask an admin to unlock it (deescalate user unlock)",
            where="username",
        )


def sign_in(
    session: Session,
    *,
    username: str,
    password: str,
    remote: str | None,
    settings: Settings,
    audit_to: Engine | None = None,
) -> User:
    """The user, if the password is right and neither the account nor the address is throttled; every attempt is
    written to the audit trail with the name tried and where it came from (through AUDIT_TO, the application's
    audit engine, when given: the request's own pool may be held by other requests waiting to sign in)."""
    trail = audit_to or session
    now = _now()
    name = username.strip()[:80]
    event = AuditEvent(action=FAILED, actor=name, target=_user_target(name), remote=remote, status=401)
    try:
        _throttle(session, username=name, remote=remote, settings=settings, now=now)
    except AuthError as exc:
        audit.append(trail, replace(event, action=REFUSED, status=429, detail={"error": exc.code.name}))
        raise
    try:
        user = authenticate(session, username=name, password=password)
    except AuthError:
        audit.append(trail, event)
        raise
    audit.append(trail, replace(event, action=SUCCESS, role=user.role, status=200))
    return user


def existing_user(session: Session, *, username: str) -> User:
    user = find_user(session, username=username)
    if user is None:
        raise InputError(Code.E114, f"no user is named {username!r}", where="username")
    return user


def unlock(session: Session, *, username: str, by: str, remote: str | None) -> None:
    """Clear USERNAME's failed sign-ins: the throttle counts only failures after this row."""
    existing_user(session, username=username)
    audit.append(session, AuditEvent(action=UNLOCK, actor=by, target=_user_target(username), remote=remote))


def locked(session: Session, *, username: str, settings: Settings) -> bool:
    try:
        _throttle(session, username=username, remote=None, settings=settings, now=_now())
    except AuthError:
        return True
    return False


# --- page sessions ----------------------------------------------------------------------------------------------


def session_payload(user: User) -> dict[str, Any]:
    """A new session: a fresh id (what CSRF tokens are bound to), the user, and the sign-in time."""
    return {"s": secrets.token_urlsafe(16), "u": user.username, "a": _now().timestamp()}


def session_actor(session: Session, *, payload: dict[str, Any] | None, settings: Settings) -> Actor:
    """The user of a page session the signer let through (so active within the idle timeout)."""
    if payload is None or not payload.get("u"):
        raise AuthError(
            Code.E110,
            f"sign in first (a session ends after {settings.session_idle_minutes} minutes without activity); "
            "API clients send 'Authorization: Bearer TOKEN' from POST /api/v1/auth/token",
        )
    user = find_user(session, username=str(payload["u"]))
    signed_in = payload.get("a")
    if user is None or not isinstance(signed_in, (int, float)):
        raise AuthError(Code.E110, "this session is no longer valid; sign in again")
    if _now().timestamp() - signed_in > settings.session_hours * 3600:
        raise AuthError(Code.E110, f"sessions end {settings.session_hours} hours after sign-in; sign in again")
    if user.revoked_before is not None and signed_in < _aware(user.revoked_before).timestamp():
        raise AuthError(Code.E110, "this session was ended (its sign-ins were revoked); sign in again")
    return actor_of(user)


# --- API tokens -------------------------------------------------------------------------------------------------


def _hash(token_id: str) -> str:
    return hashlib.sha256(token_id.encode("ascii")).hexdigest()


def issue_token(
    session: Session,
    *,
    user: User,
    scopes: list[str],
    expires_in: int | None,
    signer: Signer,
    settings: Settings,
    permissions: dict[str, frozenset[UserRole]],
) -> dict[str, Any]:
    """A new token for USER with SCOPES (default: everything the role may do) for EXPIRES_IN seconds (default and
    most: ``token_hours``)."""
    role = UserRole(user.role)
    held = sorted(p for p, roles in permissions.items() if role in roles)
    unknown = [s for s in scopes if s not in permissions]
    if unknown:
        known = ", ".join(sorted(permissions))
        raise InputError(Code.E114, f"scope {unknown[0]!r} is not a permission (known: {known})", where="scope")
    beyond = [s for s in scopes if s not in held]
    if beyond:
        raise PermissionDenied(Code.E138, f"role {role.value!r} does not hold {beyond[0]!r}", where="scope")
    most = settings.token_hours * 3600
    lifetime = most if expires_in is None else expires_in
    if not MIN_TOKEN_SECONDS <= lifetime <= most:
        raise InputError(
            Code.E114,
            f"expires_in must be {MIN_TOKEN_SECONDS}-{most} seconds ({PREFIX}TOKEN_HOURS={settings.token_hours})",
            where="expires_in",
        )
    token_id, now = secrets.token_urlsafe(24), _now()
    granted = sorted(set(scopes)) if scopes else held
    session.add(
        ApiToken(
            user_id=user.id,
            token_hash=_hash(token_id),
            scopes=granted,
            created_at=now,
            expires_at=now + timedelta(seconds=lifetime),
        )
    )
    session.commit()
    return {
        "access_token": signer.sign({"u": user.username, "j": token_id}),
        "token_type": "bearer",
        "expires_in": lifetime,
        "scope": " ".join(granted),
    }


def _token_row(session: Session, *, token: str, signer: Signer) -> ApiToken:
    payload = signer.read(token)
    if payload is None or not isinstance(payload.get("j"), str):
        raise AuthError(Code.E110, "this token is not valid: get one from POST /api/v1/auth/token")
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(payload["j"])))
    if row is None or row.user.username != payload.get("u"):
        raise AuthError(Code.E137, "this token is not known (its account may have been removed)")
    return row


def token_actor(session: Session, *, token: str, signer: Signer) -> Actor:
    """The user a bearer token stands for, limited to its scopes; refused once expired or revoked."""
    row = _token_row(session, token=token, signer=signer)
    if row.revoked_at is not None:
        raise AuthError(Code.E137, "this token was revoked; get a new one from POST /api/v1/auth/token")
    if _aware(row.expires_at) <= _now():
        raise AuthError(Code.E137, "this token has expired; get a new one from POST /api/v1/auth/token")
    return replace(actor_of(row.user), scopes=frozenset(row.scopes))


def revoke_token(session: Session, *, token: str, signer: Signer) -> int:
    """Revoke the one token presented; returns 1 (or 0 if it was revoked already)."""
    row = _token_row(session, token=token, signer=signer)
    if row.revoked_at is not None:
        return 0
    row.revoked_at = _now()
    session.commit()
    return 1


def revoke_all(session: Session, *, username: str) -> int:
    """Revoke every token USERNAME holds and end their page sessions; returns how many tokens were still live."""
    user = existing_user(session, username=username)
    count, now = live_tokens(session, user=user), _now()
    unrevoked = (ApiToken.user_id == user.id) & ApiToken.revoked_at.is_(None)
    session.execute(update(ApiToken).where(unrevoked).values(revoked_at=now))
    user.revoked_before = now
    session.commit()
    return count


def live_tokens(session: Session, *, user: User) -> int:
    """How many of USER's tokens still work."""
    live = (ApiToken.user_id == user.id) & ApiToken.revoked_at.is_(None) & (ApiToken.expires_at > _now())
    return len(session.scalars(select(ApiToken.id).where(live)).all())


def accounts(session: Session, *, settings: Settings) -> list[dict[str, Any]]:
    """Every account as an admin sees it: role, unit, live tokens, locked or not."""
    return [
        {
            "username": user.username,
            "role": user.role,
            "unit": user.unit,
            "live_tokens": live_tokens(session, user=user),
            "locked": locked(session, username=user.username, settings=settings),
        }
        for user in session.scalars(select(User).order_by(User.username))
    ]
