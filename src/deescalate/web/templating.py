"""The page templates (Jinja2, autoescaped) and what every page is rendered with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates

from deescalate.web.deps import csrf_token_for, may, read_session
from deescalate.web.services import Actor

WEB = Path(__file__).resolve().parent
STATIC_DIR = WEB / "static"
templates = Jinja2Templates(directory=WEB / "templates")

VERDICT_STATUSES = ("demonstrated", "concerns", "mixed", "not observed")


def page_context(
    request: Request, actor: Actor | None, *, session: dict[str, Any] | None = None, **values: Any
) -> dict[str, Any]:
    """Values every template may use: the signed-in actor, this session's CSRF token, and the role table.
    SESSION is one being issued with this response (its cookie is not in the request yet)."""
    session = session or read_session(request)
    return {
        "actor": actor,
        "csrf_token": csrf_token_for(request, session) if session else "",
        "may": (lambda permission: actor is not None and may(actor, permission)),
        **values,
    }
