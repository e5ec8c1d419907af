"""The audit trail of the web application: every view, export and change, written by one middleware.

Each route is in one of two tables: AUDITED (the action its rows carry) or NOT_AUDITED (why not: sign-in attempts
are written by web.auth with the name tried; a job's progress is polled every two seconds and shows no content).
A test walks app.routes, so a new route without an entry fails it. The row names who (the signed-in user, from
web.deps.current_actor), what (the action, the target from the path, the query's filters, the status answered and
the error code if any), when, and from where (the client's address).

The row is written before the response leaves: if it cannot be written, the person gets an error, not the page
(no view without its record). A change is committed by its service before the row is written (SQLite allows one
writer at a time, and the audit row takes the chain's lock); a failure between the two leaves the change without
its row, and the error says so to the client.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from deescalate.errors import Code
from deescalate.store import audit
from deescalate.store.audit import AuditEvent
from deescalate.web.errors import API_PREFIX, error_body, page_error_response

log = logging.getLogger(__name__)

AUDITED: dict[tuple[str, str], str] = {
    ("GET", "/"): "encounter.list",
    ("POST", "/encounters"): "encounter.upload",
    ("GET", "/encounters/{encounter_id}"): "encounter.view",
    ("POST", "/findings/{finding_id}/review"): "finding.review",
    ("POST", "/logout"): "logout",
    ("GET", "/dashboard"): "dashboard.view",
    ("GET", "/audit"): "audit.view",
    ("POST", "/api/v1/encounters"): "encounter.upload",
    ("GET", "/api/v1/encounters"): "encounter.list",
    ("GET", "/api/v1/encounters/{encounter_id}"): "encounter.view",
    ("PUT", "/api/v1/encounters/{encounter_id}/officer"): "encounter.assign",
    ("GET", "/api/v1/encounters/{encounter_id}/export"): "encounter.export",
    ("GET", "/api/v1/encounters/{encounter_id}/original"): "encounter.original",
    ("POST", "/api/v1/findings/{finding_id}/review"): "finding.review",
    ("GET", "/api/v1/dashboard"): "dashboard.view",
    ("GET", "/api/v1/export/reviewed"): "findings.export",
    ("GET", "/api/v1/audit"): "audit.view",
    ("POST", "/api/v1/auth/revoke"): "token.revoke",
    ("GET", "/api/v1/users"): "user.list",
    ("POST", "/api/v1/users/{username}/revoke-tokens"): "token.revoke",
    ("POST", "/api/v1/users/{username}/unlock"): "user.unlock",
    ("GET", "/briefings"): "briefing.list",
    ("POST", "/briefings"): "briefing.create",
    ("GET", "/briefings/{briefing_id}"): "briefing.view",
    ("POST", "/briefings/{briefing_id}/points/{point_id}/review"): "briefing.review",
    ("POST", "/api/v1/briefings"): "briefing.create",
    ("GET", "/api/v1/briefings"): "briefing.list",
    ("GET", "/api/v1/briefings/{briefing_id}"): "briefing.view",
    ("POST", "/api/v1/briefings/{briefing_id}/points/{point_id}/review"): "briefing.review",
    ("GET", "/training"): "training.list",
    ("POST", "/training/sessions"): "training.start",
    ("GET", "/training/sessions/{session_id}"): "training.view",
    ("POST", "/training/sessions/{session_id}/turns"): "training.turn",
    ("POST", "/training/sessions/{session_id}/end"): "training.end",
    ("POST", "/api/v1/training/sessions"): "training.start",
    ("GET", "/api/v1/training/sessions"): "training.list",
    ("GET", "/api/v1/training/sessions/{session_id}"): "training.view",
    ("POST", "/api/v1/training/sessions/{session_id}/turns"): "training.turn",
    ("POST", "/api/v1/training/sessions/{session_id}/end"): "training.end",
}
_SIGN_IN = "each attempt is written by web.auth.sign_in, with the name tried"
_POLL = "a job's progress, polled every 2 s: its state and percent, nothing of the encounter"
_OPEN = "open to anyone: nothing about a person"
NOT_AUDITED: dict[tuple[str, str], str] = {
    ("GET", "/login"): _OPEN,
    ("POST", "/login"): _SIGN_IN,
    ("POST", "/api/v1/auth/token"): _SIGN_IN,
    ("GET", "/api/v1/jobs/{job_id}"): _POLL,
    ("GET", "/encounters/{encounter_id}/progress"): _POLL,
    ("GET", "/api/v1/openapi.json"): _OPEN,
    ("GET", "/api/v1/docs"): _OPEN,
    ("GET", "/docs/oauth2-redirect"): _OPEN,
    ("GET", "/static"): _OPEN,
    ("GET", "/api/v1/training/scenarios"): "the bundled scenarios: nothing about a person",
}
# the path parameters that name what a request is about, and how a target names them
TARGETS = {
    "encounter_id": "encounter",
    "finding_id": "finding",
    "job_id": "job",
    "username": "user",
    "briefing_id": "briefing",
    "session_id": "training",
}
MAX_QUERY_VALUE = 200  # a filter's value as recorded: enough to read, not a way to fill the log


def note(request: Request, *, target: str | None = None, **detail: Any) -> None:
    """What a route knows that the path does not say (the id an upload was stored under, a file's hash)."""
    if target is not None:
        request.state.audit_target = target
    request.state.audit_detail = {**getattr(request.state, "audit_detail", {}), **detail}


def _target(request: Request) -> str | None:
    noted: str | None = getattr(request.state, "audit_target", None)
    if noted:
        return noted
    for name, kind in TARGETS.items():
        if name in request.path_params:
            return f"{kind}:{request.path_params[name]}"
    return None


def _event(request: Request, action: str, status: int) -> AuditEvent:
    actor = getattr(request.state, "actor", None)
    detail: dict[str, Any] = {}
    inner = {k: str(v) for k, v in request.path_params.items() if k not in TARGETS}
    if inner:  # what inside the target it is about (a briefing's point)
        detail["path"] = inner
    if request.query_params:
        detail["query"] = {k: v[:MAX_QUERY_VALUE] for k, v in list(request.query_params.items())[:20]}
    detail.update(getattr(request.state, "audit_detail", {}))
    error = getattr(request.state, "error_code", None)
    if error:
        detail["error"] = error
    return AuditEvent(
        action=action,
        actor=actor.username if actor else None,
        role=actor.role.value if actor else None,
        target=_target(request),
        remote=request.client.host if request.client else None,
        status=status,
        detail=detail,
    )


def _route_key(request: Request) -> tuple[str, str] | None:
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    return (request.method, path) if path is not None else None


async def audit_requests(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """The middleware: the route runs, then its row is written, then the response goes."""
    try:
        response = await call_next(request)
    except Exception:
        key = _route_key(request)
        if key in AUDITED:  # an unexpected error still leaves its row, then goes on to the error handler
            await _write(request, _event(request, AUDITED[key], 500))
        raise
    key = _route_key(request)
    action = AUDITED.get(key) if key else None
    if action is None:
        return response
    if await _write(request, _event(request, action, response.status_code)):
        return response
    body = error_body(Code.E117, "the audit trail could not be written, so nothing is shown; try again")
    if request.url.path.startswith(API_PREFIX):
        return JSONResponse(body, status_code=500)
    return page_error_response(request, body, 500)


async def _write(request: Request, event: AuditEvent) -> bool:
    try:
        await run_in_threadpool(audit.append, request.app.state.audit_bind, event)
    except Exception:  # the database went away: logged here, answered as an error by the caller
        log.exception("audit row not written: %s", event)
        return False
    return True
