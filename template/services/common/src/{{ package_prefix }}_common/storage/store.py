"""The `Storage` class: watchlists and price alerts over SQLAlchemy Core statements."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal, get_args

from sqlalchemy import (
    Connection,
    Engine,
    case,
    delete,
    insert,
    literal,
    null,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.dml import Update

from ..settings import CommonSettings
from ..symbols import normalize_symbol
from .engine import create_storage_engine, upgrade_to_head
from .models import PriceAlert, UTCDateTime, WatchlistEntry
from .rds_auth import login_password

# above/below a price, or a move up/down; either: a move either way (percent and ATR alerts).
Direction = Literal["above", "below", "either"]
DIRECTIONS: tuple[str, ...] = get_args(Direction)
Kind = Literal["price", "percent", "atr"]
KINDS: tuple[str, ...] = get_args(Kind)


@dataclass(frozen=True)
class Alert:
    """A price alert as the bot sees it (the columns are described on `PriceAlert`)."""

    id: int
    chat_id: int
    symbol: str
    direction: Direction
    price: Decimal
    created_at: datetime
    fired_at: datetime | None
    kind: Kind = "price"
    threshold: Decimal | None = None
    atr: Decimal | None = None
    window_seconds: int | None = None
    repeat_seconds: int | None = None
    armed: bool = True
    fire_count: int = 0
    last_fired_at: datetime | None = None


@dataclass(frozen=True)
class Firing:
    """One trigger of an alert that a worker wants to notify.

    It is claimed only while the alert's `fire_count` is still `fire_count` (the
    value this worker's check read), so a trigger is claimed once however many
    workers saw it. A repeating ATR alert starts again from `anchor` with `atr`
    (None: keep the old ATR).
    """

    alert_id: int
    fire_count: int = 0
    anchor: Decimal | None = None
    atr: Decimal | None = None


def _now() -> datetime:
    return datetime.now(UTC)


def _positive(name: str, value: Decimal | int | None) -> None:
    if value is None or not Decimal(value).is_finite() or value <= 0:
        raise ValueError(f"{name} must be a positive number, not {value}")


def _check_rule(
    kind: str,
    direction: str,
    threshold: Decimal | None,
    atr: Decimal | None,
    window_seconds: int | None,
) -> None:
    """ValueError unless the alert has what its kind needs (the table's `rule` check)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    allowed = DIRECTIONS[:2] if kind == "price" else DIRECTIONS
    if direction not in allowed:
        raise ValueError(f"direction must be one of {', '.join(allowed)}, not {direction!r}")
    if kind != "price":
        _positive("threshold", threshold)
    if kind == "percent":
        _positive("window_seconds", window_seconds)
    if kind == "atr":
        _positive("atr", atr)


_ALERT_COLUMNS = (
    PriceAlert.id,
    PriceAlert.chat_id,
    PriceAlert.symbol,
    PriceAlert.direction,
    PriceAlert.price,
    PriceAlert.created_at,
    PriceAlert.fired_at,
    PriceAlert.kind,
    PriceAlert.threshold,
    PriceAlert.atr,
    PriceAlert.window_seconds,
    PriceAlert.repeat_seconds,
    PriceAlert.armed,
    PriceAlert.fire_count,
    PriceAlert.last_fired_at,
)


class Storage:
    """Watchlists and price alerts in one database, migrated to head on first use."""

    def __init__(self, url: str, password: Callable[[], str] | None = None) -> None:
        self.url = url
        self.password = password
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: CommonSettings) -> Storage:
        """The database the settings name; with DATABASE_IAM_AUTH, logging in with RDS
        IAM authentication tokens."""
        return cls(settings.database_url, login_password(settings))

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    engine = create_storage_engine(self.url, self.password)
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
    def add_alert(
        self,
        chat_id: int,
        symbol: str,
        direction: str,
        price: Decimal,
        *,
        kind: str = "price",
        threshold: Decimal | None = None,
        atr: Decimal | None = None,
        window_seconds: int | None = None,
        repeat_seconds: int | None = None,
    ) -> Alert:
        """Store a pending alert and return it; ValueError when its values do not fit its kind.

        `price` is the price to cross (kind price), the price when set (percent), or the
        price ATR moves are measured from (atr). `repeat_seconds`: the cool-down of a
        repeating alert; None for a one-shot one.
        """
        _check_rule(kind, direction, threshold, atr, window_seconds)
        _positive("price", price)
        if repeat_seconds is not None:
            _positive("repeat_seconds", repeat_seconds)
        created = _now()
        alert = Alert(
            id=0,
            chat_id=chat_id,
            symbol=normalize_symbol(symbol),
            direction=direction,  # type: ignore[arg-type]
            price=Decimal(price),
            created_at=created,
            fired_at=None,
            kind=kind,  # type: ignore[arg-type]
            threshold=None if threshold is None else Decimal(threshold),
            atr=None if atr is None else Decimal(atr),
            window_seconds=window_seconds if kind == "percent" else None,
            repeat_seconds=repeat_seconds,
        )
        values = {
            column.key: getattr(alert, column.key)
            for column in _ALERT_COLUMNS
            if column.key not in ("id", "fired_at", "armed", "fire_count", "last_fired_at")
        }
        with self.engine.begin() as connection:
            result = connection.execute(insert(PriceAlert).values(**values))
            (alert_id,) = result.inserted_primary_key or (None,)
        if alert_id is None:
            raise RuntimeError("the database did not return the new alert's id")
        return dataclasses.replace(alert, id=int(alert_id))

    def _select_alerts(self, *conditions: object) -> list[Alert]:
        statement = (
            select(*_ALERT_COLUMNS)
            .where(PriceAlert.fired_at.is_(None), *conditions)  # type: ignore[arg-type]
            .order_by(PriceAlert.id)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(statement).all()
        return [Alert(**row._asdict()) for row in rows]

    def alerts(self, chat_id: int) -> list[Alert]:
        """The chat's pending alerts (one-shot ones not fired yet, and repeating ones), oldest
        first."""
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
        """Claim the next trigger of pending alert `alert_id`; True only for the one caller
        that won it (`claim_firings` for one alert, at the `fire_count` stored now)."""
        return alert_id in self.claim_alerts([alert_id], worker)

    def claim_alerts(self, alert_ids: Iterable[int], worker: str) -> set[int]:
        """Claim the next trigger of several pending alerts, each at the `fire_count` stored
        now; the ids this caller won. A check that decided from alerts it read passes
        what it read to `claim_firings` instead."""
        ids = sorted(set(alert_ids))
        if not ids:
            return set()
        current = select(PriceAlert.id, PriceAlert.fire_count).where(PriceAlert.id.in_(ids))
        with self.engine.connect() as connection:
            firings = [Firing(int(i), int(count)) for i, count in connection.execute(current)]
        return self.claim_firings(firings, worker)

    def claim_firings(
        self, firings: Iterable[Firing], worker: str, at: datetime | None = None
    ) -> set[int]:
        """Claim triggers of pending alerts in one transaction; the alert ids this caller won.

        Each claim is a conditional UPDATE (`fire_count` still the value the caller
        read, `fired_at IS NULL`) that the database runs atomically (PostgreSQL's
        row lock, SQLite's write lock), so however many replicas check at once,
        exactly one of them wins each trigger and sends. A one-shot alert gets
        `fired_at` and is done; a repeating one gets `last_fired_at` (`at`, the time
        of the check that decided, by default now), one more
        `fire_count` and is disarmed until its condition has been false again (an
        ATR alert is re-armed at once, from its new anchor). `claimed_by` records
        the winner (host:pid). On PostgreSQL the rows are locked in id order with
        SKIP LOCKED, so replicas claiming overlapping sets neither deadlock nor
        wait for each other (a row another replica holds is its to send).

        Delivery is at-most-once: the claim is committed before the message is
        sent, so a worker that dies between the claim and Telegram's answer loses
        that notification (the row keeps `claimed_by` for the post-mortem) and
        nothing sends it twice. We chose that over at-least-once (a lease that
        another replica takes over after a timeout) because sendMessage has no
        idempotency key: re-sending after a crash cannot tell "not sent" from
        "sent, answer lost", and a second "BTC crossed 70,000" minutes later is
        wrong information, while the window of loss is a few milliseconds per
        send. Flood limits (429) do not lose alerts: the bot's rate limiter waits
        them out and retries.
        """
        by_id = {firing.alert_id: firing for firing in firings}
        if not by_id:
            return set()
        now = at or _now()
        engine = self.engine
        with engine.begin() as connection:
            versions = self._lock_versions(connection, list(by_id.values()))
            if not engine.dialect.update_returning:  # SQLite before 3.35
                won = {
                    alert_id
                    for alert_id, count in versions
                    if connection.execute(_claim([(alert_id, count)], now, worker)).rowcount == 1
                }
            elif versions:
                claim = _claim(versions, now, worker).returning(PriceAlert.id)
                won = {int(alert_id) for alert_id in connection.scalars(claim)}
            else:
                won = set()
            _reanchor(connection, [by_id[alert_id] for alert_id in sorted(won)])
        return won

    def rearm_alerts(self, alerts: Iterable[Alert]) -> int:
        """Arm repeating alerts again (their condition was seen false); how many changed.

        Only an alert still at the `fire_count` read is re-armed, so a re-arm that
        arrives after another worker's claim cannot undo that claim's disarm.
        """
        versions = [Firing(alert.id, alert.fire_count) for alert in alerts]
        if not versions:
            return 0
        with self.engine.begin() as connection:
            locked = self._lock_versions(connection, versions)
            if not locked:
                return 0
            statement = (
                update(PriceAlert)
                .where(
                    tuple_(PriceAlert.id, PriceAlert.fire_count).in_(locked),
                    PriceAlert.fired_at.is_(None),
                    PriceAlert.armed.is_(False),
                )
                .values(armed=True)
            )
            return connection.execute(statement).rowcount

    def _lock_versions(
        self, connection: Connection, firings: list[Firing]
    ) -> list[tuple[int, int]]:
        """(id, fire_count) of the firings, in id order; on PostgreSQL only the rows this
        transaction could lock at that version (SKIP LOCKED)."""
        versions = sorted((firing.alert_id, firing.fire_count) for firing in firings)
        if connection.dialect.name != "postgresql":
            return versions
        lock = (
            select(PriceAlert.id, PriceAlert.fire_count)
            .where(tuple_(PriceAlert.id, PriceAlert.fire_count).in_(versions))
            .where(PriceAlert.fired_at.is_(None))
            .order_by(PriceAlert.id)
            .with_for_update(skip_locked=True)
        )
        return [(int(alert_id), int(count)) for alert_id, count in connection.execute(lock)]


def _claim(versions: list[tuple[int, int]], now: datetime, worker: str) -> Update:
    """The conditional UPDATE that claims the next trigger of these (id, fire_count)s."""
    return (
        update(PriceAlert)
        .where(
            tuple_(PriceAlert.id, PriceAlert.fire_count).in_(versions),
            PriceAlert.fired_at.is_(None),
        )
        .values(
            fired_at=case(
                (PriceAlert.repeat_seconds.is_(None), literal(now, UTCDateTime())), else_=null()
            ),
            last_fired_at=now,
            fire_count=PriceAlert.fire_count + 1,
            armed=False,
            claimed_by=worker,
        )
    )


def _reanchor(connection: Connection, won: list[Firing]) -> None:
    """Start the won repeating ATR alerts again from their new anchor (and ATR), armed."""
    for firing in won:
        if firing.anchor is None:
            continue
        values: dict[str, object] = {"price": firing.anchor, "armed": True}
        if firing.atr is not None:
            values["atr"] = firing.atr
        statement = (
            update(PriceAlert)
            .where(
                PriceAlert.id == firing.alert_id,
                PriceAlert.kind == "atr",
                PriceAlert.repeat_seconds.is_not(None),
            )
            .values(**values)
        )
        connection.execute(statement)
