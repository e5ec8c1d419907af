"""Every error the application answers with: one table from exception to HTTP status, one JSON shape.

``{"error": {"code": "E…", "message": "…", "file": … | null, "where": … | null}}``

Pages get the same code, message and status as HTML: a full error page, a message in the page's status region
for an htmx request, and a redirect to the sign-in page when nobody is signed in.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from deescalate.errors import (
    AuthError,
    Code,
    ConfigError,
    ConflictError,
    DeescalateError,
    InputError,
    NotFound,
    PermissionDenied,
    TamperError,
)

log = logging.getLogger(__name__)

API_PREFIX = "/api/"

# Most specific class first: the first match decides.
STATUS_BY_ERROR: tuple[tuple[type[DeescalateError], int], ...] = (
    (AuthError, 401),
    (PermissionDenied, 403),
    (NotFound, 404),
    (ConflictError, 409),
    (TamperError, 409),  # the stored evidence no longer matches its hash: the request cannot be met as asked
    (InputError, 422),
    (ConfigError, 500),  # the server's own configuration, not the request
    (DeescalateError, 400),
)
# Codes whose HTTP meaning is narrower than their class's.
STATUS_BY_CODE = {Code.E003: 413, Code.E135: 429, Code.E136: 429}


def status_of(exc: DeescalateError) -> int:
    if exc.code in STATUS_BY_CODE:
        return STATUS_BY_CODE[exc.code]
    return next(status for cls, status in STATUS_BY_ERROR if isinstance(exc, cls))


def error_body(code: Code, message: str, *, file: str | None = None, where: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code.name, "message": message, "file": file, "where": where}}


def error_response(exc: DeescalateError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, AuthError) else None
    body = error_body(exc.code, exc.detail, file=exc.file, where=exc.where)
    return JSONResponse(body, status_code=status_of(exc), headers=headers)


def _is_page(request: Request) -> bool:
    return not request.url.path.startswith(API_PREFIX)


def page_error_response(request: Request, body: dict[str, Any], status: int) -> Response:
    """The error as a person in a browser should meet it."""
    from deescalate.web.templating import page_context, templates  # the templates import the routes' dependencies

    error = body["error"]
    if error["code"] == Code.E110.name:
        if request.headers.get("HX-Request"):  # htmx follows this header with a full page load
            return Response(status_code=204, headers={"HX-Redirect": "/login"})
        target = request.url.path if request.method == "GET" and request.url.path != "/" else None
        return RedirectResponse(f"/login?next={quote(target)}" if target else "/login", status_code=303)
    if request.headers.get("HX-Request"):
        # swapped into the page's status region instead of the element the request targeted
        headers = {"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"}
        return templates.TemplateResponse(request, "_flash.html", {"error": error}, status_code=status, headers=headers)
    return templates.TemplateResponse(
        request, "error.html", page_context(request, None, error=error, status=status), status_code=status
    )


def _respond(request: Request, body: dict[str, Any], status: int, headers: dict[str, str] | None = None) -> Response:
    if _is_page(request):
        return page_error_response(request, body, status)
    return JSONResponse(body, status_code=status, headers=headers)


def _note_error(request: Request, code: Code) -> None:
    request.state.error_code = code.name  # for the request's audit row (web.audit)


async def _deescalate_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DeescalateError)
    _note_error(request, exc.code)
    if _is_page(request):
        return page_error_response(
            request, error_body(exc.code, exc.detail, file=exc.file, where=exc.where), status_of(exc)
        )
    return error_response(exc)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(part) for part in first.get("loc", ()))
    message = f"{where}: {first.get('msg', 'invalid')}" if where else str(first.get("msg", "invalid"))
    _note_error(request, Code.E114)
    return _respond(request, error_body(Code.E114, message, where=where or None), 422)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = Code.E112 if exc.status_code == 404 else Code.E114
    _note_error(request, code)
    return _respond(request, error_body(code, str(exc.detail)), exc.status_code, getattr(exc, "headers", None))


async def _integer_out_of_range(request: Request, exc: Exception) -> Response:
    """SQLite cannot bind an integer past 64 bits: an id such as 9223372036854775808 names no row, it is not a crash."""
    if "SQLite INTEGER" not in str(exc):
        return await _unexpected_error(request, exc)
    return _respond(request, error_body(Code.E112, "not found: the number is larger than any stored id"), 404)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("internal error", exc_info=exc)  # the details go to the server log, never to the client
    return _respond(request, error_body(Code.E117, Code.E117.value), 500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DeescalateError, _deescalate_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(OverflowError, _integer_out_of_range)
    app.add_exception_handler(Exception, _unexpected_error)
