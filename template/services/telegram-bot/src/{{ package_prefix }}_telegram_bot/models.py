"""What the bot reads from market-data, as plain values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class PriceQuote:
    """A symbol's latest price and 24h change, and whether market-data served it stale."""

    symbol: str
    price: Decimal
    change_24h_pct: Decimal
    timestamp: str
    source: str
    stale: bool = False
    age_seconds: float | None = None


@dataclass(frozen=True)
class AtrReading:
    """ATR of a symbol over `period` candles of `interval`, absolute and in % of the price,
    and the market-data provider it came from (`source`)."""

    symbol: str
    interval: str
    period: int
    atr: Decimal
    atr_pct: Decimal
    source: str = ""


@dataclass(frozen=True)
class Candle:
    """One closed OHLCV candle; `open_time` is the start of its interval."""

    open_time: datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal


@dataclass(frozen=True)
class CandleSeries:
    """The latest closed candles of `symbol` on one `interval`, oldest first, and the
    market-data provider they came from (`source`)."""

    symbol: str
    interval: str
    candles: tuple[Candle, ...]
    source: str = ""


@dataclass(frozen=True)
class ServiceHealth:
    """market-data's answer to /health."""

    status: str
    version: str
    environment: str
