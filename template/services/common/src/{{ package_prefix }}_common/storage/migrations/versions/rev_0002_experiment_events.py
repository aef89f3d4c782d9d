"""Experiment events: A/B test exposures and conversions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "experiment_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("experiment", sa.String(length=64), nullable=False),
        sa.Column("variant", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.BigInteger(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('exposure', 'conversion')", name="ck_experiment_events_kind"),
        sa.PrimaryKeyConstraint("id", name="pk_experiment_events"),
    )
    op.create_index(
        "ix_experiment_events_subject",
        "experiment_events",
        ["experiment", "subject", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_experiment_events_subject", table_name="experiment_events")
    op.drop_table("experiment_events")
