"""Calls from NENA EIDO messages: incident id (unique), time of the newest message, notes.

Revision ID: 0002_eido_incident
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002_eido_incident"
down_revision: str | None = "0001"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

_COLUMNS = ("notes", "updated_at", "incident_id")


def upgrade() -> None:
    # Plain ADD COLUMNs, and uniqueness as a unique index: on SQLite neither needs the batch copy of the
    # table, whose DROP of the old calls table would cascade-delete every call_persons row.
    with op.batch_alter_table("calls", recreate="never") as batch:
        batch.add_column(sa.Column("incident_id", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("notes", sa.JSON(), nullable=True))
    op.create_index("uq_calls_incident_id", "calls", ["incident_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_calls_incident_id", table_name="calls")
    if op.get_bind().dialect.name == "sqlite":
        for name in _COLUMNS:  # SQLite 3.35+ drops a column in place: no table copy, no cascade
            op.execute(sa.text(f'ALTER TABLE calls DROP COLUMN "{name}"'))
        return
    for name in _COLUMNS:
        op.drop_column("calls", name)
