"""The Telegram handlers, in python-telegram-bot's style: `async def handler(update, context)`.

`telegram_app.register` gives every command of `core.HANDLERS` a CommandHandler
(which also ignores "/price@OtherBot"), the buttons a CallbackQueryHandler, and
the alert check a repeating job. The handlers read the bot's services from the
context, hand the work to `core` and send what it returns.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MaybeInaccessibleMessage,
    Message,
    Update,
)
from telegram.constants import CallbackQueryLimit
from telegram.error import BadRequest, TelegramError
from telegram.ext import CallbackContext, ExtBot

from . import alert_check, callbacks, core, messages, metrics
from .parsing import CommandLine, split_command

# Keys of the Application's bot_data.
SERVICES = "services"
WORKER = "worker"

logger = logging.getLogger(__name__)


class BotContext(CallbackContext[ExtBot[int], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """python-telegram-bot's context, with what the bot's handlers share (from bot_data)."""

    @property
    def services(self) -> core.BotServices:
        """Market data, storage, flags and the bot's identity."""
        services: core.BotServices = self.bot_data[SERVICES]
        return services

    @property
    def worker(self) -> str:
        """This process's name in the alert claims."""
        worker: str = self.bot_data[WORKER]
        return worker


def asker(update: Update, admin_ids: frozenset[int] = frozenset()) -> core.Asker | None:
    """The chat and user behind an update, an operator when the user is in `admin_ids`;
    None for updates without a chat."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None:
        return None
    admin = user is not None and user.id in admin_ids
    return core.Asker(chat.id, user.id if user is not None else chat.id, admin)


def keyboard(reply: core.Reply, token: str) -> InlineKeyboardMarkup | None:
    """The reply's buttons, their callback data signed for the bot with `token`."""
    if not reply.buttons:
        return None
    key = callbacks.key_for(token)

    def button(b: core.Button) -> InlineKeyboardButton:
        return InlineKeyboardButton(b.label, callback_data=callbacks.encode(b.command, b.args, key))

    return InlineKeyboardMarkup([[button(b) for b in row] for row in reply.buttons])


async def send(bot: Bot, chat_id: int, reply: core.Reply, thread_id: int | None = None) -> None:
    """Send `reply` as a new message: a photo with its caption, or a text."""
    markup = keyboard(reply, bot.token)
    if reply.photo is not None:
        await bot.send_photo(
            chat_id, reply.photo, reply.text, reply_markup=markup, message_thread_id=thread_id
        )
    else:
        await bot.send_message(
            chat_id, reply.text, reply_markup=markup, message_thread_id=thread_id
        )


async def _answer(
    context: BotContext, who: core.Asker, line: CommandLine, message: Message
) -> None:
    with metrics.replying(metrics.command_label(line.name, core.HANDLERS)):
        reply = await core.respond(context.services, who, line.name, line.args)
        await send(context.bot, who.chat_id, reply, _thread(message))


def _thread(message: MaybeInaccessibleMessage | None) -> int | None:
    """The forum topic to answer in, as `Message.reply_text` does."""
    if isinstance(message, Message) and message.is_topic_message:
        return message.message_thread_id
    return None


async def command(update: Update, context: BotContext) -> None:
    """A command of core.HANDLERS (its CommandHandler matched it): core's one reply."""
    message, who = update.effective_message, asker(update, context.services.admin_ids)
    line = split_command(message.text or "") if message is not None else None
    if message is not None and who is not None and line is not None:
        await _answer(context, who, line, message)


async def unknown_command(update: Update, context: BotContext) -> None:
    """Any other "/word": the unknown-command reply, or the pointer when it cannot be
    parsed; nothing when it is for another bot ("/price@OtherBot" in a group)."""
    message, who = update.effective_message, asker(update, context.services.admin_ids)
    if message is None or who is None or message.text is None:
        return
    line = split_command(message.text)
    if line is None:  # "/bad-name": Telegram saw a command, we cannot parse it
        await message.reply_text(messages.not_a_command())
    elif line.bot is None or line.bot.lower() == (context.bot.username or "").lower():
        await _answer(context, who, line, message)


async def text(update: Update, context: BotContext) -> None:
    """Non-command text in a private chat: a pointer to the commands."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(messages.not_a_command())


async def button(update: Update, context: BotContext) -> None:
    """A button press: run its command, show the result, and always answer the query."""
    query, who = update.callback_query, asker(update, context.services.admin_ids)
    if query is None:
        return
    notice = ""
    try:
        if who is None:  # a button on an inline-mode message: this bot makes none
            raise callbacks.InvalidCallback("malformed", "no chat")
        wanted = callbacks.decode(query.data or "", callbacks.key_for(context.bot.token))
        pressed = await core.press(context.services, who, wanted.command, wanted.args)
        notice = pressed.notice
        if pressed.reply is not None:
            await _show(context, who.chat_id, query.message, pressed.reply, pressed.edit)
    except callbacks.InvalidCallback as exc:
        logger.info("refused a button press: %s", exc)
        notice = messages.BUTTON_PROBLEMS[exc.problem]
    finally:
        await query.answer(notice[: CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH] or None)


async def _show(
    context: BotContext,
    chat_id: int,
    pressed_on: MaybeInaccessibleMessage | None,
    reply: core.Reply,
    edit: bool,
) -> None:
    """Redraw the message the button is on with `reply`, or send it as a new message."""
    if not (edit and reply.photo is None and isinstance(pressed_on, Message)):
        await send(context.bot, chat_id, reply, _thread(pressed_on))
        return
    try:
        await pressed_on.edit_text(reply.text, reply_markup=keyboard(reply, context.bot.token))
    except BadRequest as exc:
        if "not modified" in exc.message.lower():
            return  # a refresh that found nothing new
        logger.info("could not edit message %s, sent a new one: %s", pressed_on.message_id, exc)
        await send(context.bot, chat_id, reply, _thread(pressed_on))


async def send_alerts(bot: Bot, services: core.BotServices, worker: str) -> None:
    """Send the notifications of the alerts `worker` claimed.

    The sends run concurrently; the bot's rate limiter spaces them within
    Telegram's limits and waits out 429s. A claimed alert that still cannot be
    delivered is logged and not retried (at-most-once, see `Storage.claim_firings`).
    """
    notifications = await alert_check.check_alerts(services, worker)
    metrics.alerts_claimed(len(notifications))
    await asyncio.gather(*(_deliver(bot, n) for n in notifications))


async def _deliver(bot: Bot, notification: alert_check.Notification) -> None:
    try:
        await bot.send_message(notification.chat_id, notification.text)
        metrics.alert_delivered()
    except TelegramError as exc:
        metrics.alert_failed(exc)
        logger.warning("could not deliver an alert to chat %s: %s", notification.chat_id, exc)


async def check_alerts(context: BotContext) -> None:
    """Job: check the alerts and send the ones this worker claimed."""
    await send_alerts(context.bot, context.services, context.worker)


async def error(update: object, context: BotContext) -> None:
    """Log an update that failed outside core's error handling (a send, an edit)."""
    logger.error("telegram update failed: %r", context.error, exc_info=context.error)
