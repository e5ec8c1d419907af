"""The pages: sign-in, the encounter list with its upload form, the review page and its htmx fragments.

Each route asks the role table (deps.require) like the API does and calls the same services; the router's one
CSRF dependency checks every form. Only /login is open (and /static, mounted outside this router).
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from deescalate.errors import AuthError, Code, InputError
from deescalate.store.models import UserRole
from deescalate.web import auth, services
from deescalate.web.audit import note
from deescalate.web.deps import (
    SESSION_COOKIE,
    DbSession,
    check_csrf,
    optional_date,
    read_session,
    read_upload,
    require,
    set_session_cookie,
)
from deescalate.web.errors import status_of
from deescalate.web.evidence import redacted_detail
from deescalate.web.presenters import checklist_view, finding_view, legend, transcript_view, utterance_of
from deescalate.web.services import Actor
from deescalate.web.templating import VERDICT_STATUSES, page_context, templates
from deescalate.web.timeline import timeline_view

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)

Reader = Annotated[Actor, Depends(require("encounters:read"))]
Uploader = Annotated[Actor, Depends(require("encounters:upload"))]
Reviewer = Annotated[Actor, Depends(require("findings:review"))]
SignedIn = Annotated[Actor, Depends(require("session:sign-out"))]


def _local_path(target: str | None) -> str:
    """Where to go after sign-in: a path on this site only, never another site ('//host' or 'https://...')."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


# --- sign-in ----------------------------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:  # noqa: A002  (the query's name)
    session = read_session(request)
    if session and session.get("u"):
        return RedirectResponse(_local_path(next), status_code=303)
    return _login_form(request, session, next_path=_local_path(next), error=None, status=200)


def _login_form(
    request: Request, session: dict[str, Any] | None, *, next_path: str, error: str | None, status: int
) -> Response:
    # The sign-in form needs a session too: its CSRF token is bound to one, made here before anyone signs in.
    fresh = session is None
    session = session or {"s": secrets.token_urlsafe(16)}
    context = page_context(request, None, session=session, next_path=next_path, error=error)
    response = templates.TemplateResponse(request, "login.html", context, status_code=status)
    if fresh:
        set_session_cookie(request, response, session)
    return response


@router.post("/login")
def login(
    request: Request,
    db: DbSession,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    next_path: Annotated[str, Form(alias="next")] = "/",
) -> Response:
    remote = request.client.host if request.client else None
    try:
        user = auth.sign_in(
            db,
            username=username,
            password=password,
            remote=remote,
            settings=request.app.state.settings,
            audit_to=request.app.state.audit_bind,
        )
    except AuthError as exc:
        return _login_form(
            request, read_session(request), next_path=_local_path(next_path), error=exc.detail, status=status_of(exc)
        )
    response = RedirectResponse(_local_path(next_path), status_code=303)
    # a new session id at sign-in: one planted before it (session fixation) is worth nothing after
    set_session_cookie(request, response, auth.session_payload(user))
    return response


@router.post("/logout")
def logout(_actor: SignedIn) -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- encounters -------------------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def encounter_list(
    request: Request,
    db: DbSession,
    actor: Reader,
    officer: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    verdict: str | None = None,
) -> Response:
    if verdict and verdict not in VERDICT_STATUSES:
        raise InputError(
            Code.E114, f"verdict {verdict!r} must be one of {', '.join(VERDICT_STATUSES)}", where="verdict"
        )
    filters = {
        "officer": officer or "",
        "date_from": date_from or "",
        "date_to": date_to or "",
        "verdict": verdict or "",
    }
    items = services.list_encounters(
        db,
        actor=actor,
        officer=officer or None,
        date_from=optional_date(date_from, "date_from"),
        date_to=optional_date(date_to, "date_to"),
        verdict=verdict or None,
    )
    officers = services.officer_names(db, actor=actor) if actor.role is not UserRole.officer else []  # only their own
    context = page_context(request, actor, items=items, filters=filters, officers=officers, verdicts=VERDICT_STATUSES)
    return templates.TemplateResponse(request, "encounters.html", context)


@router.post("/encounters")
async def upload_encounter(
    request: Request,
    db: DbSession,
    actor: Uploader,
    file: Annotated[UploadFile | None, File()] = None,
    officer: Annotated[str | None, Form()] = None,
) -> Response:
    if file is None or not file.filename:
        raise InputError(Code.E118, "choose a transcript file to upload", where="file")
    name, data = await read_upload(request, file)
    stored, created = services.store_upload(
        db, actor=actor, filename=name, data=data, officer=officer or None, settings=request.app.state.settings
    )
    note(request, target=f"encounter:{stored.id}", sha256=stored.source_sha256, created=created)
    return RedirectResponse(f"/encounters/{stored.id}", status_code=303)  # the same bytes again: the stored one


@router.get("/encounters/{encounter_id}", response_class=HTMLResponse)
def review_page(request: Request, db: DbSession, actor: Reader, encounter_id: int, redact: bool = False) -> Response:
    """The review; with ``redact=true`` the printable report with civilians' personal data replaced (read only)."""
    detail = services.get_encounter(db, actor=actor, encounter_id=encounter_id, verify_original=True)
    note(request, original=detail["original"]["state"], redact=redact)
    if redact:
        detail = redacted_detail(detail)
    context = page_context(
        request,
        actor,
        redacted=redact,
        detail=detail,
        utterances=transcript_view(detail),
        checklist=checklist_view(detail),
        legend=legend(detail),
        timeline=timeline_view(detail),
    )
    return templates.TemplateResponse(request, "review.html", context)


@router.post("/findings/{finding_id}/review")
def review_finding(
    request: Request,
    db: DbSession,
    actor: Reviewer,
    finding_id: int,
    decision: Annotated[str, Form()],
    comment: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    encounter_id = services.encounter_id_of_finding(db, actor=actor, finding_id=finding_id)
    services.review_finding(db, actor=actor, finding_id=finding_id, decision=decision, comment=comment.strip())
    if not request.headers.get("HX-Request"):  # without script the form still works: back to the finding
        return RedirectResponse(f"/encounters/{encounter_id}#finding-{finding_id}", status_code=303)
    detail = services.get_encounter(db, actor=actor, encounter_id=encounter_id)
    finding = finding_view(next(f for f in detail["findings"] if f["id"] == finding_id))
    # the finding's row in place; its highlight, the checklist panel and the status message out of band
    context = page_context(
        request, actor, f=finding, u=utterance_of(detail, finding_id), checklist=checklist_view(detail)
    )
    return templates.TemplateResponse(request, "_reviewed.html", context)
