"""The audit trail and retention from the command line: audit verify, purge."""

from __future__ import annotations

import getpass
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from deescalate.cli.common import err, out
from deescalate.cli.records import DbOption
from deescalate.settings import get_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

audit_app = typer.Typer(no_args_is_help=True, help="The audit trail of the review application.")


def cli_actor() -> str:
    """Who the audit trail names for a command: the operating-system user who ran it."""
    return f"cli:{getpass.getuser()}"


def cli_remote() -> str:
    return f"cli@{socket.gethostname()}"


@contextmanager
def store_session(db: str | None) -> Iterator[Session]:
    """A session on the store at DB (default: from settings), migrated; its connections closed afterwards."""
    from deescalate.store.db import open_store

    factory = open_store(db)
    try:
        with factory() as session:
            yield session
    finally:
        factory.kw["bind"].dispose()


def record(db: str | None, *, action: str, target: str | None = None, **detail: object) -> None:
    """Append one row for a change a command made."""
    from deescalate.store import audit

    event = audit.AuditEvent(action=action, actor=cli_actor(), target=target, remote=cli_remote(), detail=detail)
    with store_session(db) as session:
        audit.append(session, event)


@audit_app.command("verify")
def audit_verify_command(
    expect_head: Annotated[
        str | None,
        typer.Option("--expect-head", help="The newest hash as printed by an earlier verify, kept elsewhere."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Check every row's hash and link and the head; exit 3 naming the first row changed, deleted or added."""
    from deescalate.store import audit

    with store_session(db) as session:
        result = audit.verify(session, expected_head=expect_head)
    span = f"rows {result.first_id}-{result.last_id}" if result.rows else "no rows"
    out.print(f"audit log intact: {result.rows} rows ({span})", markup=False, highlight=False)
    out.print(f"head {result.head_hash}", markup=False, highlight=False)
    err.print("keep the head hash somewhere else; `--expect-head` checks it next time", markup=False)


def purge_command(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what would be deleted.")] = False,
    db: DbOption = None,
) -> None:
    """Delete what is past its retention period (DEESCALATE_RETENTION_*_DAYS) and record the counts in the audit
    trail (one `purge` row)."""
    from deescalate.store import retention

    settings = get_settings()
    with store_session(db) as session:
        if dry_run:
            plans = retention.plan(session, settings=settings)
        else:
            engine = session.get_bind().engine
            plans = retention.purge(engine, settings=settings, actor=cli_actor(), remote=cli_remote())
    verb = "would delete" if dry_run else "deleted"
    for plan in plans:
        out.print(
            f"{plan.kind}: {verb} {plan.count} (older than {plan.days} days, before {plan.cutoff:%Y-%m-%d})",
            markup=False,
            highlight=False,
        )
    if not dry_run:
        err.print("recorded in the audit trail as a 'purge' row", markup=False)
