"""Briefings and practice in the web application: stored briefings with reviewable points, training sessions
with their turns.

New tables only: nothing existing is altered, so no SQLite table copy (which, with foreign keys on, would
cascade-delete the rows pointing at the copied table).

Revision ID: 0006_web_briefing_training
Revises: 0005_jobs
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006_web_briefing_training"
down_revision: str | None = "0005_jobs"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    op.create_table(
        "briefings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("call_number", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_name", sa.String(length=255), nullable=False),
        sa.Column("stored", sa.JSON(), nullable=False),
        sa.Column("briefing", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_briefings_call_id", "briefings", ["call_id"])
    op.create_index("ix_briefings_call_number", "briefings", ["call_number"])
    op.create_index("ix_briefings_created_at", "briefings", ["created_at"])
    op.create_table(
        "briefing_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("briefing_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("rule", sa.String(length=120), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["briefing_id"], ["briefings.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_briefing_points_briefing_id", "briefing_points", ["briefing_id"])
    op.create_table(
        "briefing_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(length=80), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["point_id"], ["briefing_points.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_briefing_reviews_point_id", "briefing_reviews", ["point_id"])
    op.create_table(
        "training_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trainee", sa.String(length=80), nullable=False),
        sa.Column("scenario", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ending", sa.String(length=32), nullable=True),
        sa.Column("debrief", sa.JSON(), nullable=True),
        sa.Column("plot_svg", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_training_sessions_trainee", "training_sessions", ["trainee"])
    op.create_index("ix_training_sessions_created_at", "training_sessions", ["created_at"])
    op.create_table(
        "training_turns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["training_sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "number", name="uq_training_turns_session_number"),
    )


def downgrade() -> None:
    op.drop_table("training_turns")
    op.drop_index("ix_training_sessions_created_at", table_name="training_sessions")
    op.drop_index("ix_training_sessions_trainee", table_name="training_sessions")
    op.drop_table("training_sessions")
    op.drop_index("ix_briefing_reviews_point_id", table_name="briefing_reviews")
    op.drop_table("briefing_reviews")
    op.drop_index("ix_briefing_points_briefing_id", table_name="briefing_points")
    op.drop_table("briefing_points")
    op.drop_index("ix_briefings_created_at", table_name="briefings")
    op.drop_index("ix_briefings_call_number", table_name="briefings")
    op.drop_index("ix_briefings_call_id", table_name="briefings")
    op.drop_table("briefings")
