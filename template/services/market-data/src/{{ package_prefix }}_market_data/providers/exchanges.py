"""Request building and response parsing for each exchange's public REST API.

Pure functions of payloads (no I/O), so the documented response formats are
easy to test. A parser raises `UnknownSymbolError` for a symbol the exchange
does not list and `UpstreamError("malformed", ...)` for anything unexpected.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..market import Candle, Ticker
from .base import UnknownSymbolError, UpstreamError

Params = dict[str, str | int]


class Malformed(ValueError):
    """A payload that does not have the documented shape."""


@contextmanager
def _reading(what: str) -> Iterator[None]:
    """Turn a payload without the documented shape into `UpstreamError("malformed", ...)`."""
    try:
        yield
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise UpstreamError("malformed", f"{what}: {exc}") from None


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Malformed(f"expected a number, got {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise Malformed("expected a finite number")
    return number


def _candle(open_time: Any, o: Any, h: Any, low: Any, c: Any, v: Any) -> Candle:
    if isinstance(open_time, bool) or not isinstance(open_time, str | int):
        raise Malformed("open time is not an integer")
    candle = Candle(int(open_time), _number(o), _number(h), _number(low), _number(c), _number(v))
    body_low, body_high = sorted((candle.open, candle.close))
    if not candle.low <= body_low <= body_high <= candle.high:
        raise Malformed("candle with high/low outside open/close")
    return candle


@dataclass(frozen=True)
class Exchange:
    """How to ask one exchange for a ticker and for candles, and how to read the answers."""

    name: str
    base_url: str
    ping_path: str
    ticker_request: Callable[[str], tuple[str, Params]]
    parse_ticker: Callable[[str, Any], Ticker]
    candles_request: Callable[[str, str, int, int | None], tuple[str, Params]]
    parse_candles: Callable[[str, Any], list[Candle]]
    max_page: int
    check_error: Callable[[str, int, Any], None]
    markets_request: tuple[str, Params]
    parse_markets: Callable[[Any], frozenset[str]]


# ------------------------------------------------------------------ Binance
# https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints


def _binance_symbol(symbol: str) -> str:
    return symbol.replace("-", "")


def _binance_error(symbol: str, status: int, payload: Any) -> None:
    if isinstance(payload, dict) and "code" in payload and "msg" in payload:
        if payload["code"] in (-1121, -1100):  # Invalid symbol / illegal characters
            raise UnknownSymbolError(symbol, f"binance does not list {symbol}: {payload['msg']}")
        raise UpstreamError("bad_request", f"binance error {payload['code']}: {payload['msg']}")
    if status >= 400:
        raise UpstreamError("bad_request", f"binance answered HTTP {status}")


def _binance_ticker_request(symbol: str) -> tuple[str, Params]:
    return "/api/v3/ticker/24hr", {"symbol": _binance_symbol(symbol)}


def _binance_ticker(symbol: str, payload: Any) -> Ticker:
    with _reading("binance ticker"):
        return Ticker(
            symbol=symbol,
            price=_number(payload["lastPrice"]),
            change_24h_pct=_number(payload["priceChangePercent"]),
            timestamp_ms=int(payload["closeTime"]),
        )


def _binance_candles_request(
    symbol: str, interval: str, limit: int, before: int | None
) -> tuple[str, Params]:
    params: Params = {"symbol": _binance_symbol(symbol), "interval": interval, "limit": limit}
    if before is not None:
        params["endTime"] = before - 1
    return "/api/v3/klines", params


def _binance_candles(_symbol: str, payload: Any) -> list[Candle]:
    """Rows `[openTime, open, high, low, close, volume, closeTime, ...]`, oldest first."""
    with _reading("binance klines"):
        if not isinstance(payload, list):
            raise Malformed("klines is not a list")
        return [_candle(*row[:6]) for row in payload]


def _binance_markets(payload: Any) -> frozenset[str]:
    """exchangeInfo's spot symbols that trade now, as BASE-QUOTE."""
    with _reading("binance exchangeInfo"):
        return frozenset(
            f"{row['baseAsset']}-{row['quoteAsset']}"
            for row in payload["symbols"]
            if row["status"] == "TRADING"
        )


BINANCE = Exchange(
    name="binance",
    base_url="https://api.binance.com",
    ping_path="/api/v3/ping",
    ticker_request=_binance_ticker_request,
    parse_ticker=_binance_ticker,
    candles_request=_binance_candles_request,
    parse_candles=_binance_candles,
    max_page=1000,
    check_error=_binance_error,
    markets_request=("/api/v3/exchangeInfo", {"permissions": "SPOT"}),
    parse_markets=_binance_markets,
)


# ---------------------------------------------------------------------- OKX
# https://www.okx.com/docs-v5/en/#public-data-rest-api (market/ticker, market/candles)

# Daily bars in UTC ("1D" would open at 00:00 Hong Kong time).
OKX_BARS = {
    "1m": "1m", "5m": "5m", "15m": "15m", "30m": "30m", "1h": "1H", "4h": "4H", "1d": "1Dutc",
}  # fmt: skip


def _okx_data(symbol: str, payload: Any) -> list[Any]:
    if not isinstance(payload, dict) or "code" not in payload:
        raise UpstreamError("malformed", "okx answer has no code")
    _okx_error(symbol, 200, payload)
    data = payload.get("data")
    if not isinstance(data, list):
        raise UpstreamError("malformed", "okx answer has no data list")
    return data


def _okx_error(symbol: str, status: int, payload: Any) -> None:
    code = payload.get("code") if isinstance(payload, dict) else None
    if code in (None, "0") and status < 400:
        return
    message = payload.get("msg", "") if isinstance(payload, dict) else ""
    if code == "51001":  # Instrument ID does not exist
        raise UnknownSymbolError(symbol, f"okx does not list {symbol}: {message}")
    if code == "50011" or status == 429:
        raise UpstreamError("rate_limited", f"okx: {message or 'too many requests'}")
    raise UpstreamError("bad_request", f"okx error {code}: {message or f'HTTP {status}'}")


def _okx_ticker_request(symbol: str) -> tuple[str, Params]:
    return "/api/v5/market/ticker", {"instId": symbol}


def _okx_ticker(symbol: str, payload: Any) -> Ticker:
    data = _okx_data(symbol, payload)
    if not data:
        raise UnknownSymbolError(symbol, f"okx has no ticker for {symbol}")
    with _reading("okx ticker"):
        row = data[0]
        last, open_24h = _number(row["last"]), _number(row["open24h"])
        change = (last / open_24h - 1.0) * 100.0 if open_24h > 0 else 0.0
        return Ticker(symbol=symbol, price=last, change_24h_pct=change, timestamp_ms=int(row["ts"]))


def _okx_candles_request(
    symbol: str, interval: str, limit: int, before: int | None
) -> tuple[str, Params]:
    params: Params = {"instId": symbol, "bar": OKX_BARS[interval], "limit": limit}
    if before is not None:
        params["after"] = before  # OKX: "records earlier than the requested ts"
    return "/api/v5/market/candles", params


def _okx_candles(symbol: str, payload: Any) -> list[Candle]:
    """Rows `[ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]`, newest first."""
    data = _okx_data(symbol, payload)
    with _reading("okx candles"):
        return [_candle(*row[:6]) for row in reversed(data)]


def _okx_markets(payload: Any) -> frozenset[str]:
    """public/instruments' spot instruments that trade now (state live)."""
    data = _okx_data("", payload)
    with _reading("okx instruments"):
        return frozenset(str(row["instId"]) for row in data if row["state"] == "live")


OKX = Exchange(
    name="okx",
    base_url="https://www.okx.com",
    ping_path="/api/v5/public/time",
    ticker_request=_okx_ticker_request,
    parse_ticker=_okx_ticker,
    candles_request=_okx_candles_request,
    parse_candles=_okx_candles,
    max_page=300,
    check_error=_okx_error,
    markets_request=("/api/v5/public/instruments", {"instType": "SPOT"}),
    parse_markets=_okx_markets,
)

EXCHANGES: dict[str, Exchange] = {exchange.name: exchange for exchange in (BINANCE, OKX)}
