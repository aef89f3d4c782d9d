"""User settings: quote currency, price display and quiet hours per Telegram user.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user_settings",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("quote", sa.String(length=16), nullable=True),
        sa.Column("display", sa.String(length=16), nullable=True),
        sa.Column("quiet_start", sa.Integer(), nullable=True),
        sa.Column("quiet_end", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "display IN ('compact', 'detailed')", name=op.f("ck_user_settings_display")
        ),
        sa.CheckConstraint(
            "(quiet_start IS NULL AND quiet_end IS NULL) OR (quiet_start IS NOT NULL"
            " AND quiet_end IS NOT NULL AND quiet_start BETWEEN 0 AND 23"
            " AND quiet_end BETWEEN 0 AND 23 AND quiet_start <> quiet_end)",
            name=op.f("ck_user_settings_quiet_hours"),
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_settings")),
    )


def downgrade() -> None:
    op.drop_table("user_settings")
