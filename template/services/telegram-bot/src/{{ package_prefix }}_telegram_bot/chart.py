"""PNG candlestick charts with volume, drawn with matplotlib's Agg backend (no display).

matplotlib is imported by the first chart, not with this module, so the bot starts
without paying for it. Each chart is its own `Figure` on an Agg canvas, not a pyplot
figure, so nothing keeps it alive once its PNG is written; charts are drawn one at a
time, which bounds the memory they take. The image is always WIDTH x HEIGHT pixels.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from datetime import UTC
from decimal import Decimal
from typing import TYPE_CHECKING

from .formatting import format_large_number, format_price
from .models import AtrReading, CandleSeries

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDTH, HEIGHT, DPI = 1200, 700, 100
UP, DOWN = "#26a69a", "#ef5350"
BAND = "#1e88e5"
BODY_WIDTH = 0.7
DAILY = frozenset({"1d"})

_one_at_a_time = threading.Lock()


class EmptyChartError(ValueError):
    """There are no candles to draw."""


def candlestick_png(series: CandleSeries, atr: AtrReading | None = None) -> bytes:
    """`series` as a PNG: candles over volume, times in UTC; with `atr`, the band of the
    last close ± one ATR. Blocking (CPU-bound): call it in a worker thread."""
    if not series.candles:
        raise EmptyChartError(f"no {series.interval} candles of {series.symbol} to draw")
    with _one_at_a_time:
        figure = _figure()
        prices, volumes = figure.subplots(
            2, 1, sharex=True, gridspec_kw={"height_ratios": (3, 1), "hspace": 0.05}
        )
        _draw_candles(prices, volumes, series)
        if atr is not None:
            _draw_atr_band(prices, series, atr)
        _label(figure, prices, volumes, series)
        png = io.BytesIO()
        figure.savefig(png, format="png", dpi=DPI, metadata={"Software": None})
        return png.getvalue()


def _figure() -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    figure.subplots_adjust(left=0.03, right=0.91, top=0.93, bottom=0.08)
    return figure


def _floats(values: Sequence[Decimal]) -> list[float]:
    return [float(value) for value in values]


def _boxes(bottoms: Sequence[float], tops: Sequence[float]) -> list[list[tuple[float, float]]]:
    """One rectangle per candle, centred on its index."""
    half = BODY_WIDTH / 2
    return [
        [(x - half, bottom), (x - half, top), (x + half, top), (x + half, bottom)]
        for x, (bottom, top) in enumerate(zip(bottoms, tops, strict=True))
    ]


def _draw_candles(prices: Axes, volumes: Axes, series: CandleSeries) -> None:
    # Collections, one artist per layer: a hundred bar() patches take several times longer.
    from matplotlib.collections import PolyCollection

    candles = series.candles
    colors = [UP if c.close >= c.open else DOWN for c in candles]
    lows, highs = _floats([c.low for c in candles]), _floats([c.high for c in candles])
    prices.vlines(range(len(candles)), lows, highs, colors=colors, linewidth=1)
    bottoms = _floats([min(c.open, c.close) for c in candles])
    tops = _floats([max(c.open, c.close) for c in candles])
    # The edge keeps a candle that opened and closed at the same price visible.
    bodies = PolyCollection(_boxes(bottoms, tops), facecolors=colors, edgecolors=colors)
    prices.add_collection(bodies)
    traded = _floats([c.volume for c in candles])
    bars = _boxes([0.0] * len(candles), traded)
    volumes.add_collection(PolyCollection(bars, facecolors=colors, alpha=0.6, linewidths=0))
    volumes.set_ylim(0, (max(traded) or 1.0) * 1.05)
    prices.set_xlim(-1, len(candles))


def _draw_atr_band(prices: Axes, series: CandleSeries, atr: AtrReading) -> None:
    last = series.candles[-1].close
    low, high = float(max(last - atr.atr, Decimal(0))), float(last + atr.atr)
    label = f"last close ± ATR({atr.period}) {format_price(atr.atr)}"
    prices.axhspan(low, high, color=BAND, alpha=0.12, linewidth=0, label=label)
    prices.axhline(float(last), color=BAND, linewidth=0.8, linestyle="--")
    prices.legend(loc="upper left", fontsize=9, frameon=False)


def _label(figure: Figure, prices: Axes, volumes: Axes, series: CandleSeries) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    times = [candle.open_time.astimezone(UTC) for candle in series.candles]
    pattern = "%Y-%m-%d" if series.interval in DAILY else "%d %b %H:%M"

    def time_label(position: float, _index: int | None = None) -> str:
        index = round(position)
        return times[index].strftime(pattern) if 0 <= index < len(times) else ""

    volumes.xaxis.set_major_locator(MaxNLocator(8, integer=True))
    volumes.xaxis.set_major_formatter(FuncFormatter(time_label))
    prices.yaxis.set_major_formatter(FuncFormatter(lambda v, _: format_price(float(v))))
    volumes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: format_large_number(float(v))))
    volumes.yaxis.set_major_locator(MaxNLocator(3))
    for axes in (prices, volumes):
        axes.yaxis.tick_right()
        axes.grid(color="#e0e0e0", linewidth=0.6)
        axes.set_axisbelow(True)
        axes.tick_params(labelsize=9)
    volumes.set_ylabel(f"volume ({series.symbol.split('-')[0]})", fontsize=9)
    figure.suptitle(
        f"{series.symbol}  {series.interval}  ·  {len(times)} candles to "
        f"{times[-1]:%Y-%m-%d %H:%M} UTC  ·  last close {format_price(series.candles[-1].close)}",
        x=0.03,
        ha="left",
        fontsize=12,
    )
    if series.source:
        figure.text(0.91, 0.955, f"source: {series.source}", ha="right", fontsize=9, color="gray")
