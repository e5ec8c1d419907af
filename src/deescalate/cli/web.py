"""The review application from the command line: user add, revoke-tokens, unlock; serve."""

from __future__ import annotations

import secrets
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from deescalate.cli.audit import record, store_session
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
    from deescalate.web.security import generate_password
    from deescalate.web.services import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InputError(Code.E114, "no password on standard input", where="--password-stdin")
    else:
        password = generate_password()
    with store_session(db) as session:
        user = create_user(session, username=name, role=role, unit=unit, password=password)
    record(db, action="user.create", target=f"user:{user.username}", role=user.role, unit=user.unit)
    err.print(f"added {user.username} ({user.role})", markup=False, highlight=False)
    if not password_stdin:
        out.print(f"password: {password}", markup=False, highlight=False)
        err.print("it is shown only this once; hand it to the user over a channel you trust", markup=False)


@user_app.command("revoke-tokens")
def user_revoke_tokens_command(
    name: Annotated[str, typer.Argument(help="The user whose API tokens and page sessions end now.")],
    db: DbOption = None,
) -> None:
    """Revoke every API token the user holds and end their page sessions; they sign in again to get new ones."""
    from deescalate.web.auth import revoke_all

    with store_session(db) as session:
        revoked = revoke_all(session, username=name)
    record(db, action="token.revoke", target=f"user:{name}", revoked=revoked, all=True)
    out.print(f"revoked {revoked} live tokens of {name}; their page sessions are ended", markup=False, highlight=False)


@user_app.command("unlock")
def user_unlock_command(
    name: Annotated[str, typer.Argument(help="The user locked out by failed sign-ins.")],
    db: DbOption = None,
) -> None:
    """Clear the user's failed sign-ins, so they may sign in again now."""
    from deescalate.cli.audit import cli_actor, cli_remote
    from deescalate.web.auth import unlock

    with store_session(db) as session:
        unlock(session, username=name, by=cli_actor(), remote=cli_remote())
    out.print(f"unlocked {name}", markup=False, highlight=False)


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


def export_reviewed_command(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the annotated encounters into (new or empty).")],
    db: DbOption = None,
) -> None:
    """Export fully reviewed encounters as annotated files for `deescalate model train --extra OUT_DIR`.

    Confirmed findings become labels; disputed ones are left out; encounters with findings still pending are skipped.
    """
    from deescalate.web.export import export_to_folder

    with store_session(db) as session:
        summary = export_to_folder(session, out_dir=out_dir)
    record(db, action="findings.export", target=f"folder:{out_dir}"[:120], **summary)
    out.print(
        f"wrote {summary['exported']} annotated encounters to {out_dir} "
        f"({summary['confirmed']} confirmed findings as labels, {summary['disputed']} disputed left out)",
        markup=False,
        highlight=False,
    )
    if summary["skipped_pending"]:
        err.print(f"skipped {summary['skipped_pending']} encounters whose findings are not all reviewed", markup=False)
    out.print(f"train with: deescalate model train --extra {out_dir}", markup=False, highlight=False)


def demo_review_command(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the demo store.")] = Path("out"),
) -> None:
    """Load the example encounters into a fresh demo store of the review application, and say how to sign in."""
    from deescalate.web.demo import load_demo_store

    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "demo-review.db"
    for stale in out_dir.glob("demo-review.db*"):
        stale.unlink()
    demo = load_demo_store(f"sqlite:///{target}")
    out.rule("the review application")
    out.print(
        f"  {target}: {demo.encounters} example encounters, awaiting review\n"
        f"  start it:  DEESCALATE_DATABASE_URL={demo.url} deescalate serve --dev\n"
        f"  open http://127.0.0.1:8000/ and sign in as {demo.username} with password {demo.password}\n"
        "  (the password is shown only this once; the dashboard counts findings once you confirm them)",
        markup=False,
        highlight=False,
    )
