"""Average True Range (J. Welles Wilder, 1978), as plain functions over floats.

Convention, the same as the `ta` library's `AverageTrueRange`:

* true range TR[i] = max(high[i] - low[i], |high[i] - close[i-1]|, |low[i] - close[i-1]|);
  the first candle has no previous close, so TR[0] = high[0] - low[0];
* the first ATR value, at candle `period - 1`, is the mean of TR[0..period-1];
* after that, Wilder's smoothing: ATR[i] = (ATR[i-1] * (period - 1) + TR[i]) / period.

So `period` candles give one value, and the value for the last candle depends on
every candle passed in: pass the same candles to reproduce a number.
"""

from __future__ import annotations

from collections.abc import Sequence


class NotEnoughCandlesError(ValueError):
    """Fewer candles than the period: there is no ATR yet."""


def true_ranges(
    highs: Sequence[float], lows: Sequence[float], closes: Sequence[float]
) -> list[float]:
    """True range of each candle; the first one, without a previous close, is high - low."""
    if not len(highs) == len(lows) == len(closes):
        raise ValueError("highs, lows and closes must have the same length")
    ranges: list[float] = []
    previous_close: float | None = None
    for high, low, close in zip(highs, lows, closes, strict=True):
        if previous_close is None:
            ranges.append(high - low)
        else:
            ranges.append(max(high - low, abs(high - previous_close), abs(low - previous_close)))
        previous_close = close
    return ranges


def atr_series(
    highs: Sequence[float], lows: Sequence[float], closes: Sequence[float], period: int
) -> list[float]:
    """ATR values for candles `period - 1` to the last (one value per candle from there)."""
    if period < 1:
        raise ValueError("period must be at least 1")
    ranges = true_ranges(highs, lows, closes)
    if len(ranges) < period:
        raise NotEnoughCandlesError(
            f"ATR({period}) needs at least {period} candles, got {len(ranges)}"
        )
    value = sum(ranges[:period]) / period
    series = [value]
    for tr in ranges[period:]:
        value = (value * (period - 1) + tr) / period
        series.append(value)
    return series


def wilder_atr(
    highs: Sequence[float], lows: Sequence[float], closes: Sequence[float], period: int
) -> float:
    """The ATR at the last candle."""
    return atr_series(highs, lows, closes, period)[-1]
