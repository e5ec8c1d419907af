"""Briefings: the JSON API (/api/v1/briefings) and the pages (/briefings), on the same services."""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile as StarletteUpload

from deescalate.briefing.render import OUTCOME_WORDS
from deescalate.errors import Code, InputError
from deescalate.web import briefings
from deescalate.web.deps import DbSession, check_csrf, read_upload, require
from deescalate.web.presenters import STATUS_TEXT
from deescalate.web.routes.api import ReviewRequest
from deescalate.web.services import Actor
from deescalate.web.templating import page_context, templates

router = APIRouter(dependencies=[Depends(check_csrf)])

Briefer = Annotated[Actor, Depends(require("briefings:create"))]
Reader = Annotated[Actor, Depends(require("briefings:read"))]
Reviewer = Annotated[Actor, Depends(require("briefings:review"))]

_CALL_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
            "application/json": {
                "schema": {"type": "object", "description": "The call itself: simple call JSON or NENA EIDO."}
            },
        },
    }
}


async def _call_from(request: Request) -> tuple[str, bytes]:
    """The call a request carries: a multipart ``file``, or the JSON body itself; refused past the size limit."""
    kind = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        upload = (await request.form()).get("file")  # cached: check_csrf may have parsed it already
        if not isinstance(upload, StarletteUpload) or not upload.filename:
            raise InputError(Code.E127, "send the call as the multipart field 'file'", where="file")
        return await read_upload(request, cast(UploadFile, upload))  # FastAPI's UploadFile adds only docs
    if kind != "application/json" and not kind.endswith("+json"):
        raise InputError(
            Code.E114, "send the call as multipart/form-data (field 'file') or as an application/json body"
        )
    limit = request.app.state.settings.max_input_bytes
    data = b""
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise InputError(Code.E003, f"request body is larger than {limit:,} bytes", file=briefings.REQUEST_BODY)
    return briefings.REQUEST_BODY, data


# --- API --------------------------------------------------------------------------------------------------------


@router.post("/api/v1/briefings", status_code=201, tags=["briefings"], openapi_extra=_CALL_BODY)
async def create_briefing(request: Request, db: DbSession, actor: Briefer) -> dict[str, Any]:
    """Brief a call (simple call JSON or NENA EIDO, as ``deescalate brief`` reads) and store the call in the
    records store; the answer is the stored briefing: ``id``, ``briefing`` (as ``deescalate brief -f json``),
    ``points`` to review and ``stored`` (what storing the call did)."""
    name, data = await _call_from(request)
    row = briefings.create_briefing(db, actor=actor, name=name, data=data, settings=request.app.state.settings)
    return briefings.get_briefing(db, briefing_id=row.id)


@router.get("/api/v1/briefings", tags=["briefings"])
def list_briefings(db: DbSession, _actor: Reader) -> dict[str, Any]:
    items = briefings.list_briefings(db)
    return {"items": items, "count": len(items)}


@router.get("/api/v1/briefings/{briefing_id}", tags=["briefings"])
def get_briefing(db: DbSession, _actor: Reader, briefing_id: int) -> dict[str, Any]:
    return briefings.get_briefing(db, briefing_id=briefing_id)


@router.post("/api/v1/briefings/{briefing_id}/points/{point_id}/review", tags=["briefings"])
def review_point(
    db: DbSession, actor: Reviewer, briefing_id: int, point_id: int, body: ReviewRequest
) -> dict[str, Any]:
    """Confirm or dispute one point (a caution, an answer, the triage, a resource), as for a finding."""
    return briefings.review_point(
        db, actor=actor, briefing_id=briefing_id, point_id=point_id, decision=body.decision, comment=body.comment
    )


# --- pages ------------------------------------------------------------------------------------------------------


@router.get("/briefings", response_class=HTMLResponse, include_in_schema=False)
def briefing_list(request: Request, db: DbSession, actor: Reader) -> Response:
    context = page_context(request, actor, active="briefings", items=briefings.list_briefings(db))
    return templates.TemplateResponse(request, "briefings.html", context)


@router.post("/briefings", include_in_schema=False)
async def create_briefing_page(
    request: Request,
    db: DbSession,
    actor: Briefer,
    file: Annotated[UploadFile | None, File()] = None,
    call: Annotated[str, Form()] = "",
) -> Response:
    chosen = file is not None and bool(file.filename)
    if chosen == bool(call.strip()):
        problem = "paste the call or choose a call file, not both" if chosen else "paste a call or choose a call file"
        raise InputError(Code.E127, problem, where="call")
    if file is not None and chosen:
        name, data = await read_upload(request, file)
    else:
        name, data = briefings.PASTED, call.encode("utf-8")
    row = briefings.create_briefing(db, actor=actor, name=name, data=data, settings=request.app.state.settings)
    return RedirectResponse(f"/briefings/{row.id}", status_code=303)


@router.get("/briefings/{briefing_id}", response_class=HTMLResponse, include_in_schema=False)
def briefing_page(request: Request, db: DbSession, actor: Reader, briefing_id: int) -> Response:
    detail = briefings.get_briefing(db, briefing_id=briefing_id)
    context = page_context(
        request, actor, active="briefings", detail=detail, status_text=STATUS_TEXT, outcome_words=OUTCOME_WORDS
    )
    return templates.TemplateResponse(request, "briefing.html", context)


@router.post("/briefings/{briefing_id}/points/{point_id}/review", include_in_schema=False)
def review_point_page(
    request: Request,
    db: DbSession,
    actor: Reviewer,
    briefing_id: int,
    point_id: int,
    decision: Annotated[str, Form()],
    comment: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    point = briefings.review_point(
        db, actor=actor, briefing_id=briefing_id, point_id=point_id, decision=decision, comment=comment.strip()
    )
    if not request.headers.get("HX-Request"):  # without script the form still works: back to the point
        return RedirectResponse(f"/briefings/{briefing_id}#point-{point_id}", status_code=303)
    # the point's row in place; the panel's counts and the status message out of band
    review = briefings.get_briefing(db, briefing_id=briefing_id)["review"]
    context = page_context(request, actor, p=point, briefing_id=briefing_id, status_text=STATUS_TEXT, review=review)
    return templates.TemplateResponse(request, "_briefing_point.html", context)
