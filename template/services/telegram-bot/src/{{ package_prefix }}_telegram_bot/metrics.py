"""The bot's Prometheus metrics, served at GET /metrics on BOT_HOST:BOT_PORT (http_app).

They live in prometheus-client's default registry, next to its process metrics (CPU,
memory, open files). Every label value comes from a fixed set, never from what a user
typed: command names of `core.HANDLERS` (anything else is "unknown"), the kinds of
update Telegram defines, Bot API method names, HTTP statuses, market-data's routes and
exception class names.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import httpx
from prometheus_client import REGISTRY, Counter, Histogram, generate_latest

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# The kinds of update the bot can be sent (Telegram defines more: they count as "other").
UPDATE_KINDS = (
    "message",
    "edited_message",
    "callback_query",
    "channel_post",
    "edited_channel_post",
    "inline_query",
    "my_chat_member",
    "chat_member",
)
UNKNOWN_COMMAND = "unknown"
# market-data's routes as the client asks for them; a symbol is the last path segment.
MARKET_DATA_ROUTES = ("/v1/price/", "/v1/atr/", "/v1/ohlcv/")

UPDATES = Counter(
    "telegram_bot_updates",
    "Telegram updates received, by kind (message, callback_query, ...)",
    ["kind"],
)
COMMANDS = Counter(
    "telegram_bot_commands",
    "Commands answered, by command and outcome: ok, usage (bad arguments), rejected "
    "(market-data refused the request), unavailable (market-data down), error, unknown",
    ["command", "outcome"],
)
REPLY_DURATION = Histogram(
    "telegram_bot_reply_duration_seconds",
    "Time from a command's update to its reply sent, by command",
    ["command"],
    buckets=LATENCY_BUCKETS,
)
TELEGRAM_REQUESTS = Counter(
    "telegram_bot_telegram_api_requests",
    "Telegram Bot API calls, by method and status: the HTTP status, or timeout or network "
    "when Telegram did not answer",
    ["method", "status"],
)
TELEGRAM_RETRIES = Counter(
    "telegram_bot_telegram_api_retries",
    "Sends tried again after Telegram's flood limit (HTTP 429 with retry_after), by method",
    ["method"],
)
ALERTS_CLAIMED = Counter(
    "telegram_bot_alerts_claimed",
    "Alert triggers this process won and has to notify",
)
ALERTS_DELIVERED = Counter(
    "telegram_bot_alerts_delivered",
    "Alert notifications Telegram accepted",
)
ALERTS_FAILED = Counter(
    "telegram_bot_alerts_failed",
    "Alert notifications that could not be delivered, by error (Forbidden: the user "
    "blocked the bot; RetryAfter: still flood-limited after the retries; ...)",
    ["reason"],
)
MARKET_DATA_REQUESTS = Counter(
    "telegram_bot_market_data_requests",
    "Requests to market-data, by route and outcome: ok, rejected (4xx), error (5xx, 408, "
    "429), timeout, unreachable",
    ["route", "outcome"],
)
MARKET_DATA_DURATION = Histogram(
    "telegram_bot_market_data_request_duration_seconds",
    "Time until market-data's response headers arrived, by route",
    ["route"],
    buckets=LATENCY_BUCKETS,
)


def render() -> bytes:
    """Every metric of this process in Prometheus' text exposition format."""
    return generate_latest(REGISTRY)


def update_kind(update: object) -> str:
    """Which kind of update `update` is ("other" for the kinds the bot does not ask for)."""
    for kind in UPDATE_KINDS:
        if getattr(update, kind, None) is not None:
            return kind
    return "other"


async def count_update(update: object, context: object) -> None:
    """A python-telegram-bot handler (TypeHandler, group -1) counting every update."""
    UPDATES.labels(update_kind(update)).inc()


def command_label(command: str, known: Mapping[str, object]) -> str:
    """`command` when it is one of `known`, else "unknown"."""
    return command if command in known else UNKNOWN_COMMAND


def unknown_command() -> None:
    """Count a command the bot does not have."""
    COMMANDS.labels(UNKNOWN_COMMAND, "unknown").inc()


@contextmanager
def command_answered(command: str, outcomes: Mapping[type[Exception], str]) -> Iterator[None]:
    """Count one run of `command` (a known one) when the block ends: "ok", the outcome
    `outcomes` gives the exception's class, or "error". The exception propagates."""
    outcome = "cancelled"
    try:
        yield
        outcome = "ok"
    except Exception as exc:
        outcome = next((name for kind, name in outcomes.items() if isinstance(exc, kind)), "error")
        raise
    finally:
        COMMANDS.labels(command, outcome).inc()


@contextmanager
def replying(command: str) -> Iterator[None]:
    """Time the block (answering `command`, a label from `command_label`)."""
    with REPLY_DURATION.labels(command).time():
        yield


def telegram_answered(method: str, status: int | str) -> None:
    """Count a Bot API call of `method` that ended with `status` (HTTP status, "timeout"
    or "network")."""
    TELEGRAM_REQUESTS.labels(method, str(status)).inc()


def telegram_retried(method: str) -> None:
    """Count a send of `method` tried again after a 429."""
    TELEGRAM_RETRIES.labels(method).inc()


def alerts_claimed(count: int) -> None:
    """Count `count` alert triggers this process has to notify."""
    ALERTS_CLAIMED.inc(count)


def alert_delivered() -> None:
    """Count an alert notification Telegram accepted."""
    ALERTS_DELIVERED.inc()


def alert_failed(error: Exception) -> None:
    """Count an alert notification that `error` kept from its chat."""
    ALERTS_FAILED.labels(error.__class__.__name__).inc()


def market_data_route(path: str) -> str:
    """The route template of a market-data URL path: "/v1/price/{symbol}", "/health"..."""
    for prefix in MARKET_DATA_ROUTES:
        if path.startswith(prefix):
            return prefix + "{symbol}"
    return path if path in ("/health", "/readiness") else "other"


def market_data_outcome(status: int) -> str:
    """ok, rejected (the bot asked for something market-data refuses) or error."""
    if 200 <= status < 300:
        return "ok"
    if 400 <= status < 500 and status not in (408, 429):
        return "rejected"
    return "error"


class MeasuredTransport(httpx.AsyncBaseTransport):
    """An httpx transport that times each request to market-data and counts its outcome,
    around the transport that sends it."""

    def __init__(self, transport: httpx.AsyncBaseTransport) -> None:
        self.transport = transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request` through the wrapped transport, measuring it."""
        route = market_data_route(request.url.path)
        started = time.perf_counter()
        outcome = "unreachable"
        try:
            response = await self.transport.handle_async_request(request)
        except httpx.TimeoutException:
            outcome = "timeout"
            raise
        else:
            outcome = market_data_outcome(response.status_code)
            return response
        finally:
            MARKET_DATA_DURATION.labels(route).observe(time.perf_counter() - started)
            MARKET_DATA_REQUESTS.labels(route, outcome).inc()

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self.transport.aclose()
