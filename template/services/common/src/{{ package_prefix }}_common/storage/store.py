"""The `Storage` class: watchlists and price alerts over SQLAlchemy Core statements."""

from __future__ import annotations

import threading
from collections.abc import Iterable
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
        """Mark the alert fired; True only for the one caller whose update hit the row.

        The UPDATE is conditional (`fired_at IS NULL`) and the database runs it
        atomically (PostgreSQL's row lock, SQLite's write lock), so however many
        replicas check at once, exactly one of them gets rowcount 1 and sends.

        Delivery is at-most-once: the claim is committed before the message is
        sent, so a worker that dies between the claim and Telegram's answer loses
        that notification (the row keeps `fired_at` and `claimed_by`, the worker's
        host:pid, for the post-mortem) and nothing sends it twice. We chose that
        over at-least-once (a lease that another replica takes over after a
        timeout) because sendMessage has no idempotency key: re-sending after a
        crash cannot tell "not sent" from "sent, answer lost", and a second
        "BTC crossed 70,000" minutes later is wrong information, while the window
        of loss is a few milliseconds per send. Flood limits (429) do not lose
        alerts: the bot's rate limiter waits them out and retries.
        """
        statement = (
            update(PriceAlert)
            .where(PriceAlert.id == alert_id, PriceAlert.fired_at.is_(None))
            .values(fired_at=_now(), claimed_by=worker)
        )
        with self.engine.begin() as connection:
            return connection.execute(statement).rowcount == 1

    def claim_alerts(self, alert_ids: Iterable[int], worker: str) -> set[int]:
        """Claim several alerts in one transaction; the ids this caller won.

        Same semantics as `claim_alert`, one round trip for a whole check. On
        PostgreSQL the rows are locked in id order with SKIP LOCKED, so replicas
        claiming overlapping sets neither deadlock nor wait for each other (a row
        another replica holds is its to send); elsewhere one UPDATE ... RETURNING
        under the database's write lock decides.
        """
        ids = sorted(set(alert_ids))
        if not ids:
            return set()
        engine = self.engine
        if not engine.dialect.update_returning:  # SQLite before 3.35
            return {alert_id for alert_id in ids if self.claim_alert(alert_id, worker)}
        pending = (PriceAlert.id.in_(ids), PriceAlert.fired_at.is_(None))
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                lock = (
                    select(PriceAlert.id)
                    .where(*pending)
                    .order_by(PriceAlert.id)
                    .with_for_update(skip_locked=True)
                )
                ids = list(connection.scalars(lock))
                if not ids:
                    return set()
            statement = (
                update(PriceAlert)
                .where(PriceAlert.id.in_(ids), PriceAlert.fired_at.is_(None))
                .values(fired_at=_now(), claimed_by=worker)
                .returning(PriceAlert.id)
            )
            return {int(alert_id) for alert_id in connection.scalars(statement)}
