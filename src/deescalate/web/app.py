"""The application factory: one app per settings, on the store those settings name."""

from __future__ import annotations

from fastapi import FastAPI

from deescalate.settings import Settings
from deescalate.store.db import database_url, open_store
from deescalate.web.errors import install_error_handlers
from deescalate.web.routes import api
from deescalate.web.security import Signer, checked_secret_key


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
    )
    app.state.settings = settings
    app.state.sessions = open_store(database_url(settings))
    lifetime_s = settings.session_hours * 3600
    app.state.token_signer = Signer(secret_key, purpose="api-token", max_age_s=lifetime_s)
    app.state.session_signer = Signer(secret_key, purpose="session", max_age_s=lifetime_s)
    install_error_handlers(app)
    app.include_router(api.router)
    return app
