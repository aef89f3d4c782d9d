"""Market values the service passes around: candles, tickers, intervals. No framework."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MINUTE_MS = 60_000

Interval = Literal["1m", "5m", "15m", "30m", "1h", "4h", "1d"]

# Length of each supported interval in milliseconds (the keys are `Interval`'s values).
INTERVALS: dict[str, int] = {
    "1m": MINUTE_MS,
    "5m": 5 * MINUTE_MS,
    "15m": 15 * MINUTE_MS,
    "30m": 30 * MINUTE_MS,
    "1h": 60 * MINUTE_MS,
    "4h": 240 * MINUTE_MS,
    "1d": 1440 * MINUTE_MS,
}


@dataclass(frozen=True, slots=True)
class Candle:
    """One OHLCV candle; `open_time` is the start of the interval in epoch milliseconds (UTC)."""

    open_time: int
    open: float
    high: float
    low: float
    close: float
    volume: float


@dataclass(frozen=True, slots=True)
class Ticker:
    """The last traded price and its change over the last 24 hours, in percent."""

    symbol: str
    price: float
    change_24h_pct: float
    timestamp_ms: int


def interval_ms(interval: str) -> int:
    """Length of `interval` in milliseconds; KeyError for an unsupported one."""
    return INTERVALS[interval]


def last_closed_open_time(now_ms: int, interval: str) -> int:
    """Open time of the newest candle that has closed at `now_ms`."""
    step = INTERVALS[interval]
    return (now_ms // step) * step - step
