"""Numbers for humans: prices, large amounts, 24h changes and ATR bands.

Pure functions on Decimal (floats and ints are accepted and converted through
their shortest repr, so 0.1 stays 0.1). The "enhanced" functions are what the
`enhanced_price_display` flag turns on; `format_plain` is the format otherwise.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

Number = Decimal | float | int

_UNITS = (("", 0), ("K", 3), ("M", 6), ("B", 9), ("T", 12))
_THOUSAND = Decimal(1000)
_SIGNIFICANT_BELOW_ONE = 4
_PLAIN_DECIMALS = 8


def to_decimal(value: Number) -> Decimal:
    """`value` as a finite Decimal; ValueError for NaN and infinities."""
    number = value if isinstance(value, Decimal) else Decimal(repr(value))
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return number


def _fixed(value: Decimal, decimals: int) -> str:
    quantum = Decimal(1).scaleb(-decimals)
    return f"{value.quantize(quantum, rounding=ROUND_HALF_UP):,.{decimals}f}"


def _price_decimals(magnitude: Decimal) -> int:
    if magnitude >= 100:
        return 2
    if magnitude >= 10:
        return 3
    if magnitude >= 1:
        return 4
    if magnitude == 0:
        return 2
    # adjusted() is the exponent of the leading digit: 0.0012 -> -3.
    return -magnitude.adjusted() + _SIGNIFICANT_BELOW_ONE - 1


def format_price(value: Number) -> str:
    """A price with the precision its magnitude deserves.

    >= 100: 2 decimals with thousands separators (67,234.50); >= 10: 3
    decimals; >= 1: 4 decimals; below 1: four significant digits (0.001234).
    """
    number = to_decimal(value)
    magnitude = abs(number)
    text = _fixed(magnitude, _price_decimals(magnitude))
    if number < 0 and text.strip("0.,") != "":
        return f"-{text}"
    return text


def format_large_number(value: Number) -> str:
    """Volumes and market caps: 1.23K, 45.60M, 7.89B, 1.00T (2 decimals)."""
    number = to_decimal(value)
    sign = "-" if number < 0 else ""
    magnitude = abs(number)
    for suffix, exponent in _UNITS:
        scaled = magnitude.scaleb(-exponent).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if scaled < _THOUSAND or suffix == _UNITS[-1][0]:
            break
    if scaled == 0:
        return "0.00"
    return f"{sign}{scaled:,.2f}{suffix}"


def format_change(percent: Number) -> str:
    """A 24h change with an arrow and a sign: "▲ +2.35%", "▼ -1.20%", "→ 0.00%"."""
    rounded = to_decimal(percent).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if rounded > 0:
        return f"▲ +{rounded:,.2f}%"
    if rounded < 0:
        return f"▼ -{abs(rounded):,.2f}%"
    return "→ 0.00%"


def format_atr_band(price: Number, atr: Number) -> str:
    """The price ± one ATR and the range it spans (never below zero)."""
    centre = to_decimal(price)
    width = abs(to_decimal(atr))
    low = max(centre - width, Decimal(0))
    high = centre + width
    return (
        f"{format_price(centre)} ± {format_price(width)} "
        f"({format_price(low)} to {format_price(high)})"
    )


def format_plain(value: Number) -> str:
    """The number as the API sent it, rounded to 8 decimals, no separators."""
    number = to_decimal(value).quantize(Decimal(1).scaleb(-_PLAIN_DECIMALS), rounding=ROUND_HALF_UP)
    if number == 0:
        return "0"
    return f"{number.normalize():f}"


def format_plain_change(percent: Number) -> str:
    """A 24h change as a signed percentage with 2 decimals: "+2.35%"."""
    rounded = to_decimal(percent).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if rounded == 0:
        return "0.00%"
    return f"{rounded:+.2f}%"
