"""The JSON API under /api/v1."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from deescalate.web import auth, services
from deescalate.web.audit import note
from deescalate.web.deps import PERMISSIONS, DbSession, read_upload, require
from deescalate.web.services import Actor

router = APIRouter(prefix="/api/v1")

Reader = Annotated[Actor, Depends(require("encounters:read"))]
Uploader = Annotated[Actor, Depends(require("encounters:upload"))]
Reviewer = Annotated[Actor, Depends(require("findings:review"))]
Assigner = Annotated[Actor, Depends(require("encounters:assign"))]


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token stops working.")
    scope: str = Field(description="The permissions the token carries, space-separated.")


class Assignment(BaseModel):
    officer: str | None = Field(description="The officer's user name; null to clear.")


class ReviewRequest(BaseModel):
    decision: Literal["confirm", "dispute"]
    comment: str = Field(default="", max_length=4000)


@router.post("/auth/token", response_model=Token, tags=["auth"])
def issue_token(
    request: Request,
    db: DbSession,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    expires_in: Annotated[
        int | None, Form(description="Seconds the token lasts (default and most: the setting).")
    ] = None,
) -> Token:
    """A bearer token; ``scope`` (space-separated permission names, default all the role holds) limits what it may
    do. Failed sign-ins are counted: too many lock the account (429, E136) or the address (429, E135) for a while."""
    settings = request.app.state.settings
    remote = request.client.host if request.client else None
    user = auth.sign_in(
        db,
        username=form.username,
        password=form.password,
        remote=remote,
        settings=settings,
        audit_to=request.app.state.audit_bind,
    )
    issued = auth.issue_token(
        db,
        user=user,
        scopes=form.scopes,
        expires_in=expires_in,
        signer=request.app.state.token_signer,
        settings=settings,
        permissions=PERMISSIONS,
    )
    return Token(**issued)


@router.post("/encounters", status_code=201, tags=["encounters"])
async def upload_encounter(
    request: Request,
    response: Response,
    db: DbSession,
    actor: Uploader,
    file: Annotated[
        UploadFile,
        File(description="A transcript (encounter/v1 JSON, WebVTT, SRT, Whisper JSON or text) or a recording."),
    ],
    officer: Annotated[str | None, Form(description="The camera wearer's user name.")] = None,
) -> dict[str, Any]:
    """201 with the new encounter; 200 with the stored one when the same bytes were uploaded before."""
    name, data = await read_upload(request, file)
    stored, created = services.store_upload(
        db, actor=actor, filename=name, data=data, officer=officer or None, settings=request.app.state.settings
    )
    note(request, target=f"encounter:{stored.id}", sha256=stored.source_sha256, created=created)
    if not created:
        response.status_code = 200
    return services.get_encounter(db, actor=actor, encounter_id=stored.id, verify_original=True)


@router.get("/encounters", tags=["encounters"])
def list_encounters(
    db: DbSession,
    actor: Reader,
    officer: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    verdict: Literal["demonstrated", "concerns", "mixed", "not observed"] | None = None,
) -> dict[str, Any]:
    items = services.list_encounters(
        db, actor=actor, officer=officer, date_from=date_from, date_to=date_to, verdict=verdict
    )
    return {"items": items, "count": len(items)}


@router.get("/encounters/{encounter_id}", tags=["encounters"])
def get_encounter(request: Request, db: DbSession, actor: Reader, encounter_id: int) -> dict[str, Any]:
    """With ``original``: the uploaded file's SHA-256 and what hashing it again found (``state``)."""
    detail = services.get_encounter(db, actor=actor, encounter_id=encounter_id, verify_original=True)
    note(request, original=detail["original"]["state"])
    return detail


@router.put("/encounters/{encounter_id}/officer", tags=["encounters"])
def assign_officer(db: DbSession, actor: Assigner, encounter_id: int, body: Assignment) -> dict[str, Any]:
    """Name the officer an encounter belongs to (officers see the encounters named theirs)."""
    return services.assign_officer(db, actor=actor, encounter_id=encounter_id, officer=body.officer)


@router.post("/findings/{finding_id}/review", tags=["findings"])
def review_finding(db: DbSession, actor: Reviewer, finding_id: int, body: ReviewRequest) -> dict[str, Any]:
    return services.review_finding(db, actor=actor, finding_id=finding_id, decision=body.decision, comment=body.comment)
