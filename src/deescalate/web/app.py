"""The application factory: one app per settings, on the store those settings name."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from deescalate.settings import Settings
from deescalate.store.db import database_url, open_store
from deescalate.web.deps import check_csrf
from deescalate.web.errors import API_PREFIX, install_error_handlers
from deescalate.web.recordings import JobWorker
from deescalate.web.routes import api, jobs, pages
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
    app.state.sessions = open_store(database_url(settings))
    lifetime_s = settings.session_hours * 3600
    app.state.token_signer = Signer(secret_key, purpose="api-token", max_age_s=lifetime_s)
    app.state.session_signer = Signer(secret_key, purpose="session", max_age_s=lifetime_s)
    app.state.csrf_signer = Signer(secret_key, purpose="csrf", max_age_s=lifetime_s)
    install_error_handlers(app)
    app.include_router(api.router, dependencies=[Depends(check_csrf)])
    app.include_router(pages.router)
    app.include_router(jobs.router)
    app.include_router(dashboard_routes.router)
    app.include_router(briefing_routes.router)
    app.include_router(training_routes.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.middleware("http")
    async def page_security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        if not request.url.path.startswith(API_PREFIX):  # the API docs page loads its viewer from a CDN
            response.headers.update(PAGE_HEADERS)
        return response

    return app
