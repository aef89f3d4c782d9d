"""Response bodies, as pydantic models (they also document the API at /docs)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    """Every error response: a machine-readable `error` code and a one-line `detail`."""

    error: str = Field(examples=["invalid_parameter"])
    detail: str = Field(examples=["limit must be an integer from 1 to 500 (got '5000')"])


class InvalidSymbolBody(ErrorBody):
    """400: the symbol does not match the path's pattern."""

    error: Literal["invalid_symbol"]


class UnknownSymbolBody(ErrorBody):
    """404: no market of the provider has this symbol."""

    error: Literal["unknown_symbol"]
    suggestions: list[str] = Field(
        examples=[["BTC-USDT"]],
        description="close matches among the symbols the provider knows, best first (empty "
        "when there are none or the provider cannot list them)",
    )


class NotFoundBody(ErrorBody):
    """404: no endpoint has this path (a symbol with a line break inside reaches none)."""

    error: Literal["not_found"]


class InvalidParameterBody(ErrorBody):
    """422: a query parameter outside its range, `period` above `limit`, or a market with
    fewer closed candles than `period`."""

    error: Literal["invalid_parameter", "not_enough_candles"]


class UnavailableBody(ErrorBody):
    """503: the upstream failed and nothing recent is cached (see `Retry-After`)."""

    error: Literal["upstream_unavailable"]


class Health(BaseModel):
    """GET /health: the process is up, with its version, environment and provider."""

    service: str
    status: str
    timestamp: datetime
    version: str
    environment: str
    provider: str


class Readiness(BaseModel):
    """GET /readiness: whether the provider and the database answer, check by check."""

    ready: bool
    checks: dict[str, dict[str, Any]]


class Price(BaseModel):
    """GET /v1/price/{symbol}: the latest price and 24h change."""

    symbol: str = Field(examples=["BTC-USDT"])
    price: float
    change_24h_pct: float
    timestamp: datetime
    source: str = Field(examples=["sample"])
    stale: bool = Field(description="true when the upstream failed and this is the last good value")
    age_seconds: float = Field(description="seconds since the value was fetched upstream")


class CandleBody(BaseModel):
    """One OHLCV candle; `open_time` is the start of its interval."""

    open_time: datetime
    open: float
    high: float
    low: float
    close: float
    volume: float


class Ohlcv(BaseModel):
    """GET /v1/ohlcv/{symbol}: the latest closed candles of one interval."""

    symbol: str
    interval: str
    candles: list[CandleBody] = Field(description="closed candles, oldest first")
    source: str
    stale: bool
    age_seconds: float


class Atr(BaseModel):
    """GET /v1/atr/{symbol}: Wilder's Average True Range over the latest candles."""

    symbol: str
    interval: str
    period: int
    limit: int
    atr: float = Field(description="Wilder's ATR at the last candle, not rounded")
    atr_pct: float = Field(description="atr / last close * 100")
    last_close: float
    candles: int = Field(description="number of candles the ATR was computed over")
    source: str
    stale: bool
    age_seconds: float
