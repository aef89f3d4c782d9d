"""Real market data from an exchange's public REST API (no key), over httpx.

Each request has a timeout; timeouts, connection errors, HTTP 429/418 and 5xx
are retried a bounded number of times with exponential backoff and jitter
(a `Retry-After` longer than the backoff cap is not waited for: the caller
serves its cached value instead).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from ..market import INTERVALS, Candle, Ticker
from .base import UpstreamError
from .exchanges import EXCHANGES, Exchange

MAX_BACKOFF = 2.0
_RETRIED = ("timeout", "unreachable", "rate_limited", "server_error")


class ExchangeProvider:
    """Market data from one exchange's public REST API, with bounded retries and backoff."""

    def __init__(
        self,
        exchange_id: str,
        *,
        base_url: str | None = None,
        timeout: float = 5.0,
        retries: int = 2,
        backoff: float = 0.25,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if exchange_id not in EXCHANGES:
            raise ValueError(f"exchange must be one of {', '.join(EXCHANGES)}, not {exchange_id!r}")
        self.exchange: Exchange = EXCHANGES[exchange_id]
        self._retries = max(0, retries)
        self._backoff = backoff
        self._clock = clock
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            base_url=base_url or self.exchange.base_url,
            timeout=httpx.Timeout(timeout),
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "market-data/1"},
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
        )

    @property
    def name(self) -> str:
        return self.exchange.name

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._http.aclose()

    def _delay(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait before the next attempt, or None to give up now."""
        jitter = 0.5 + random.random() / 2  # noqa: S311 - jitter, not cryptography
        delay: float = min(MAX_BACKOFF, self._backoff * 2**attempt) * jitter
        if retry_after is not None:
            if retry_after > MAX_BACKOFF:
                return None
            delay = max(delay, retry_after)
        return delay

    async def _get(self, symbol: str, path: str, params: dict[str, str | int]) -> Any:
        attempt = 0
        while True:
            retry_after: float | None = None
            try:
                response = await self._http.get(path, params=params)
            except httpx.TimeoutException:
                error = UpstreamError("timeout", f"{self.name} did not answer in time")
            except httpx.TransportError as exc:
                error = UpstreamError("unreachable", f"{self.name}: {exc.__class__.__name__}")
            else:
                status = response.status_code
                if status in (418, 429):
                    error = UpstreamError("rate_limited", f"{self.name} answered HTTP {status}")
                    retry_after = _seconds(response.headers.get("Retry-After"))
                elif status in (403, 451):
                    raise UpstreamError(
                        "forbidden",
                        f"{self.name} refuses requests from here (HTTP {status}); "
                        "EXCHANGE_BASE_URL can point at another endpoint",
                    )
                elif status >= 500:
                    error = UpstreamError("server_error", f"{self.name} answered HTTP {status}")
                else:
                    try:
                        payload = response.json()
                    except ValueError:
                        raise UpstreamError("malformed", f"{self.name} sent invalid JSON") from None
                    if status >= 400:
                        self.exchange.check_error(symbol, status, payload)
                    return payload
            delay = self._delay(attempt, retry_after) if attempt < self._retries else None
            if error.reason not in _RETRIED or delay is None:
                raise error
            attempt += 1
            await self._sleep(delay)

    async def ticker(self, symbol: str) -> Ticker:
        """Last price and 24h change of `symbol` from the exchange's ticker endpoint."""
        path, params = self.exchange.ticker_request(symbol)
        payload = await self._get(symbol, path, params)
        return self.exchange.parse_ticker(symbol, payload)

    async def candles(self, symbol: str, interval: str, limit: int) -> list[Candle]:
        """The newest `limit` closed candles, oldest first, paging back as the exchange requires."""
        step = INTERVALS[interval]
        now_ms = int(self._clock() * 1000)
        by_time: dict[int, Candle] = {}
        before: int | None = None
        wanted = limit + 1  # the newest row is usually the candle still open
        while True:
            page = min(self.exchange.max_page, wanted)
            path, params = self.exchange.candles_request(symbol, interval, page, before)
            rows = self.exchange.parse_candles(symbol, await self._get(symbol, path, params))
            for candle in rows:
                if candle.open_time + step <= now_ms:
                    by_time[candle.open_time] = candle
            if len(by_time) >= limit or len(rows) < page or not rows:
                break
            before = min(candle.open_time for candle in rows)
            wanted = limit - len(by_time)
        return [by_time[key] for key in sorted(by_time)][-limit:]

    async def ping(self) -> None:
        """Raise `UpstreamError` if the exchange's ping endpoint does not answer."""
        await self._get("", self.exchange.ping_path, {})


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
