"""Background jobs: a recording's progress, as JSON (/api/v1/jobs/{id}) and as the list's polling fragment."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from deescalate.web import recordings, services
from deescalate.web.deps import DbSession, check_csrf, require
from deescalate.web.services import Actor
from deescalate.web.templating import page_context, templates

router = APIRouter(dependencies=[Depends(check_csrf)])

JobReader = Annotated[Actor, Depends(require("jobs:read"))]


@router.get("/api/v1/jobs/{job_id}", tags=["encounters"])
def get_job(db: DbSession, actor: JobReader, job_id: int) -> dict[str, Any]:
    """A recording's transcription job: ``state`` (queued, running, done, failed), ``stage``, ``percent``, ``error``."""
    return recordings.get_job(db, actor=actor, job_id=job_id)


@router.get("/encounters/{encounter_id}/progress", response_class=HTMLResponse, include_in_schema=False)
def progress_fragment(
    request: Request, db: DbSession, actor: JobReader, encounter_id: int, page: str = "list"
) -> Response:
    """What htmx swaps in every 2 s while a recording is worked on; on the review page, a reload once it is done."""
    summary = services.get_encounter(db, actor=actor, encounter_id=encounter_id)
    finished = summary["status"] in ("analysed", "failed")
    if finished and page == "review":
        return Response(status_code=204, headers={"HX-Refresh": "true"})
    context = page_context(request, actor, e=summary, page="review" if page == "review" else "list")
    return templates.TemplateResponse(request, "_progress.html", context)
