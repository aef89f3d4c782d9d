"""Polling and webhook mode: the python-telegram-bot Application and the bot's HTTP server
(http_app: /health, /readiness, and in webhook mode Telegram's POSTs) in one asyncio loop.

The Application runs the way python-telegram-bot documents for sharing the loop with
another asyncio framework: initialize (getMe), start polling (polling mode), start;
after SIGINT or SIGTERM, which end the HTTP server: stop polling, stop, shut down.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

from telegram.error import TelegramError

from .client import MarketDataClient
from .core import BotServices
from .http_app import About, create_http_app, http_server, listen, signals_end_serving_only
from .readiness import Readiness
from .settings import BotSettings
from .telegram_app import (
    ALLOWED_UPDATES,
    BotApplication,
    application_for,
    publish_commands,
    startup_errors,
)
from .telegram_calls import TelegramCalls
from .webhook import webhook_route

logger = logging.getLogger(__name__)

Mode = Literal["polling", "webhook"]


async def serve(
    mode: Mode,
    settings: BotSettings,
    services: BotServices,
    worker: str,
    client: MarketDataClient,
    about: About,
) -> None:
    """Run the bot in `mode` with its HTTP server on BOT_HOST:BOT_PORT until SIGINT/SIGTERM.

    Raises StartupError when the port cannot be opened, or Telegram refuses the token or
    cannot be reached at start-up. `client` is closed on the way out.
    """
    calls = TelegramCalls()
    application = application_for(
        settings, services, worker, calls=calls, with_updater=mode == "polling"
    )
    routes = (
        [webhook_route(application, settings.webhook_secret or "")] if mode == "webhook" else []
    )
    readiness = Readiness(services.storage, client, calls)
    server = http_server(create_http_app(about, readiness.checks, routes))
    try:
        with listen(settings.bot_host, settings.bot_port) as sock, signals_end_serving_only():
            serving = asyncio.create_task(server.serve(sockets=[sock]))
            try:
                await _run_application(application, settings, serving)
            finally:
                server.should_exit = True
                await serving
    finally:
        await client.aclose()


async def _run_application(
    application: BotApplication, settings: BotSettings, serving: asyncio.Task[None]
) -> None:
    """Run `application` until `serving` (the HTTP server) ends."""
    with startup_errors(settings):
        await application.initialize()  # getMe
    async with application:  # already initialised: shuts it down on the way out
        await publish_commands(application)
        updater = application.updater
        if updater is not None:

            def polling_failed(error: TelegramError) -> None:
                """Hand a failed getUpdates to the error handler, as run_polling does."""
                application.create_task(application.process_error(update=None, error=error))

            with startup_errors(settings):
                await updater.start_polling(
                    allowed_updates=list(ALLOWED_UPDATES), error_callback=polling_failed
                )
        await application.start()
        logger.info(
            "bot is %s",
            "polling for updates" if updater else "serving its webhook",
            extra={"host": settings.bot_host, "port": settings.bot_port},
        )
        try:
            await serving
        finally:
            if updater is not None and updater.running:
                await updater.stop()
            if application.running:
                await application.stop()
