"""Webhook mode's route: Telegram's POSTs (messages and button presses), checked against
the webhook secret, queued for the same Application as polling. runner.py adds it to the
bot's HTTP app (http_app.py).

It never calls setWebhook: registering the public URL (with the same secret)
is a deployment step, so replicas can start and stop without touching it.
"""

from __future__ import annotations

import hmac
import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update

from .http_app import PUBLIC_PREFIX, error_response
from .telegram_app import BotApplication

# The name of the header, not a secret.
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105
WEBHOOK_PATH = f"{PUBLIC_PREFIX}/webhook"
MAX_UPDATE_BYTES = 1_000_000


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


def webhook_route(application: BotApplication, secret: str) -> Route:
    """POST WEBHOOK_PATH: queue one Telegram update for `application`; 4xx for a wrong
    secret or a malformed body."""
    expected = secret.encode()

    async def webhook(request: Request) -> Response:
        """Queue one Telegram update; 4xx for a wrong secret or a malformed body."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return error_response(403, "forbidden", f"missing or wrong {SECRET_HEADER} header")
        body = await _bounded_body(request)
        if body is None:
            return error_response(
                413, "too_large", f"an update is at most {MAX_UPDATE_BYTES} bytes"
            )
        try:
            data = json.loads(body)
        except ValueError:
            return error_response(400, "invalid_json", "the body must be a Telegram Update as JSON")
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return error_response(
                400, "invalid_update", "the body must be a Telegram Update object"
            )
        try:
            update = Update.de_json(data, application.bot)
        except (KeyError, TypeError, ValueError):
            return error_response(
                400, "invalid_update", "the body must be a Telegram Update object"
            )
        await application.update_queue.put(update)
        return JSONResponse({"ok": True})

    return Route(WEBHOOK_PATH, webhook, methods=["POST"])
