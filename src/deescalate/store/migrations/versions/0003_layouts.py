"""Premises as street number ranges (block addresses), calls' priority on one scale.

Revision ID: 0003_layouts
Revises: 0002_eido_incident
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003_layouts"
down_revision: str | None = "0002_eido_incident"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


_PREMISE_COLUMNS = ("number_high", "number_low", "street")


def upgrade() -> None:
    # Plain ADD COLUMNs (recreate="never"): on SQLite a batch copy of a table would DROP the old one, and with
    # foreign keys on that cascade-deletes the rows that point at it (call_persons, flags).
    with op.batch_alter_table("premises", recreate="never") as batch:
        batch.add_column(sa.Column("street", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("number_low", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("number_high", sa.Integer(), nullable=True))
    op.create_index("ix_premises_street_range", "premises", ["street", "number_low"])
    with op.batch_alter_table("calls", recreate="never") as batch:
        batch.add_column(sa.Column("priority_level", sa.Integer(), nullable=True))


def _drop(table: str, name: str) -> None:
    if op.get_bind().dialect.name == "sqlite":  # SQLite 3.35+ drops a column in place: no table copy, no cascade
        op.execute(sa.text(f'ALTER TABLE {table} DROP COLUMN "{name}"'))
    else:
        op.drop_column(table, name)


def downgrade() -> None:
    _drop("calls", "priority_level")
    op.drop_index("ix_premises_street_range", table_name="premises")
    for name in _PREMISE_COLUMNS:
        _drop("premises", name)
