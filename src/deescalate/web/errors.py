"""Every error the application answers with: one table from exception to HTTP status, one JSON shape.

``{"error": {"code": "E…", "message": "…", "file": … | null, "where": … | null}}``
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
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
)

log = logging.getLogger(__name__)

# Most specific class first: the first match decides.
STATUS_BY_ERROR: tuple[tuple[type[DeescalateError], int], ...] = (
    (AuthError, 401),
    (PermissionDenied, 403),
    (NotFound, 404),
    (ConflictError, 409),
    (InputError, 422),
    (ConfigError, 500),  # the server's own configuration, not the request
    (DeescalateError, 400),
)
# Codes whose HTTP meaning is narrower than their class's.
STATUS_BY_CODE = {Code.E003: 413}


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


async def _deescalate_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DeescalateError)
    return error_response(exc)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(part) for part in first.get("loc", ()))
    message = f"{where}: {first.get('msg', 'invalid')}" if where else str(first.get("msg", "invalid"))
    return JSONResponse(error_body(Code.E114, message, where=where or None), status_code=422)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = Code.E112 if exc.status_code == 404 else Code.E114
    return JSONResponse(
        error_body(code, str(exc.detail)), status_code=exc.status_code, headers=getattr(exc, "headers", None)
    )


async def _unexpected_error(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("internal error", exc_info=exc)  # the details go to the server log, never to the client
    return JSONResponse(error_body(Code.E117, Code.E117.value), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DeescalateError, _deescalate_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
