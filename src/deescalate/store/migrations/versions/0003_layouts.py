"""Premises as street number ranges (block addresses), calls' priority on one scale.

Revision ID: 0003_layouts
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003_layouts"
down_revision: str | None = "0001"  # the integrator re-chains this after 0002_eido_incident
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    # batch mode, so the same steps run on SQLite (which cannot drop columns in place) and PostgreSQL
    with op.batch_alter_table("premises") as batch:
        batch.add_column(sa.Column("street", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("number_low", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("number_high", sa.Integer(), nullable=True))
        batch.create_index("ix_premises_street_range", ["street", "number_low"])
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("priority_level", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("priority_level")
    with op.batch_alter_table("premises") as batch:
        batch.drop_index("ix_premises_street_range")
        batch.drop_column("number_high")
        batch.drop_column("number_low")
        batch.drop_column("street")
