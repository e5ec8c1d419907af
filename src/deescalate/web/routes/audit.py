"""The audit trail for auditors: the /audit page and GET /api/v1/audit, the same search with the same filters."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from deescalate.errors import Code, InputError
from deescalate.store import audit
from deescalate.web.deps import DbSession, check_csrf, optional_date, require
from deescalate.web.services import Actor
from deescalate.web.templating import page_context, templates

router = APIRouter(dependencies=[Depends(check_csrf)])

Auditor = Annotated[Actor, Depends(require("audit:read"))]
PAGE_ROWS = 100


def _search(
    db: DbSession,
    *,
    user: str | None,
    action: str | None,
    target: str | None,
    date_from: date | None,
    date_to: date | None,
    before: int | None,
    limit: int,
) -> dict[str, Any]:
    if date_from and date_to and date_from > date_to:
        raise InputError(Code.E143, f"date_from {date_from} is after date_to {date_to}", where="date_from")
    items = audit.search(
        db,
        actor=user or None,
        action=action or None,
        target=target or None,
        date_from=date_from,
        date_to=date_to,
        before_id=before,
        limit=limit,
    )
    more = len(items) == limit and items[-1]["id"] > 1
    return {"items": items, "count": len(items), "next_before": items[-1]["id"] if more else None}


@router.get("/api/v1/audit", tags=["audit"])
def audit_json(
    db: DbSession,
    _actor: Auditor,
    user: str | None = None,
    action: Annotated[str | None, Query(description="An action, or a family ending in '.': 'login.'")] = None,
    target: Annotated[str | None, Query(description="What the row is about: 'encounter:12', 'user:olly'")] = None,
    date_from: date | None = None,
    date_to: date | None = None,
    before: Annotated[int | None, Query(ge=1, description="Rows older than this id (the next page)")] = None,
    limit: Annotated[int, Query(ge=1, le=audit.MAX_PAGE)] = PAGE_ROWS,
) -> dict[str, Any]:
    """Audit rows, newest first: who (``actor``, ``role``), what (``action``, ``target``, ``detail``, ``status``),
    when (``at``, UTC), from where (``remote``), and each row's ``hash`` and ``prev_hash``."""
    return _search(
        db, user=user, action=action, target=target, date_from=date_from, date_to=date_to, before=before, limit=limit
    )


@router.get("/audit", response_class=HTMLResponse, include_in_schema=False)
def audit_page(
    request: Request,
    db: DbSession,
    actor: Auditor,
    user: str | None = None,
    action: str | None = None,
    target: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    before: int | None = None,
) -> Response:
    filters = {
        "user": user or "",
        "action": action or "",
        "target": target or "",
        "date_from": date_from or "",
        "date_to": date_to or "",
    }
    found = _search(
        db,
        user=user,
        action=action,
        target=target,
        date_from=optional_date(date_from, "date_from", Code.E143),
        date_to=optional_date(date_to, "date_to", Code.E143),
        before=before,
        limit=PAGE_ROWS,
    )
    context = page_context(request, actor, active="audit", filters=filters, found=found)
    return templates.TemplateResponse(request, "audit.html", context)
