"""Sources of market data behind one protocol (`MarketDataProvider`)."""

from .base import MarketDataProvider, ProviderError, UnknownSymbolError, UpstreamError

__all__ = ["MarketDataProvider", "ProviderError", "UnknownSymbolError", "UpstreamError"]
