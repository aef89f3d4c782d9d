"""Trading-pair symbols in one canonical form: `BASE-QUOTE`, upper case (`BTC-USDT`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

ACCEPTED_FORMS = "BTC-USDT, btc-usdt, BTC/USDT, BTCUSDT, or a base alone such as btc (= BTC-USDT)"

# Quotes recognised when a pair is written without a separator (BTCUSDT), longest first.
KNOWN_QUOTES = (
    "FDUSD", "USDT", "USDC", "BUSD", "TUSD", "DAI", "USD", "EUR", "GBP", "TRY", "BTC", "ETH", "BNB",
)  # fmt: skip

_PART = re.compile(r"^[A-Z0-9]{2,10}$")
_WORD = re.compile(r"^[A-Z0-9]{2,20}$")
_SEPARATORS = re.compile(r"[-/_:]")


class InvalidSymbolError(ValueError):
    """The text is not a trading pair; the message says which forms are accepted."""

    def __init__(self, text: str) -> None:
        shown = text if len(text) <= 40 else text[:37] + "..."
        super().__init__(
            f"{shown!r} is not a trading pair: use BASE-QUOTE such as {ACCEPTED_FORMS}"
        )
        self.text = text


def _pair(base: str, quote: str, text: str) -> str:
    if not (_PART.match(base) and _PART.match(quote)) or base == quote:
        raise InvalidSymbolError(text)
    return f"{base}-{quote}"


@lru_cache(maxsize=4096)  # every market request normalises its symbol; errors are not cached
def normalize_symbol(text: str, default_quote: str = "USDT") -> str:
    """`BASE-QUOTE` for any accepted spelling, or `InvalidSymbolError`.

    Accepted: `BTC-USDT`, `btc-usdt`, `BTC/USDT` (also `_` or `:` as separator),
    `BTCUSDT` (split at a known quote such as USDT, USDC, BTC, ETH), and a base
    alone (`btc`), which gets `default_quote`. Write the dash to be explicit when
    a concatenated pair is ambiguous.
    """
    cleaned = text.strip().upper()
    parts = _SEPARATORS.split(cleaned)
    if len(parts) == 2:
        return _pair(parts[0], parts[1], text)
    if len(parts) != 1 or not _WORD.match(cleaned):
        raise InvalidSymbolError(text)
    for quote in KNOWN_QUOTES:
        base = cleaned[: -len(quote)]
        if cleaned.endswith(quote) and len(base) >= 2:
            return _pair(base, quote, text)
    return _pair(cleaned, default_quote.upper(), text)


def split_symbol(symbol: str) -> tuple[str, str]:
    """(`BASE`, `QUOTE`) of a symbol in any accepted spelling."""
    base, quote = normalize_symbol(symbol).split("-")
    return base, quote


def normalize_symbols(items: Iterable[object]) -> list[str]:
    """`normalize_symbol` of each item that is not blank, in order (a settings list)."""
    return [normalize_symbol(str(item)) for item in items if str(item).strip()]
