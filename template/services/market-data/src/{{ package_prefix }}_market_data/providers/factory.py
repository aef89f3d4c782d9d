"""Choose the provider from settings."""

from __future__ import annotations

import time
from collections.abc import Callable

from ..settings import MarketDataSettings
from .base import MarketDataProvider
from .exchange import ExchangeProvider
from .sample import SampleProvider


def create_provider(
    settings: MarketDataSettings, clock: Callable[[], float] = time.time
) -> MarketDataProvider:
    """The exchange provider when MARKET_DATA_PROVIDER=exchange, the sample provider otherwise."""
    if settings.market_data_provider == "exchange":
        return ExchangeProvider(
            settings.exchange_id,
            base_url=settings.exchange_base_url or None,
            timeout=settings.market_data_upstream_timeout,
            retries=settings.market_data_upstream_retries,
            clock=clock,
        )
    return SampleProvider(extra_symbols=settings.symbols, clock=clock)
