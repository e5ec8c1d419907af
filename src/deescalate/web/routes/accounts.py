"""Accounts over the API: revoking tokens (one's own, or, for an admin, anyone's), listing and unlocking accounts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import OAuth2PasswordBearer

from deescalate.errors import Code, InputError
from deescalate.web import auth
from deescalate.web.audit import note
from deescalate.web.deps import DbSession, require
from deescalate.web.services import Actor

router = APIRouter(prefix="/api/v1", tags=["accounts"])

SignedIn = Annotated[Actor, Depends(require("session:sign-out"))]
Admin = Annotated[Actor, Depends(require("users:manage"))]
_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


@router.post("/auth/revoke")
def revoke_own(
    request: Request,
    db: DbSession,
    actor: SignedIn,
    token: Annotated[str | None, Depends(_bearer)],
    everything: Annotated[bool, Query(alias="all")] = False,
) -> dict[str, Any]:
    """Revoke the token this request carries; with ``all=true``, every token of the signed-in user and their page
    sessions too. A revoked token is refused at once (401, E137)."""
    if everything:
        revoked = auth.revoke_all(db, username=actor.username)
    elif token:
        revoked = auth.revoke_token(db, token=token, signer=request.app.state.token_signer)
    else:
        raise InputError(Code.E114, "this request carries no token to revoke; pass all=true", where="all")
    note(request, target=f"user:{actor.username}", revoked=revoked, all=everything)
    return {"revoked": revoked}


@router.get("/users")
def list_users(request: Request, db: DbSession, _actor: Admin) -> dict[str, Any]:
    """Every account: role, unit, live tokens, and whether failed sign-ins have locked it."""
    items = auth.accounts(db, settings=request.app.state.settings)
    return {"items": items, "count": len(items)}


@router.post("/users/{username}/revoke-tokens")
def revoke_user_tokens(db: DbSession, _actor: Admin, username: str) -> dict[str, Any]:
    """Revoke every token USERNAME holds and end their page sessions (``deescalate user revoke-tokens``)."""
    return {"revoked": auth.revoke_all(db, username=username)}


@router.post("/users/{username}/unlock")
def unlock_user(db: DbSession, _actor: Admin, username: str) -> dict[str, Any]:
    """Clear an account's failed sign-ins, so the lock ends now (``deescalate user unlock``). The request's own
    audit row (``user.unlock``, answered 200) is what the sign-in throttle counts from."""
    auth.existing_user(db, username=username)
    return {"unlocked": username}
