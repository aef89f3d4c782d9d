"""HTTP client of the market-data service."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Protocol

import httpx

from .models import AtrReading, PriceQuote, ServiceHealth

DEFAULT_TIMEOUT = httpx.Timeout(5.0, connect=2.0)


class MarketDataUnavailable(Exception):
    """market-data did not answer usefully: down, timed out, 5xx or garbage."""


class MarketDataRequestError(Exception):
    """market-data rejected the request (4xx); `detail` says what it accepts."""

    def __init__(self, status_code: int, error: str, detail: str) -> None:
        super().__init__(f"{status_code} {error}: {detail}")
        self.status_code = status_code
        self.error = error
        self.detail = detail


class MarketData(Protocol):
    async def price(self, symbol: str) -> PriceQuote: ...

    async def atr(self, symbol: str, period: int) -> AtrReading: ...

    async def volume_24h(self, symbol: str) -> Decimal: ...

    async def health(self) -> ServiceHealth: ...


def _decimal(payload: Mapping[str, Any], key: str) -> Decimal:
    value = payload[key]
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise TypeError(f"{key} is not a number")
    number = Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"{key} is not finite")
    return number


def _optional_float(payload: Mapping[str, Any], key: str) -> float | None:
    value = payload.get(key)
    return float(value) if isinstance(value, int | float | Decimal) else None


class MarketDataClient:
    """Async client of market-data's /health, /v1/price and /v1/atr."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json"},
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _get(self, path: str, params: Mapping[str, str | int] | None = None) -> Any:
        try:
            response = await self._http.get(path, params=params)
        except httpx.HTTPError as exc:
            raise MarketDataUnavailable(f"GET {path}: {exc.__class__.__name__}") from exc
        try:
            payload = response.json(parse_float=Decimal)
        except ValueError:
            payload = None
        if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
            body = payload if isinstance(payload, dict) else {}
            raise MarketDataRequestError(
                response.status_code,
                str(body.get("error") or response.reason_phrase),
                str(body.get("detail") or body.get("error") or response.reason_phrase),
            )
        if response.status_code != 200 or not isinstance(payload, dict):
            raise MarketDataUnavailable(f"GET {path}: HTTP {response.status_code}")
        return payload

    async def price(self, symbol: str) -> PriceQuote:
        payload = await self._get(f"/v1/price/{symbol}")
        try:
            return PriceQuote(
                symbol=str(payload["symbol"]),
                price=_decimal(payload, "price"),
                change_24h_pct=_decimal(payload, "change_24h_pct"),
                timestamp=str(payload.get("timestamp", "")),
                source=str(payload.get("source", "")),
                stale=bool(payload.get("stale", False)),
                age_seconds=_optional_float(payload, "age_seconds"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise MarketDataUnavailable(f"malformed price payload: {exc}") from exc

    async def atr(self, symbol: str, period: int) -> AtrReading:
        payload = await self._get(f"/v1/atr/{symbol}", params={"period": period})
        try:
            return AtrReading(
                symbol=str(payload["symbol"]),
                interval=str(payload["interval"]),
                period=int(payload["period"]),
                atr=_decimal(payload, "atr"),
                atr_pct=_decimal(payload, "atr_pct"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise MarketDataUnavailable(f"malformed ATR payload: {exc}") from exc

    async def volume_24h(self, symbol: str) -> Decimal:
        """Traded value over the last 24 hourly candles, in the quote currency."""
        payload = await self._get(f"/v1/ohlcv/{symbol}", params={"interval": "1h", "limit": 24})
        try:
            candles = payload["candles"]
            if not isinstance(candles, list):
                raise TypeError("candles is not a list")
            return sum(
                (_decimal(candle, "close") * _decimal(candle, "volume") for candle in candles),
                Decimal(0),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise MarketDataUnavailable(f"malformed OHLCV payload: {exc}") from exc

    async def health(self) -> ServiceHealth:
        payload = await self._get("/health")
        return ServiceHealth(
            status=str(payload.get("status", "unknown")),
            version=str(payload.get("version", "unknown")),
            environment=str(payload.get("environment", "unknown")),
        )
