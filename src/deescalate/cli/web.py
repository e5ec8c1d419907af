"""The review application from the command line: user add, serve."""

from __future__ import annotations

import secrets
import sys
from dataclasses import replace
from typing import Annotated

import typer

from deescalate.cli.common import err, out
from deescalate.cli.records import DbOption
from deescalate.errors import Code, InputError
from deescalate.settings import get_settings
from deescalate.store.models import UserRole

user_app = typer.Typer(no_args_is_help=True, help="Accounts of the review application.")


@user_app.command("add")
def user_add_command(
    name: Annotated[str, typer.Argument(help="The user name people sign in with.")],
    role: Annotated[UserRole, typer.Option("--role", help="admin, supervisor, trainer, officer or auditor.")],
    unit: Annotated[str | None, typer.Option("--unit", help="The user's unit, e.g. 'North patrol'.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Add a user. Without --password-stdin a strong password is generated and printed once."""
    from deescalate.store.db import open_store
    from deescalate.web.security import generate_password
    from deescalate.web.services import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InputError(Code.E114, "no password on standard input", where="--password-stdin")
    else:
        password = generate_password()
    factory = open_store(db)
    with factory() as session:
        user = create_user(session, username=name, role=role, unit=unit, password=password)
    err.print(f"added {user.username} ({user.role})", markup=False, highlight=False)
    if not password_stdin:
        out.print(f"password: {password}", markup=False, highlight=False)
        err.print("it is shown only this once; hand it to the user over a channel you trust", markup=False)


def serve_command(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
    dev: Annotated[
        bool,
        typer.Option("--dev", help="Development only: a random secret key per process (sign-ins end with it)."),
    ] = False,
    db: DbOption = None,
) -> None:
    """Start the review web application (API under /api/v1, pages at /)."""
    import uvicorn

    from deescalate.web.app import create_app

    settings = get_settings()
    if db:
        settings = replace(settings, database_url=db)
    if dev and not settings.secret_key:
        settings = replace(settings, secret_key=secrets.token_urlsafe(32))
        err.print(
            "warning: --dev: a random secret key for this process; set DEESCALATE_SECRET_KEY for real use",
            style="yellow",
            markup=False,
        )
    app = create_app(settings)  # refuses a missing or short key before anything listens
    err.print(f"serving on http://{host}:{port}/ (API documentation at /api/v1/docs)", markup=False, highlight=False)
    uvicorn.run(app, host=host, port=port, log_level="info")
