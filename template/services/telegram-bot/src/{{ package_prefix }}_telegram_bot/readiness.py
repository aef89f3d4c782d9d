"""The bot's readiness: the database answers, market-data's /health answers, and the last
Telegram Bot API call succeeded. Each check is `{"ok": bool, ...}`, as market-data's are;
a failure names the error's class, never its text."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any, Protocol

from .models import ServiceHealth
from .telegram_calls import TelegramCalls

CHECK_TIMEOUT = 5.0  # seconds, per check; the checks run at the same time


class Database(Protocol):
    """What readiness needs of the storage: Storage provides it."""

    def ping(self) -> None:
        """Raise if the database cannot be reached."""


class HealthReporter(Protocol):
    """What readiness needs of market-data: MarketDataClient provides it."""

    async def health(self) -> ServiceHealth:
        """market-data's /health."""


def _milliseconds_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


@dataclass
class Readiness:
    """The checks of GET /readiness, over the bot's own database, market-data client and
    record of Bot API calls."""

    database: Database
    market_data: HealthReporter
    telegram: TelegramCalls
    timeout: float = CHECK_TIMEOUT

    async def checks(self) -> dict[str, dict[str, Any]]:
        """Every check by name: database, market_data, telegram."""
        database, market_data = await asyncio.gather(self._database(), self._market_data())
        return {"database": database, "market_data": market_data, "telegram": self.telegram.check()}

    async def _database(self) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            await asyncio.wait_for(asyncio.to_thread(self.database.ping), self.timeout)
        except Exception as error:  # any driver error means "not ready"; never leak its text
            return {"ok": False, "error": error.__class__.__name__}
        return {"ok": True, "latency_ms": _milliseconds_since(started)}

    async def _market_data(self) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            health = await asyncio.wait_for(self.market_data.health(), self.timeout)
        except Exception as error:  # down, timed out, 4xx/5xx or garbage: not ready
            return {"ok": False, "error": error.__class__.__name__}
        return {
            "ok": health.status == "ok",
            "status": health.status,
            "version": health.version,
            "latency_ms": _milliseconds_since(started),
        }
