"""The provider protocol and its errors. A provider knows one source of market data."""

from __future__ import annotations

from typing import Protocol

from ..market import Candle, Ticker


class ProviderError(Exception):
    """Base class of what a provider raises on purpose."""


class UnknownSymbolError(ProviderError):
    """The source does not list this symbol; `str()` says what it does accept."""

    def __init__(self, symbol: str, detail: str) -> None:
        super().__init__(detail)
        self.symbol = symbol
        self.detail = detail


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
