"""The application factory: one app per settings, on the store those settings name."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from deescalate.errors import Code, InputError
from deescalate.settings import PREFIX, Settings
from deescalate.store.db import database_url, is_in_memory, make_engine, open_store
from deescalate.web.audit import audit_requests
from deescalate.web.deps import check_csrf, keep_session_alive
from deescalate.web.errors import API_PREFIX, error_response, install_error_handlers
from deescalate.web.recordings import JobWorker
from deescalate.web.routes import accounts, api, evidence, jobs, pages
from deescalate.web.routes import audit as audit_routes
from deescalate.web.routes import briefings as briefing_routes
from deescalate.web.routes import dashboard as dashboard_routes
from deescalate.web.routes import training as training_routes
from deescalate.web.security import Signer, checked_secret_key
from deescalate.web.templating import STATIC_DIR

# Pages load nothing from elsewhere and run only our own script files; no other site may frame them.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


# room for a multipart form's boundaries and other fields around the largest file allowed
BODY_OVERHEAD = 1024 * 1024


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The background worker that transcribes uploaded recordings runs while the server does."""
    worker = JobWorker(app.state.sessions, app.state.settings)
    app.state.jobs = worker
    worker.start()
    try:
        yield
    finally:
        worker.stop()


def create_app(settings: Settings) -> FastAPI:
    """The review application; refuses to start without a real secret key, migrates the store first."""
    secret_key = checked_secret_key(settings)
    app = FastAPI(
        title="deescalate review",
        version="1",
        description="Review the analyzer's findings: confirm or dispute them before they are used about anyone.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.settings = settings
    url = database_url(settings)
    app.state.sessions = open_store(url)
    # The audit rows of requests go through an engine of their own: a request still holds its session's
    # connection when its row is written, so sharing one pool deadlocked once every connection was held by a
    # request waiting for another (15 concurrent views on the default pool; found by benchmarks/load_review.py)
    app.state.audit_bind = app.state.sessions.kw["bind"] if is_in_memory(url) else make_engine(url)
    lifetime_s = settings.session_hours * 3600
    app.state.token_signer = Signer(secret_key, purpose="api-token", max_age_s=settings.token_hours * 3600)
    # signed again on every request (deps.keep_session_alive): its age is the time since the last one
    app.state.session_signer = Signer(secret_key, purpose="session", max_age_s=settings.session_idle_minutes * 60)
    app.state.csrf_signer = Signer(secret_key, purpose="csrf", max_age_s=lifetime_s)
    install_error_handlers(app)
    app.include_router(api.router, dependencies=[Depends(check_csrf)])
    app.include_router(accounts.router, dependencies=[Depends(check_csrf)])
    app.include_router(evidence.router)
    app.include_router(pages.router)
    app.include_router(jobs.router)
    app.include_router(dashboard_routes.router)
    app.include_router(briefing_routes.router)
    app.include_router(training_routes.router)
    app.include_router(audit_routes.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.middleware("http")(audit_requests)

    @app.middleware("http")
    async def page_security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        if not request.url.path.startswith(API_PREFIX):  # the API docs page loads its viewer from a CDN
            response.headers.update(PAGE_HEADERS)
        keep_session_alive(request, response)
        return response

    @app.middleware("http")
    async def refuse_oversized_bodies(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        """A body larger than any upload may be is refused before it is read (the form parser would spool it)."""
        declared = request.headers.get("content-length", "")
        limit = max(settings.max_recording_bytes, settings.max_transcript_bytes) + BODY_OVERHEAD
        if declared.isdigit() and int(declared) > limit:
            return error_response(
                InputError(
                    Code.E003,
                    f"the request is larger than the {limit:,}-byte limit ({PREFIX}MAX_RECORDING_BYTES)",
                    where="body",
                )
            )
        return await call_next(request)

    return app
