"""The python-telegram-bot Application: the handlers of handlers.py, the alert job, the
command menu, and the Bot API calls recorded for /readiness. runner.py runs it."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any, TypeAlias

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    JobQueue,
    MessageHandler,
    TypeHandler,
    filters,
)

from . import core, handlers, metrics
from .errors import StartupError
from .handlers import BotContext
from .parsing import COMMANDS
from .ratelimit import RateLimits, SendRateLimiter
from .settings import BotSettings
from .telegram_calls import MonitoredRequest, TelegramCalls

logger = logging.getLogger(__name__)

BotApplication: TypeAlias = Application[
    ExtBot[int],  # int: the retry count SendRateLimiter takes per call
    BotContext,
    dict[Any, Any],
    dict[Any, Any],
    dict[Any, Any],
    JobQueue[BotContext],
]

ALERT_JOB_NAME = "price-alerts"
# What the bot asks Telegram for (polling) and what the webhook registration asks for.
ALLOWED_UPDATES = (Update.MESSAGE, Update.CALLBACK_QUERY)


def register(application: BotApplication, alert_check_seconds: float) -> None:
    """Add a CommandHandler per command, the buttons' CallbackQueryHandler, the replies to
    other text, and the repeating alert check to `application`."""
    # Group -1 runs before the handlers: every update is counted, whatever handles it.
    application.add_handler(TypeHandler(Update, metrics.count_update), group=-1)
    only_messages = filters.UpdateType.MESSAGE  # an edited command gets no second reply
    for name in core.HANDLERS:
        application.add_handler(CommandHandler(name, handlers.command, filters=only_messages))
    application.add_handler(CallbackQueryHandler(handlers.button))
    application.add_handler(
        MessageHandler(filters.COMMAND & only_messages, handlers.unknown_command)
    )
    application.add_handler(
        MessageHandler(
            filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE & only_messages,
            handlers.text,
        )
    )
    application.add_error_handler(handlers.error)
    if application.job_queue is None:
        raise RuntimeError("python-telegram-bot[job-queue] is required for price alerts")
    application.job_queue.run_repeating(
        handlers.check_alerts,
        interval=alert_check_seconds,
        first=min(alert_check_seconds, 5.0),
        name=ALERT_JOB_NAME,
    )


async def publish_commands(application: BotApplication) -> None:
    """Fill Telegram's command menu: the operator commands only in the private chats of
    BOT_ADMIN_IDS. A failure here must not stop the bot."""
    everyone = [BotCommand(c.name, c.description) for c in COMMANDS if not c.admin]
    operators = [BotCommand(c.name, c.description) for c in COMMANDS]
    bot = application.bot
    try:
        await bot.set_my_commands(everyone)
    except TelegramError as exc:
        logger.warning("could not publish the command menu: %s", exc)
    services: core.BotServices = application.bot_data[handlers.SERVICES]
    for admin_id in sorted(services.admin_ids):
        try:  # Telegram refuses a user who has not started a chat with the bot yet
            await bot.set_my_commands(operators, scope=BotCommandScopeChat(admin_id))
        except TelegramError as exc:
            logger.warning("could not publish the operators' menu to %s: %s", admin_id, exc)


def build_application(
    token: str,
    services: core.BotServices,
    worker: str,
    *,
    alert_check_seconds: float,
    base_url: str | None = None,
    with_updater: bool = True,
    rate_limits: RateLimits | None = None,
    calls: TelegramCalls | None = None,
) -> BotApplication:
    """An Application answering with `services`, claiming alerts as `worker`, sending
    within Telegram's limits and, given `calls`, recording there how each Bot API call
    ended (getUpdates too)."""
    builder = (
        ApplicationBuilder()
        .token(token)
        .context_types(ContextTypes(context=BotContext))
        .job_queue(JobQueue[BotContext]())
        .rate_limiter(SendRateLimiter(rate_limits))
    )
    if base_url:
        builder = builder.base_url(base_url)
    if not with_updater:
        builder = builder.updater(None)
    if calls is not None:
        # The pool sizes python-telegram-bot gives its own requests.
        builder = builder.request(MonitoredRequest(calls, connection_pool_size=256))
        builder = builder.get_updates_request(MonitoredRequest(calls, connection_pool_size=1))
    application = builder.build()
    application.bot_data.update({handlers.SERVICES: services, handlers.WORKER: worker})
    register(application, alert_check_seconds)
    return application


def rate_limits(settings: BotSettings) -> RateLimits:
    """Telegram's limits, with the per-chat pace from TELEGRAM_CHAT_MESSAGES_PER_SECOND."""
    return RateLimits(per_chat_period=1 / settings.telegram_chat_messages_per_second)


def application_for(
    settings: BotSettings, services: core.BotServices, worker: str, **options: Any
) -> BotApplication:
    """`build_application` with the token, alert interval, Bot API URL and rate limits
    of `settings`, and its other `options` (with_updater, calls)."""
    return build_application(
        settings.token or "",
        services,
        worker,
        alert_check_seconds=settings.alert_check_seconds,
        base_url=settings.telegram_api_base_url,
        rate_limits=rate_limits(settings),
        **options,
    )


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
