"""Wilder's ATR of cached candles, computed once per candle list instead of per request.

Every /v1/atr request that the candle cache answers passes the same candle objects
until the cache refreshes, so the value is remembered per (key, period, number of
candles) together with the first and last candle it was computed over. A lookup is
a hit only when those are the very same objects (`is`, not `==`): a refreshed
candle list holds new objects and is computed afresh. The memo keeps the candles it
compares with alive, so their identities cannot be reused by other objects.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Sequence

from .atr import wilder_atr
from .market import Candle


class AtrMemo:
    """The ATR of the latest `max_entries` (key, period, length) combinations."""

    def __init__(self, max_entries: int = 1024) -> None:
        self._entries: OrderedDict[tuple[Hashable, int, int], tuple[Candle, Candle, float]] = (
            OrderedDict()
        )
        self._max_entries = max_entries

    def atr(self, key: Hashable, candles: Sequence[Candle], period: int) -> float:
        """`wilder_atr` over `candles`, remembered under `key` (e.g. symbol and interval)."""
        if not candles:
            return wilder_atr([], [], [], period)  # raises NotEnoughCandlesError
        slot = (key, period, len(candles))
        first, last = candles[0], candles[-1]
        entry = self._entries.get(slot)
        if entry is not None and entry[0] is first and entry[1] is last:
            self._entries.move_to_end(slot)
            return entry[2]
        value = wilder_atr(
            [c.high for c in candles], [c.low for c in candles], [c.close for c in candles], period
        )
        self._entries[slot] = (first, last, value)
        self._entries.move_to_end(slot)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
        return value
