"""The provider protocol and its errors. A provider knows one source of market data."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Protocol

from ..market import Candle, Ticker


class ProviderError(Exception):
    """Base class of what a provider raises on purpose."""


class UnknownSymbolError(ProviderError):
    """The source does not list this symbol; `str()` says what it does accept.

    `suggestions` are close matches among the symbols the source knows (may be empty).
    """

    def __init__(self, symbol: str, detail: str, suggestions: Sequence[str] = ()) -> None:
        super().__init__(detail)
        self.symbol = symbol
        self.detail = detail
        self.suggestions = tuple(suggestions)


def close_symbols(symbol: str, known: Iterable[str], count: int = 3) -> list[str]:
    """Known symbols close to `symbol`: a similar base with the same quote, then the same
    base with a similar quote (BTCC-USDT -> BTC-USDT, ETH-EURO -> ETH-EUR)."""
    base, _, quote = symbol.partition("-")
    by_base: dict[str, str] = {}
    by_quote: dict[str, str] = {}
    for candidate in known:
        other_base, _, other_quote = candidate.partition("-")
        if other_quote == quote:
            by_base[other_base] = candidate
        if other_base == base:
            by_quote[other_quote] = candidate
    found = [by_base[b] for b in difflib.get_close_matches(base, by_base, count, 0.6)]
    found += [by_quote[q] for q in difflib.get_close_matches(quote, by_quote, count, 0.6)]
    return found[:count]


class UpstreamError(ProviderError):
    """The source failed after bounded retries. `reason` is a short metric label:
    timeout, unreachable, rate_limited, server_error, forbidden, bad_request or malformed."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class MarketDataProvider(Protocol):
    """What the service needs from a source of market data."""

    @property
    def name(self) -> str:
        """Shown as `source` in responses (sample, binance, okx)."""
        ...

    async def ticker(self, symbol: str) -> Ticker:
        """Last price and 24h change of `symbol` (canonical BASE-QUOTE)."""
        ...

    async def candles(self, symbol: str, interval: str, limit: int) -> list[Candle]:
        """The newest `limit` closed candles, oldest first (fewer if the market is younger)."""
        ...

    async def ping(self) -> None:
        """Raise `UpstreamError` if the source cannot be reached."""
        ...

    async def aclose(self) -> None:
        """Release the provider's connections."""
        ...
