"""Offline synthetic market: deterministic prices that move like a real market.

The log-price of a symbol is a sum of 17 octaves of smooth value noise, with
lattice spacings from 1 minute to about 45 days and amplitudes growing with the
square root of the spacing (as in a random walk), seeded by the symbol. A price
at time t is therefore a pure function of (symbol, t): candles of any interval
agree with each other and with /v1/price, and closed candles are identical across
calls, processes and machines. Wicks and volume are seeded per symbol, interval
and candle. Levels are plausible (BTC-USDT tens of thousands, ETH-USDT thousands).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..market import INTERVALS, MINUTE_MS, Candle, Ticker, last_closed_open_time
from .base import UnknownSymbolError, close_symbols

DAY_MS = 1440 * MINUTE_MS
OCTAVES = 17
_MASK = (1 << 64) - 1


@dataclass(frozen=True)
class Asset:
    """Reference level, volatility and volume the sample prices of one base asset follow."""

    usd: float  # reference price in US dollars
    daily_vol: float  # typical daily log-return standard deviation
    daily_volume: float  # typical daily volume, in units of the asset


ASSETS: dict[str, Asset] = {
    "BTC": Asset(65_000.0, 0.028, 22_000.0),
    "ETH": Asset(3_200.0, 0.034, 330_000.0),
    "SOL": Asset(150.0, 0.048, 3_200_000.0),
    "BNB": Asset(580.0, 0.030, 450_000.0),
    "XRP": Asset(0.55, 0.040, 800_000_000.0),
    "ADA": Asset(0.45, 0.042, 450_000_000.0),
    "DOGE": Asset(0.14, 0.055, 2_500_000_000.0),
    "AVAX": Asset(30.0, 0.050, 6_000_000.0),
    "DOT": Asset(6.5, 0.045, 12_000_000.0),
    "LINK": Asset(15.0, 0.045, 9_000_000.0),
    "LTC": Asset(80.0, 0.036, 1_300_000.0),
    "TRX": Asset(0.12, 0.025, 900_000_000.0),
    "TON": Asset(5.5, 0.045, 20_000_000.0),
    "ATOM": Asset(7.0, 0.045, 8_000_000.0),
    "NEAR": Asset(5.0, 0.055, 25_000_000.0),
    "PEPE": Asset(0.000010, 0.070, 9_000_000_000_000.0),
}

# Quote currencies and their value in US dollars.
QUOTES: dict[str, float] = {
    "USDT": 1.0, "USDC": 1.0, "FDUSD": 1.0, "USD": 1.0,
    "EUR": 1.08, "BTC": 65_000.0, "ETH": 3_200.0,
}  # fmt: skip
# Every BASE-QUOTE pair of the two tables.
TABLE_MARKETS = frozenset(f"{b}-{q}" for b in ASSETS for q in QUOTES if b != q)


def _seed(*parts: str) -> int:
    digest = hashlib.blake2b("|".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _mix(value: int) -> int:
    """SplitMix64 finaliser: a well-spread 64-bit hash of an integer."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


def _unit(seed: int, index: int) -> float:
    """Uniform in [0, 1) from (seed, index)."""
    return _mix((seed * 0x100000001B3 + index) & _MASK) / 18446744073709551616.0


@dataclass(frozen=True)
class _Path:
    symbol: str
    level: float
    daily_vol: float
    daily_volume: float
    decimals: int
    seeds: tuple[int, ...]
    amplitudes: tuple[float, ...]

    @classmethod
    def create(cls, symbol: str, level: float, daily_vol: float, daily_volume: float) -> _Path:
        seeds = tuple(_seed("sample-path", symbol, str(k)) for k in range(OCTAVES))
        # Value noise changes by ~0.8 per lattice step; the octaves add up to about
        # 2.2x one octave's variance, hence the 0.55 factor.
        amplitudes = tuple(
            daily_vol * math.sqrt((MINUTE_MS << k) / DAY_MS) * 0.55 / 0.816 for k in range(OCTAVES)
        )
        decimals = max(0, 6 - math.floor(math.log10(level)))
        return cls(symbol, level, daily_vol, daily_volume, decimals, seeds, amplitudes)

    def price(self, t_ms: int) -> float:
        total = 0.0
        for k in range(OCTAVES):
            step = MINUTE_MS << k
            index, rest = divmod(t_ms, step)
            seed = self.seeds[k]
            a = _unit(seed, index) * 2.0 - 1.0
            if rest:
                b = _unit(seed, index + 1) * 2.0 - 1.0
                f = rest / step
                a += (b - a) * f * f * (3.0 - 2.0 * f)
            total += self.amplitudes[k] * a
        return self.level * math.exp(total)

    def round(self, value: float) -> float:
        return round(value, self.decimals)


class SampleProvider:
    """Deterministic synthetic OHLCV and tickers; no network, no state."""

    def __init__(
        self, extra_symbols: Iterable[str] = (), clock: Callable[[], float] = time.time
    ) -> None:
        self._extra = frozenset(extra_symbols)
        self._clock = clock
        self._paths: dict[str, _Path] = {}

    @property
    def name(self) -> str:
        return "sample"

    def supports(self, symbol: str) -> bool:
        """Whether the sample provider makes up prices for `symbol`."""
        return symbol in self._extra or symbol in TABLE_MARKETS

    def markets(self) -> list[str]:
        """Every symbol the sample provider makes up prices for."""
        return sorted(TABLE_MARKETS | self._extra)

    def _path(self, symbol: str) -> _Path:
        path = self._paths.get(symbol)
        if path is not None:
            return path
        if not self.supports(symbol):
            close = close_symbols(symbol, self.markets())
            hint = f" (close: {', '.join(close)})" if close else ""
            others = sorted(self._extra - TABLE_MARKETS)
            raise UnknownSymbolError(
                symbol,
                f"{symbol} is not a sample market{hint}; the sample provider knows the bases "
                f"{', '.join(ASSETS)} quoted in {', '.join(QUOTES)}"
                + (f", and {', '.join(others)}" if others else ""),
                close,
            )
        base, _, quote = symbol.partition("-")
        asset = ASSETS.get(base)
        quote_usd = QUOTES.get(quote, 1.0)
        if asset is None:  # a configured symbol the table does not know: a made-up level
            level = 10 ** (_unit(_seed("sample-level", symbol), 0) * 5 - 2) / quote_usd
            asset = Asset(level * quote_usd, 0.05, 50_000_000 / max(level * quote_usd, 1e-6))
        vol = asset.daily_vol if quote not in ASSETS else math.hypot(asset.daily_vol, 0.03)
        path = _Path.create(symbol, asset.usd / quote_usd, vol, asset.daily_volume)
        self._paths[symbol] = path
        return path

    async def ticker(self, symbol: str) -> Ticker:
        """The synthetic price of `symbol` now and its change over the last 24 hours."""
        path = self._path(symbol)
        now_ms = int(self._clock() * 1000)
        price = path.price(now_ms)
        day_ago = path.price(now_ms - DAY_MS)
        return Ticker(
            symbol=symbol,
            price=path.round(price),
            change_24h_pct=(price / day_ago - 1.0) * 100.0,
            timestamp_ms=now_ms,
        )

    async def candles(self, symbol: str, interval: str, limit: int) -> list[Candle]:
        """The newest `limit` closed candles, oldest first (see `history`)."""
        return self.history(symbol, interval, limit)

    def history(self, symbol: str, interval: str, limit: int) -> list[Candle]:
        """The newest `limit` closed candles at the clock's time (the synchronous form)."""
        path = self._path(symbol)
        step = INTERVALS[interval]
        newest = last_closed_open_time(int(self._clock() * 1000), interval)
        first = newest - (limit - 1) * step
        return candles_between(path, interval, first, newest)

    async def ping(self) -> None:
        """Always succeeds: the sample provider has no upstream."""
        return None

    async def aclose(self) -> None:
        """Nothing to release."""
        return None


def candles_between(path: _Path, interval: str, first: int, last: int) -> list[Candle]:
    """Candles of `path` opening at `first`, `first + step`, ..., `last` (inclusive)."""
    step = INTERVALS[interval]
    candle_vol = path.daily_vol * math.sqrt(step / DAY_MS)
    candle_volume = path.daily_volume * step / DAY_MS
    seed = _seed("sample-candle", path.symbol, interval)
    candles: list[Candle] = []
    open_price = path.price(first)
    for open_time in range(first, last + 1, step):
        close_price = path.price(open_time + step)
        index = open_time // step
        up = candle_vol * (0.05 + 0.6 * _unit(seed, 3 * index) ** 2)
        down = candle_vol * (0.05 + 0.6 * _unit(seed, 3 * index + 1) ** 2)
        move = abs(math.log(close_price / open_price)) / candle_vol
        noise = 0.6 + 0.8 * _unit(seed, 3 * index + 2)
        candles.append(
            Candle(
                open_time=open_time,
                open=path.round(open_price),
                high=path.round(max(open_price, close_price) * math.exp(up)),
                low=path.round(min(open_price, close_price) * math.exp(-down)),
                close=path.round(close_price),
                volume=round(candle_volume * noise * (0.7 + 0.6 * move), 4),
            )
        )
        open_price = close_price
    return candles
