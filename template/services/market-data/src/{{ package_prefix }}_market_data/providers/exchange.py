"""Real market data from an exchange's public REST API (no key), over httpx.

Each request has a timeout; timeouts, connection errors, HTTP 429/418 and 5xx
are retried a bounded number of times with exponential backoff and jitter
(a `Retry-After` longer than the backoff cap is not waited for: the caller
serves its cached value instead).

Symbols are checked against the exchange's list of markets first (fetched once
by the first request, refreshed every few hours), so unknown symbols cost no
upstream call. While the list cannot be had, symbols are asked for directly and
the ones the exchange refuses are remembered for a while (a negative cache).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from ..market import INTERVALS, Candle, Ticker
from .base import UnknownSymbolError, UpstreamError, close_symbols
from .exchanges import EXCHANGES, Exchange, Params

MAX_BACKOFF = 2.0
_RETRIED = ("timeout", "unreachable", "rate_limited", "server_error")
MARKETS_TTL = 6 * 3600.0  # listings change rarely
MARKETS_RETRY = 60.0  # after a failed fetch of the list
UNKNOWN_TTL = 600.0  # how long a symbol the exchange refused stays refused
UNKNOWN_MAX = 10_000  # entries of the negative cache, so it cannot grow without bound

log = logging.getLogger(__name__)
T = TypeVar("T")


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
        self._markets: frozenset[str] | None = None
        self._markets_due = 0.0  # when to fetch the list (again)
        self._markets_lock = asyncio.Lock()
        self._unknown: dict[str, float] = {}  # symbol -> until when it is known to be unknown
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

    async def markets(self) -> frozenset[str] | None:
        """The symbols the exchange trades (one fetch for all callers, refreshed every
        MARKETS_TTL), or None while the list cannot be had."""
        if self._clock() < self._markets_due:
            return self._markets
        async with self._markets_lock:
            if self._clock() >= self._markets_due:
                path, params = self.exchange.markets_request
                try:
                    self._markets = self.exchange.parse_markets(await self._get("", path, params))
                    self._markets_due = self._clock() + MARKETS_TTL
                except UpstreamError as exc:
                    log.warning("%s: no list of markets (%s); asking per symbol", self.name, exc)
                    self._markets_due = self._clock() + MARKETS_RETRY
        return self._markets

    async def _check_listed(self, symbol: str) -> None:
        """Raise UnknownSymbolError, without asking the exchange, for a symbol it does not list."""
        markets = await self.markets()
        if markets is not None and symbol not in markets:
            raise UnknownSymbolError(
                symbol, f"{self.name} does not list {symbol}", close_symbols(symbol, markets)
            )
        if self._unknown.get(symbol, 0.0) > self._clock():
            raise UnknownSymbolError(symbol, f"{self.name} does not list {symbol}")

    async def _symbol_data(
        self, symbol: str, request: tuple[str, Params], parse: Callable[[str, Any], T]
    ) -> T:
        """One request for a symbol's data, parsed; remembers the symbols the exchange refuses."""
        try:
            return parse(symbol, await self._get(symbol, *request))
        except UnknownSymbolError:
            if len(self._unknown) >= UNKNOWN_MAX:
                self._unknown.clear()
            self._unknown[symbol] = self._clock() + UNKNOWN_TTL
            raise

    async def ticker(self, symbol: str) -> Ticker:
        """Last price and 24h change of `symbol` from the exchange's ticker endpoint."""
        await self._check_listed(symbol)
        request = self.exchange.ticker_request(symbol)
        return await self._symbol_data(symbol, request, self.exchange.parse_ticker)

    async def candles(self, symbol: str, interval: str, limit: int) -> list[Candle]:
        """The newest `limit` closed candles, oldest first, paging back as the exchange requires."""
        await self._check_listed(symbol)
        step = INTERVALS[interval]
        now_ms = int(self._clock() * 1000)
        by_time: dict[int, Candle] = {}
        before: int | None = None
        wanted = limit + 1  # the newest row is usually the candle still open
        while True:
            page = min(self.exchange.max_page, wanted)
            request = self.exchange.candles_request(symbol, interval, page, before)
            rows = await self._symbol_data(symbol, request, self.exchange.parse_candles)
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
