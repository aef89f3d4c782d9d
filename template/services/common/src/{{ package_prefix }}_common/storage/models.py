"""Tables, as SQLAlchemy 2 declarative models. Migrations live in `migrations/`."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    TypeDecorator,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out (SQLite stores naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware datetime to UTC for storage; refuse naive ones."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """The stored value as an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Price(TypeDecorator[Decimal]):
    """NUMERIC in the database, Decimal in Python, without SQLite's float warning."""

    impl = Numeric(30, 10)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """TEXT on SQLite (exact decimals), NUMERIC(30, 10) elsewhere."""
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String())
        return dialect.type_descriptor(Numeric(30, 10, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        """The Decimal as SQLite text, or unchanged for NUMERIC columns."""
        if value is None:
            return None
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        """The stored number as a Decimal without trailing zeros."""
        if value is None:
            return None
        number = Decimal(str(value)).normalize()  # 65000.1200000000 -> 65000.12
        return number.quantize(Decimal(1)) if number == number.to_integral_value() else number


# What each kind of price alert needs (migration 0003 creates the same constraint).
RULE_CHECK = (
    "(kind = 'price' AND direction IN ('above', 'below'))"
    " OR (kind = 'percent' AND COALESCE(threshold, 0) > 0 AND COALESCE(window_seconds, 0) > 0)"
    " OR (kind = 'atr' AND COALESCE(threshold, 0) > 0 AND COALESCE(atr, 0) > 0)"
)


class Base(DeclarativeBase):
    """Declarative base of the tables, with named constraints for Alembic."""

    metadata = MetaData(naming_convention=NAMING)


class WatchlistEntry(Base):
    """A symbol a chat watches (table `watchlist`)."""

    __tablename__ = "watchlist"
    __table_args__ = (PrimaryKeyConstraint("chat_id", "symbol"),)

    chat_id: Mapped[int] = mapped_column(BigInteger)
    symbol: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PriceAlert(Base):
    """An alert of `chat_id` on `symbol` (table `price_alerts`).

    `kind` price: the price is `direction` (above, below) `price`. percent: it moved
    `threshold` percent (`direction` above: up, below: down, either) within
    `window_seconds`; `price` is the price when the alert was set. atr: it moved
    `threshold` times `atr` from `price`, the price when the alert was set or last
    fired. `repeat_seconds` NULL: one-shot, done once `fired_at` is set. Otherwise the
    cool-down of a repeating alert, which stays pending (`fired_at` NULL), counts its
    notifications in `fire_count` and is `armed` again once its condition was false.
    """

    __tablename__ = "price_alerts"
    __table_args__ = (
        CheckConstraint("direction IN ('above', 'below', 'either')", name="direction"),
        CheckConstraint("kind IN ('price', 'percent', 'atr')", name="kind"),
        CheckConstraint(RULE_CHECK, name="rule"),
        Index("ix_price_alerts_pending", "fired_at", "chat_id"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    symbol: Mapped[str] = mapped_column(String(32))
    direction: Mapped[str] = mapped_column(String(8))
    price: Mapped[Decimal] = mapped_column(Price())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    kind: Mapped[str] = mapped_column(String(8), server_default="price")
    threshold: Mapped[Decimal | None] = mapped_column(Price(), nullable=True)
    atr: Mapped[Decimal | None] = mapped_column(Price(), nullable=True)
    window_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    repeat_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    armed: Mapped[bool] = mapped_column(Boolean, server_default=true())
    fire_count: Mapped[int] = mapped_column(Integer, server_default="0")
    last_fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ExperimentEvent(Base):
    """A/B test event (table `experiment_events`): a variant shown, or a conversion after it."""

    __tablename__ = "experiment_events"
    __table_args__ = (
        CheckConstraint("kind IN ('exposure', 'conversion')", name="kind"),
        Index("ix_experiment_events_subject", "experiment", "subject", "created_at"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    experiment: Mapped[str] = mapped_column(String(64))
    variant: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[int] = mapped_column(BigInteger)
    symbol: Mapped[str | None] = mapped_column(String(32), nullable=True)
    action: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class UserSetting(Base):
    """A user's preferences (table `user_settings`, keyed by Telegram user id, which is the
    chat id in a private chat). `quote`: the quote currency of a bare symbol (btc ->
    BTC-`quote`); `display`: compact or detailed prices, NULL to follow the A/B experiment
    and the flag; `quiet_start`/`quiet_end`: hours (UTC, 0-23) between which alerts wait,
    both NULL when there are no quiet hours."""

    __tablename__ = "user_settings"
    __table_args__ = (
        CheckConstraint("display IN ('compact', 'detailed')", name="display"),
        CheckConstraint(
            "(quiet_start IS NULL AND quiet_end IS NULL) OR (quiet_start IS NOT NULL"
            " AND quiet_end IS NOT NULL AND quiet_start BETWEEN 0 AND 23"
            " AND quiet_end BETWEEN 0 AND 23 AND quiet_start <> quiet_end)",
            name="quiet_hours",
        ),
    )

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    quote: Mapped[str | None] = mapped_column(String(16), nullable=True)
    display: Mapped[str | None] = mapped_column(String(16), nullable=True)
    quiet_start: Mapped[int | None] = mapped_column(Integer, nullable=True)
    quiet_end: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
