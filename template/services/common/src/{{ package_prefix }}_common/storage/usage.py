"""How much the bot is used, for its operators: chats, watchlists and alerts by kind."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import distinct, func, select, union

from .models import PriceAlert, WatchlistEntry
from .store import KINDS, Storage


@dataclass(frozen=True)
class UsageCounts:
    """Chats that watch a symbol or have an alert, watchlist entries and their chats,
    pending alerts by kind (every kind, 0 when none) and how many of them repeat, and the
    one-shot alerts that fired."""

    chats: int
    watching_chats: int
    watchlist_entries: int
    pending_alerts: dict[str, int]
    repeating_alerts: int
    fired_alerts: int


def usage_counts(storage: Storage) -> UsageCounts:
    """Count what `storage` holds, in one connection."""
    chats = union(select(WatchlistEntry.chat_id), select(PriceAlert.chat_id)).subquery()
    pending_by_kind = (
        select(PriceAlert.kind, func.count())
        .where(PriceAlert.fired_at.is_(None))
        .group_by(PriceAlert.kind)
    )
    with storage.engine.connect() as connection:
        chat_count = connection.scalar(select(func.count()).select_from(chats))
        watching, entries = connection.execute(
            select(func.count(distinct(WatchlistEntry.chat_id)), func.count())
        ).one()
        pending = {str(kind): int(count) for kind, count in connection.execute(pending_by_kind)}
        fired = connection.scalar(select(func.count()).where(PriceAlert.fired_at.is_not(None)))
        repeating = connection.scalar(
            select(func.count()).where(
                PriceAlert.fired_at.is_(None), PriceAlert.repeat_seconds.is_not(None)
            )
        )
    return UsageCounts(
        chats=int(chat_count or 0),
        watching_chats=int(watching),
        watchlist_entries=int(entries),
        pending_alerts={kind: pending.get(kind, 0) for kind in (*KINDS, *sorted(pending))},
        repeating_alerts=int(repeating or 0),
        fired_alerts=int(fired or 0),
    )
