"""Alert kinds: percent moves within a window, ATR moves, and repeating alerts.

Existing rows become one-shot price alerts (kind 'price', armed, fired 0 times)
and keep working. Downgrading deletes the percent and ATR alerts, which the old
schema cannot hold, and turns repeating price alerts into one-shot ones.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-10 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RULE = (
    "(kind = 'price' AND direction IN ('above', 'below'))"
    " OR (kind = 'percent' AND COALESCE(threshold, 0) > 0 AND COALESCE(window_seconds, 0) > 0)"
    " OR (kind = 'atr' AND COALESCE(threshold, 0) > 0 AND COALESCE(atr, 0) > 0)"
)


def upgrade() -> None:
    # Batch mode: SQLite cannot alter a CHECK constraint in place, so it copies the table.
    with op.batch_alter_table("price_alerts") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=8), nullable=False, server_default="price")
        )
        batch.add_column(sa.Column("threshold", sa.Numeric(precision=30, scale=10)))
        batch.add_column(sa.Column("atr", sa.Numeric(precision=30, scale=10)))
        batch.add_column(sa.Column("window_seconds", sa.Integer()))
        batch.add_column(sa.Column("repeat_seconds", sa.Integer()))
        batch.add_column(sa.Column("armed", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("fire_count", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_fired_at", sa.DateTime(timezone=True)))
        # Names go through the models' naming convention, as in 0001: 0001's full name
        # "ck_price_alerts_direction" became ck_price_alerts_ck_price_alerts_direction, and
        # "direction" becomes ck_price_alerts_direction, the name the models give it.
        batch.drop_constraint("ck_price_alerts_direction", type_="check")
        batch.create_check_constraint("direction", "direction IN ('above', 'below', 'either')")
        batch.create_check_constraint("kind", "kind IN ('price', 'percent', 'atr')")
        batch.create_check_constraint("rule", RULE)


def downgrade() -> None:
    op.execute("DELETE FROM price_alerts WHERE kind <> 'price'")
    with op.batch_alter_table("price_alerts") as batch:
        batch.drop_constraint("rule", type_="check")
        batch.drop_constraint("kind", type_="check")
        batch.drop_constraint("direction", type_="check")
        batch.create_check_constraint(
            "ck_price_alerts_direction", "direction IN ('above', 'below')"
        )
        for column in (
            "last_fired_at",
            "fire_count",
            "armed",
            "repeat_seconds",
            "window_seconds",
            "atr",
            "threshold",
            "kind",
        ):
            batch.drop_column(column)
