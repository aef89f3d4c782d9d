"""Reply texts, built from plain values (no bot framework, no I/O)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from .formatting import (
    format_atr_band,
    format_change,
    format_large_number,
    format_plain,
    format_plain_change,
    format_price,
)
from .models import AtrReading, CandleSeries, PriceQuote

UNAVAILABLE = "Market data is unavailable right now, try again in a minute."
UNEXPECTED = "Sorry, something went wrong with that command. Please try again."
# market-data's `source` for its offline sample provider, and the line replies that show
# its prices end with.
SAMPLE_SOURCE = "sample"
SAMPLE_NOTE = "Sample data: synthetic prices, not a market."
# The notice on a button whose callback data is refused (callbacks.InvalidCallback.problem),
# or that runs a command the bot no longer has.
BUTTON_STALE = "This button is out of date: send the command again."
BUTTON_PROBLEMS = {
    "stale": BUTTON_STALE,
    "forged": "This button was not made by this bot.",
    "malformed": "This button is not valid.",
}


def _price(value: Decimal, enhanced: bool) -> str:
    return format_price(value) if enhanced else format_plain(value)


def _stale_note(quote: PriceQuote) -> str:
    if not quote.stale:
        return ""
    if quote.age_seconds is None:
        return " (stale)"
    return f" (stale, {round(quote.age_seconds)} s old)"


def price_line(quote: PriceQuote, enhanced: bool, volume_24h: Decimal | None = None) -> str:
    """One symbol's price and 24h change (and traded value when enhanced) on one line."""
    if enhanced:
        text = f"{quote.symbol}  {format_price(quote.price)}  {format_change(quote.change_24h_pct)}"
        if volume_24h is not None:
            quote_currency = quote.symbol.rpartition("-")[2]
            text += f" 24h  vol {format_large_number(volume_24h)} {quote_currency}"
        else:
            text += " 24h"
        return text + _stale_note(quote)
    change = format_plain_change(quote.change_24h_pct)
    return f"{quote.symbol}: {format_plain(quote.price)} (24h {change}){_stale_note(quote)}"


def prices_message(lines: Iterable[str], title: str | None = None) -> str:
    """Join price lines into one reply, under `title` when there is one."""
    body = "\n".join(lines)
    return f"{title}\n{body}" if title else body


def pick_symbol(from_watchlist: bool) -> str:
    """Reply to /price without a symbol, above the symbols to pick from."""
    offered = "your watchlist" if from_watchlist else "these"
    return f"Which price? Pick one of {offered}, or send /price SYMBOL."


def symbol_problem_line(symbol: str, detail: str) -> str:
    """The line shown in place of a price when market-data refuses `symbol`."""
    return f"{symbol}: {detail}"


def _either(items: Sequence[str]) -> str:
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} or {items[-1]}"


def unknown_symbol(symbol: str, suggestions: Sequence[str]) -> str:
    """One line: market-data does not know `symbol`, and which symbols to try instead."""
    if not suggestions:
        return f"{symbol} is not a known symbol."
    return f"{symbol} is not a known symbol. Try {_either(suggestions)}."


def with_sample_note(text: str, sources: Iterable[str]) -> str:
    """`text`, ending with `SAMPLE_NOTE` once when any of its prices came from the sample
    provider (`sources`: the `source` market-data reported for each value shown)."""
    if SAMPLE_SOURCE in set(sources):
        return f"{text}\n{SAMPLE_NOTE}"
    return text


def atr_message(reading: AtrReading, quote: PriceQuote | None, enhanced: bool) -> str:
    """The ATR reply; the enhanced form adds the price range one ATR either side."""
    head = f"{reading.symbol} ATR({reading.period}, {reading.interval})"
    if not enhanced:
        return f"{head}: {format_plain(reading.atr)} ({format_plain(reading.atr_pct)}% of price)"
    lines = [f"{head}: {format_price(reading.atr)} ({reading.atr_pct:.2f}% of price)"]
    if quote is not None:
        lines.append(f"Range: {format_atr_band(quote.price, reading.atr)}{_stale_note(quote)}")
    return "\n".join(lines)


def _symbols(count: int) -> str:
    return f"{count} symbol" if count == 1 else f"{count} symbols"


def chart_caption(series: CandleSeries, atr: AtrReading | None) -> str:
    """The caption of a /chart picture: the last close and the move over the chart, and the
    ATR that the shaded band spans either side of the last close."""
    first, last = series.candles[0], series.candles[-1]
    move = (last.close - first.open) / first.open * 100 if first.open else Decimal(0)
    count = len(series.candles)
    lines = [
        f"{series.symbol} {series.interval}: {format_price(last.close)}  "
        f"{format_change(move)} over {count} candle{'s' if count != 1 else ''}"
    ]
    if atr is not None:
        lines.append(
            f"Band: last close ± ATR({atr.period}) {format_price(atr.atr)} "
            f"({atr.atr_pct:.2f}% of price)"
        )
    return "\n".join(lines)


def no_candles(symbol: str, interval: str) -> str:
    """Reply to /chart when market-data has no closed candles of `symbol` yet."""
    return f"{symbol} has no closed {interval} candles yet."


def watch_added(symbol: str, added: bool, count: int) -> str:
    """Reply to /watch: added, or already on the watchlist, with the list's size."""
    if not added:
        return f"{symbol} is already on your watchlist ({_symbols(count)}). /list shows prices."
    return f"Watching {symbol} ({_symbols(count)}). /list shows prices."


def watch_removed(symbol: str, removed: bool) -> str:
    """Reply to /unwatch: removed, or was not on the watchlist."""
    if removed:
        return f"Stopped watching {symbol}."
    return f"{symbol} is not on your watchlist. /list shows what is."


def empty_watchlist() -> str:
    """Reply to /list when nothing is watched, with how to add a symbol."""
    return "Your watchlist is empty. Add a symbol with /watch BTC-USDT."


def watchlist_title(count: int) -> str:
    """Heading of the /list reply."""
    return f"Your watchlist ({count}):"


def delete_alert_label(alert_id: int) -> str:
    """The label of the button that cancels alert `alert_id`."""
    return f"🗑 #{alert_id}"


def alert_removed(alert_id: int, removed: bool) -> str:
    """Reply to /unalert: cancelled, or no such pending alert in this chat."""
    if removed:
        return f"Alert #{alert_id} cancelled."
    return f"You have no pending alert #{alert_id}. /alerts lists them."


def status_message(
    version: str,
    environment: str,
    storage_ok: bool,
    market_status: str,
) -> str:
    """Reply to /status: the bot's version and environment, storage and market-data health."""
    return "\n".join(
        (
            f"Bot: ok (version {version}, environment {environment})",
            f"Storage: {'ok' if storage_ok else 'unavailable'}",
            f"Market data: {market_status}",
        )
    )


def help_text(usages: Sequence[tuple[str, str]], default_symbols: Sequence[str]) -> str:
    """Reply to /help: every command's usage and what it does, and the symbol forms."""
    lines = [f"{usage} - {description}" for usage, description in usages]
    return (
        "Commands:\n"
        + "\n".join(lines)
        + f"\nSymbols look like BTC-USDT, BTCUSDT or btc. /price alone offers your watchlist, "
        f"or {', '.join(default_symbols)}."
    )


def start_text(help_body: str) -> str:
    """Reply to /start: a greeting followed by the help text."""
    return "Hi! I report crypto prices, volatility (ATR) and price alerts.\n\n" + help_body


def unknown_command(name: str) -> str:
    """Reply to a command the bot does not have."""
    return f"Unknown command /{name}. Send /help for the list of commands."


def not_a_command() -> str:
    """Reply to chat text that is not a command."""
    return "I understand commands such as /price btc. Send /help for the list."


def no_such_choice(count: int) -> str:
    """Console reply to a number that is not one of the buttons shown."""
    if count == 0:
        return "There is nothing to pick: send a command such as /price."
    return f"Pick a number from 1 to {count}, or send a command."
