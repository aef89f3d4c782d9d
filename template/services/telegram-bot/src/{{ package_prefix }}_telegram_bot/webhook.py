"""Webhook mode: a small ASGI app that feeds Telegram's POSTs (messages and button
presses) to the same Application as polling.

It never calls setWebhook: registering the public URL (with the same secret)
is a deployment step, so replicas can start and stop without touching it.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import signal
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update

from .client import MarketDataClient
from .core import BotServices
from .settings import BotSettings
from .telegram_app import (
    BotApplication,
    application_for,
    publish_commands,
    startup_errors,
)

# The name of the header, not a secret.
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105
WEBHOOK_PATH = "/telegram/webhook"
MAX_UPDATE_BYTES = 1_000_000

logger = logging.getLogger(__name__)


def _error(
    status: int, error: str, detail: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail}, status_code=status, headers=headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        # A 405 keeps Starlette's Allow header (RFC 9110).
        return _error(exc.status_code, "http_error", str(exc.detail), exc.headers)
    return _error(500, "internal_error", "unexpected error")


async def _bounded_body(request: Request) -> bytes | None:
    """The request body, or None once it is over MAX_UPDATE_BYTES: refused by its
    Content-Length before reading, and a chunked body is read no further than that."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_UPDATE_BYTES:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_UPDATE_BYTES:
            return None
    return bytes(body)


def create_webhook_app(
    application: BotApplication,
    secret: str,
    health: Callable[[], Mapping[str, Any]],
) -> Starlette:
    """The webhook server: GET /health and the secret-checked POST of Telegram updates."""
    expected = secret.encode()

    async def health_endpoint(request: Request) -> Response:
        """The bot's health document."""
        return JSONResponse(
            {**health(), "status": "ok", "timestamp": datetime.now(UTC).isoformat()}
        )

    async def webhook(request: Request) -> Response:
        """Queue one Telegram update; 4xx for a wrong secret or a malformed body."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return _error(403, "forbidden", f"missing or wrong {SECRET_HEADER} header")
        body = await _bounded_body(request)
        if body is None:
            return _error(413, "too_large", f"an update is at most {MAX_UPDATE_BYTES} bytes")
        try:
            data = json.loads(body)
        except ValueError:
            return _error(400, "invalid_json", "the body must be a Telegram Update as JSON")
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return _error(400, "invalid_update", "the body must be a Telegram Update object")
        try:
            update = Update.de_json(data, application.bot)
        except (KeyError, TypeError, ValueError):
            return _error(400, "invalid_update", "the body must be a Telegram Update object")
        await application.update_queue.put(update)
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route("/health", health_endpoint, methods=["GET"]),
            Route(WEBHOOK_PATH, webhook, methods=["POST"]),
        ],
        exception_handlers={HTTPException: _http_error},
    )


@contextlib.contextmanager
def _signals_end_serving_only() -> Iterator[None]:
    """Let SIGINT/SIGTERM stop uvicorn, then shut the Application down cleanly.

    uvicorn re-raises the signal that stopped it once it has restored the
    previous handlers; with these no-op handlers in place, that ends the
    server but not the process before the Application has stopped.
    """
    handled = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, lambda _sig, _frame: None) for sig in handled}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


async def serve_webhook(
    settings: BotSettings,
    services: BotServices,
    worker: str,
    client: MarketDataClient,
    health: Mapping[str, Any],
) -> None:
    """Serve /health and the webhook on BOT_HOST:BOT_PORT until SIGINT/SIGTERM."""
    application = application_for(settings, services, worker, with_updater=False)
    app = create_webhook_app(application, settings.webhook_secret or "", lambda: health)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=settings.bot_host,
            port=settings.bot_port,
            log_config=None,
            access_log=False,
            lifespan="off",
        )
    )
    try:
        with startup_errors(settings):
            await application.initialize()
        async with application:  # already initialised: shuts it down on the way out
            await publish_commands(application)
            await application.start()
            logger.info(
                "bot is serving its webhook",
                extra={"host": settings.bot_host, "port": settings.bot_port},
            )
            try:
                with _signals_end_serving_only():
                    await server.serve()
            finally:
                await application.stop()
    finally:
        await client.aclose()
