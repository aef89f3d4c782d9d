"""The `Storage` class: watchlists and price alerts over SQLAlchemy Core statements."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal, get_args

from sqlalchemy import Engine, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from ..symbols import normalize_symbol
from .engine import create_storage_engine, upgrade_to_head
from .models import PriceAlert, WatchlistEntry

Direction = Literal["above", "below"]
DIRECTIONS: tuple[str, ...] = get_args(Direction)


@dataclass(frozen=True)
class Alert:
    """A price alert as the bot sees it."""

    id: int
    chat_id: int
    symbol: str
    direction: Direction
    price: Decimal
    created_at: datetime
    fired_at: datetime | None


def _now() -> datetime:
    return datetime.now(UTC)


_ALERT_COLUMNS = (
    PriceAlert.id,
    PriceAlert.chat_id,
    PriceAlert.symbol,
    PriceAlert.direction,
    PriceAlert.price,
    PriceAlert.created_at,
    PriceAlert.fired_at,
)


class Storage:
    """Watchlists and price alerts in one database, migrated to head on first use."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    engine = create_storage_engine(self.url)
                    try:
                        upgrade_to_head(engine)
                    except Exception:
                        engine.dispose()
                        raise
                    self._engine = engine
        return self._engine

    def close(self) -> None:
        """Dispose of the connection pool; the next call reconnects."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def ping(self) -> None:
        """Raise if the database cannot be reached (or migrated)."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    # ------------------------------------------------------------ watchlist
    def add_watch(self, chat_id: int, symbol: str) -> bool:
        """Watch `symbol` in `chat_id`; False when it was already watched."""
        statement = insert(WatchlistEntry).values(
            chat_id=chat_id, symbol=normalize_symbol(symbol), created_at=_now()
        )
        try:
            with self.engine.begin() as connection:
                connection.execute(statement)
        except IntegrityError:
            return False
        return True

    def remove_watch(self, chat_id: int, symbol: str) -> bool:
        """Stop watching `symbol` in `chat_id`; False when it was not watched."""
        statement = delete(WatchlistEntry).where(
            WatchlistEntry.chat_id == chat_id, WatchlistEntry.symbol == normalize_symbol(symbol)
        )
        with self.engine.begin() as connection:
            return connection.execute(statement).rowcount > 0

    def watchlist(self, chat_id: int) -> list[str]:
        """The chat's watched symbols, in the order they were added."""
        statement = (
            select(WatchlistEntry.symbol)
            .where(WatchlistEntry.chat_id == chat_id)
            .order_by(WatchlistEntry.created_at, WatchlistEntry.symbol)
        )
        with self.engine.connect() as connection:
            return list(connection.scalars(statement))

    # --------------------------------------------------------------- alerts
    def add_alert(self, chat_id: int, symbol: str, direction: str, price: Decimal) -> Alert:
        """Store a pending alert and return it; ValueError for a bad direction or price."""
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}")
        price = Decimal(price)
        if not price.is_finite() or price <= 0:
            raise ValueError(f"price must be a positive number, not {price}")
        created = _now()
        values = {
            "chat_id": chat_id,
            "symbol": normalize_symbol(symbol),
            "direction": direction,
            "price": price,
            "created_at": created,
        }
        with self.engine.begin() as connection:
            result = connection.execute(insert(PriceAlert).values(**values))
            (alert_id,) = result.inserted_primary_key or (None,)
        if alert_id is None:
            raise RuntimeError("the database did not return the new alert's id")
        return Alert(
            id=int(alert_id),
            chat_id=chat_id,
            symbol=str(values["symbol"]),
            direction=direction,  # type: ignore[arg-type]
            price=price,
            created_at=created,
            fired_at=None,
        )

    def _select_alerts(self, *conditions: object) -> list[Alert]:
        statement = (
            select(*_ALERT_COLUMNS)
            .where(PriceAlert.fired_at.is_(None), *conditions)  # type: ignore[arg-type]
            .order_by(PriceAlert.id)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(statement).all()
        return [
            Alert(
                id=row.id,
                chat_id=row.chat_id,
                symbol=row.symbol,
                direction="above" if row.direction == "above" else "below",
                price=row.price,
                created_at=row.created_at,
                fired_at=row.fired_at,
            )
            for row in rows
        ]

    def alerts(self, chat_id: int) -> list[Alert]:
        """The chat's pending (not yet fired) alerts, oldest first."""
        return self._select_alerts(PriceAlert.chat_id == chat_id)

    def pending_alerts(self) -> list[Alert]:
        """Every chat's pending alerts, oldest first."""
        return self._select_alerts()

    def remove_alert(self, chat_id: int, alert_id: int) -> bool:
        """Delete the chat's alert `alert_id`; False when the chat has no such alert."""
        statement = delete(PriceAlert).where(
            PriceAlert.id == alert_id, PriceAlert.chat_id == chat_id
        )
        with self.engine.begin() as connection:
            return connection.execute(statement).rowcount > 0

    def claim_alert(self, alert_id: int, worker: str) -> bool:
        """Mark the alert fired; True only for the one caller whose update hit the row."""
        statement = (
            update(PriceAlert)
            .where(PriceAlert.id == alert_id, PriceAlert.fired_at.is_(None))
            .values(fired_at=_now(), claimed_by=worker)
        )
        with self.engine.begin() as connection:
            return connection.execute(statement).rowcount == 1
