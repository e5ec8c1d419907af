"""The JSON API under /api/v1."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from deescalate.web import services
from deescalate.web.deps import DbSession, read_upload, require
from deescalate.web.services import Actor

router = APIRouter(prefix="/api/v1")

Reader = Annotated[Actor, Depends(require("encounters:read"))]
Uploader = Annotated[Actor, Depends(require("encounters:upload"))]
Reviewer = Annotated[Actor, Depends(require("findings:review"))]


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"


class ReviewRequest(BaseModel):
    decision: Literal["confirm", "dispute"]
    comment: str = Field(default="", max_length=4000)


@router.post("/auth/token", response_model=Token, tags=["auth"])
def issue_token(request: Request, db: DbSession, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    user = services.authenticate(db, username=form.username, password=form.password)
    return Token(access_token=request.app.state.token_signer.sign({"u": user.username}))


@router.post("/encounters", status_code=201, tags=["encounters"])
async def upload_encounter(
    request: Request,
    db: DbSession,
    actor: Uploader,
    file: Annotated[
        UploadFile, File(description="A transcript: encounter/v1 JSON, WebVTT, SRT, Whisper JSON or text.")
    ],
    officer: Annotated[str | None, Form(description="The camera wearer's user name.")] = None,
) -> dict[str, Any]:
    name, data = await read_upload(request, file)
    stored = services.store_upload(
        db, actor=actor, filename=name, data=data, officer=officer or None, settings=request.app.state.settings
    )
    return services.get_encounter(db, actor=actor, encounter_id=stored.id)


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
def get_encounter(db: DbSession, actor: Reader, encounter_id: int) -> dict[str, Any]:
    return services.get_encounter(db, actor=actor, encounter_id=encounter_id)


@router.post("/findings/{finding_id}/review", tags=["findings"])
def review_finding(db: DbSession, actor: Reviewer, finding_id: int, body: ReviewRequest) -> dict[str, Any]:
    return services.review_finding(db, actor=actor, finding_id=finding_id, decision=body.decision, comment=body.comment)
