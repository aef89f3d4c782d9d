"""The bot's HTTP server on BOT_HOST:BOT_PORT, in polling and webhook mode.

It serves GET /health (the process answers), GET /readiness (200 or 503 with each
check), GET /metrics (Prometheus) and the routes of the mode (webhook mode:
Telegram's POSTs). The load balancer forwards only paths under /telegram/ to the
bot, so the two probes answer there as well (/telegram/health, /telegram/readiness),
and /metrics stays private. This module is where the
bot's routes are added.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from . import metrics
from .errors import StartupError

PUBLIC_PREFIX = "/telegram"  # what the load balancer forwards to the bot
SHUTDOWN_SECONDS = 5  # open requests get this long to finish after SIGTERM

Checks = Callable[[], Awaitable[dict[str, dict[str, Any]]]]


@dataclass(frozen=True)
class About:
    """What /health says about this process."""

    service: str
    version: str
    environment: str
    mode: str  # polling or webhook


def error_response(
    status: int, error: str, detail: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """The services' error body: `{"error": ..., "detail": ...}`."""
    return JSONResponse({"error": error, "detail": detail}, status_code=status, headers=headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        # A 405 keeps Starlette's Allow header (RFC 9110).
        return error_response(exc.status_code, "http_error", str(exc.detail), exc.headers)
    return error_response(500, "internal_error", "unexpected error")


def create_http_app(about: About, checks: Checks, routes: Sequence[BaseRoute] = ()) -> Starlette:
    """/health and /readiness (also under PUBLIC_PREFIX), /metrics, then `routes`."""

    async def health(request: Request) -> Response:
        """Liveness: the process answers. Touches neither Telegram nor the database."""
        return JSONResponse(
            {
                "service": about.service,
                "status": "ok",
                "timestamp": datetime.now(UTC).isoformat(),
                "version": about.version,
                "environment": about.environment,
                "mode": about.mode,
            }
        )

    async def readiness(request: Request) -> Response:
        """Ready when every check is ok; 503 names the failing ones in `checks`."""
        found = await checks()
        ready = all(check["ok"] for check in found.values())
        return JSONResponse({"ready": ready, "checks": found}, status_code=200 if ready else 503)

    async def prometheus_metrics(request: Request) -> Response:
        """The process's metrics in Prometheus' text format."""
        return Response(metrics.render(), media_type=metrics.CONTENT_TYPE)

    probes = [
        Route(prefix + path, endpoint, methods=["GET"])
        for prefix in ("", PUBLIC_PREFIX)
        for path, endpoint in (("/health", health), ("/readiness", readiness))
    ]
    scraped = Route("/metrics", prometheus_metrics, methods=["GET"])
    return Starlette(
        routes=[*probes, scraped, *routes], exception_handlers={HTTPException: _http_error}
    )


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on `host`:`port`; StartupError when it cannot be opened."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        return socket.create_server((host, port), family=family)
    except OSError as exc:
        raise StartupError(
            f"cannot listen on {host}:{port} (BOT_HOST, BOT_PORT): {_reason(exc)}"
        ) from None


def _reason(exc: OSError) -> str:
    """The system's words for `exc`, without the address that create_server appends."""
    if isinstance(exc, socket.gaierror) or not exc.errno:
        return exc.strerror or exc.__class__.__name__
    return os.strerror(exc.errno)


def http_server(app: Starlette) -> uvicorn.Server:
    """A uvicorn server for `app`, on the socket given to its `serve`, logging through the
    bot's logging (no access log)."""
    return uvicorn.Server(
        uvicorn.Config(
            app,
            log_config=None,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=SHUTDOWN_SECONDS,
        )
    )


@contextlib.contextmanager
def signals_end_serving_only() -> Iterator[None]:
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
