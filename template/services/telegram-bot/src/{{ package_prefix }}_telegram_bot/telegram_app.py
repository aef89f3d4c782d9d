"""The python-telegram-bot Application: thin handlers over `core`, and the alert job."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeAlias

from telegram import BotCommand, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ContextTypes,
    ExtBot,
    JobQueue,
    MessageHandler,
    filters,
)

from . import core, messages
from .client import MarketDataClient
from .errors import StartupError
from .parsing import COMMANDS, split_command
from .ratelimit import RateLimits, SendRateLimiter
from .settings import BotSettings

logger = logging.getLogger(__name__)

BotApplication: TypeAlias = Application[
    ExtBot[int],  # int: the retry count SendRateLimiter takes per call
    ContextTypes.DEFAULT_TYPE,
    dict[Any, Any],
    dict[Any, Any],
    dict[Any, Any],
    JobQueue[ContextTypes.DEFAULT_TYPE],
]
Hook = Callable[[BotApplication], Coroutine[Any, Any, None]]

ALERT_JOB_NAME = "price-alerts"


class TelegramFrontend:
    """Turns Telegram updates into `core.respond` calls and replies once per command."""

    def __init__(self, services: core.BotServices, worker: str) -> None:
        self.services = services
        self.worker = worker

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer a command message with exactly one reply, unless it is for another bot."""
        message = update.effective_message
        chat = update.effective_chat
        if message is None or chat is None or message.text is None:
            return
        line = split_command(message.text)
        if line is None:  # "/bad-name": Telegram saw a command, we cannot parse it
            await message.reply_text(messages.not_a_command())
            return
        if line.bot is not None and line.bot.lower() != (context.bot.username or "").lower():
            return  # "/price@OtherBot" in a group is not for us
        user = update.effective_user
        reply = await core.respond(
            self.services, chat.id, line.name, line.args, user.id if user else None
        )
        await message.reply_text(reply)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer non-command text in a private chat with a pointer to the commands."""
        if update.effective_message is not None:
            await update.effective_message.reply_text(messages.not_a_command())

    async def check_alerts(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Job: send the notifications of the alerts this worker claimed.

        The sends run concurrently; the bot's rate limiter spaces them within
        Telegram's limits and waits out 429s. A claimed alert that still cannot be
        delivered is logged and not retried (at-most-once, see `Storage.claim_alert`).
        """
        notifications = await core.check_alerts(self.services, self.worker)
        await asyncio.gather(*(self._deliver(context, n) for n in notifications))

    async def _deliver(
        self, context: ContextTypes.DEFAULT_TYPE, notification: core.Notification
    ) -> None:
        try:
            await context.bot.send_message(notification.chat_id, notification.text)
        except TelegramError as exc:
            logger.warning("could not deliver an alert to chat %s: %s", notification.chat_id, exc)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log an update that failed outside the command handlers."""
        logger.error("telegram update failed: %r", context.error)

    def register(self, application: BotApplication, alert_check_seconds: float) -> None:
        """Add the handlers and the repeating alert check to `application`."""
        only_messages = filters.UpdateType.MESSAGE
        application.add_handler(MessageHandler(filters.COMMAND & only_messages, self.on_command))
        application.add_handler(
            MessageHandler(
                filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE & only_messages,
                self.on_text,
            )
        )
        application.add_error_handler(self.on_error)
        if application.job_queue is None:
            raise RuntimeError("python-telegram-bot[job-queue] is required for price alerts")
        application.job_queue.run_repeating(
            self.check_alerts,
            interval=alert_check_seconds,
            first=min(alert_check_seconds, 5.0),
            name=ALERT_JOB_NAME,
        )


async def publish_commands(application: BotApplication) -> None:
    """Fill Telegram's command menu; a failure here must not stop the bot."""
    commands = [BotCommand(command.name, command.description) for command in COMMANDS]
    try:
        await application.bot.set_my_commands(commands)
    except TelegramError as exc:
        logger.warning("could not publish the command menu: %s", exc)


def build_application(
    token: str,
    frontend: TelegramFrontend,
    *,
    alert_check_seconds: float,
    base_url: str | None = None,
    with_updater: bool = True,
    post_init: Hook | None = None,
    post_shutdown: Hook | None = None,
    rate_limits: RateLimits | None = None,
) -> BotApplication:
    """An Application with the frontend's handlers, sending within Telegram's limits."""
    builder = ApplicationBuilder().token(token).rate_limiter(SendRateLimiter(rate_limits))
    if base_url:
        builder = builder.base_url(base_url)
    if not with_updater:
        builder = builder.updater(None)
    if post_init is not None:
        builder = builder.post_init(post_init)
    if post_shutdown is not None:
        builder = builder.post_shutdown(post_shutdown)
    application = builder.build()
    frontend.register(application, alert_check_seconds)
    return application


def rate_limits(settings: BotSettings) -> RateLimits:
    """Telegram's limits, with the per-chat pace from TELEGRAM_CHAT_MESSAGES_PER_SECOND."""
    return RateLimits(per_chat_period=1 / settings.telegram_chat_messages_per_second)


def application_for(
    settings: BotSettings, frontend: TelegramFrontend, **options: Any
) -> BotApplication:
    """`build_application` with the token, alert interval, Bot API URL and rate limits
    of `settings`, and its other `options` (with_updater, post_init, post_shutdown)."""
    return build_application(
        settings.token or "",
        frontend,
        alert_check_seconds=settings.alert_check_seconds,
        base_url=settings.telegram_api_base_url,
        rate_limits=rate_limits(settings),
        **options,
    )


def run_polling(
    settings: BotSettings, frontend: TelegramFrontend, client: MarketDataClient
) -> None:
    """Long-poll getUpdates until SIGINT/SIGTERM (python-telegram-bot handles the signals)."""

    async def post_init(application: BotApplication) -> None:
        """Publish the command menu once the bot is connected."""
        await publish_commands(application)
        logger.info(
            "bot is polling for updates", extra={"market_data_url": settings.market_data_url}
        )

    async def post_shutdown(application: BotApplication) -> None:
        """Close the market-data client after the bot has stopped."""
        await client.aclose()

    application = application_for(
        settings, frontend, post_init=post_init, post_shutdown=post_shutdown
    )
    with startup_errors(settings):
        application.run_polling(allowed_updates=["message"])


@contextlib.contextmanager
def startup_errors(settings: BotSettings) -> Iterator[None]:
    """Turn the errors of getMe & co. at start-up into one line for the user."""
    where = settings.telegram_api_base_url or "https://api.telegram.org"
    try:
        yield
    except InvalidToken as exc:
        raise StartupError(
            f"Telegram rejected TELEGRAM_BOT_TOKEN ({exc}): check the token from @BotFather"
        ) from None
    except NetworkError as exc:
        raise StartupError(f"cannot reach the Telegram Bot API at {where}: {exc}") from None
