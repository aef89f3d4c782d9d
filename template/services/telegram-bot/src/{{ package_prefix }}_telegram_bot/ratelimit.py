"""Telegram's flood limits for everything the bot sends.

Telegram allows a bot about 30 messages per second overall, one per second in
a private chat and 20 per minute in a group, and answers 429 with
`retry_after` beyond that. `SendRateLimiter` plugs into python-telegram-bot
(`ApplicationBuilder().rate_limiter(...)`), so replies and alert fan-outs both
pass through it: a request waits for its chat's window, then for the bot's
overall window, and a 429 pauses every send for `retry_after` seconds before
the same request is tried again. Windows are sliding (never more than `limit`
sends in any `period`), unlike a token bucket that lets a burst through.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from . import metrics

logger = logging.getLogger(__name__)

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]
Clock = Callable[[], float]


@dataclass(frozen=True)
class RateLimits:
    """How many sends per how many seconds; the defaults are Telegram's."""

    overall: int = 30
    overall_period: float = 1.0
    per_chat: int = 1
    per_chat_period: float = 1.0
    per_group: int = 20
    per_group_period: float = 60.0
    max_retries: int = 10


def _seconds(exc: RetryAfter) -> float:
    """`retry_after` in seconds (an int today, a timedelta in a future version)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = exc.retry_after
    return float(wait) if isinstance(wait, int | float) else wait.total_seconds()


def _no_pause() -> float:
    return 0.0


class SlidingWindow:
    """At most `limit` sends in any `period` seconds, first come first served.

    A send counts from the moment `acquire` returns (or `record` is called), so
    the caller sends right away, without awaiting anything in between.
    """

    def __init__(self, limit: int, period: float, clock: Clock = time.monotonic) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("a window needs limit >= 1 and period > 0")
        self.limit = limit
        self.period = period
        self.lock = asyncio.Lock()
        self._clock = clock
        self._times: deque[float] = deque()

    def idle(self) -> bool:
        """Whether nothing was sent in the last period (the window can be forgotten)."""
        return not self._times or self._clock() - self._times[-1] >= self.period

    def wait_time(self) -> float:
        """Seconds until one more send fits in the window (0 when it fits now)."""
        now = self._clock()
        while self._times and now - self._times[0] >= self.period:
            self._times.popleft()
        if len(self._times) < self.limit:
            return 0.0
        return self._times[0] + self.period - now

    def record(self) -> None:
        """Count a send now; call it holding `lock`, after `wait_time` said 0."""
        self._times.append(self._clock())

    async def acquire(self, pause: Callable[[], float] = _no_pause) -> None:
        """Wait until neither `pause` (seconds left) nor the window holds a send back."""
        async with self.lock:
            while True:
                delay = max(pause(), self.wait_time())
                if delay <= 0:
                    break
                await asyncio.sleep(delay)
            self.record()


class SendRateLimiter(BaseRateLimiter[int]):
    """Per-chat and overall sliding windows plus 429 handling for python-telegram-bot.

    Requests without a `chat_id` (getMe, getUpdates, setMyCommands) are not
    throttled. The optional per-call argument (`rate_limit_args`) overrides the
    number of retries after a 429.
    """

    def __init__(self, limits: RateLimits | None = None, clock: Clock = time.monotonic) -> None:
        self.limits = limits or RateLimits()
        self._clock = clock
        self._overall = SlidingWindow(self.limits.overall, self.limits.overall_period, clock)
        self._chats: dict[int | str, SlidingWindow] = {}
        self._resume_at = 0.0
        self.retries = 0

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    def _chat_window(self, chat_id: int | str) -> SlidingWindow:
        window = self._chats.get(chat_id)
        if window is None:
            if len(self._chats) > 4096:  # forget chats that have been quiet for a period
                self._chats = {
                    key: w for key, w in self._chats.items() if w.lock.locked() or not w.idle()
                }
            group = isinstance(chat_id, str) or chat_id < 0
            limit, period = (
                (self.limits.per_group, self.limits.per_group_period)
                if group
                else (self.limits.per_chat, self.limits.per_chat_period)
            )
            window = self._chats[chat_id] = SlidingWindow(limit, period, self._clock)
        return window

    def _pause_left(self) -> float:
        return self._resume_at - self._clock()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONResult:
        """Send when the windows allow it; after a 429, wait `retry_after` and send again."""
        chat_id: Any = data.get("chat_id")
        if chat_id is None:
            return await callback(*args, **kwargs)
        if not isinstance(chat_id, int):
            try:
                chat_id = int(chat_id)
            except (TypeError, ValueError):
                chat_id = str(chat_id)  # "@channelname"
        max_retries = self.limits.max_retries if rate_limit_args is None else rate_limit_args
        window = self._chat_window(chat_id)
        for attempt in range(max_retries + 1):
            # The chat's lock is held until its send starts, so a send that waits for
            # the overall window cannot be overtaken by a later one to the same chat.
            async with window.lock:
                while True:
                    delay = window.wait_time()
                    if delay <= 0:
                        break
                    await asyncio.sleep(delay)
                await self._overall.acquire(self._pause_left)
                window.record()
                try:
                    return await callback(*args, **kwargs)
                except RetryAfter as exc:
                    if attempt == max_retries:
                        raise
                    seconds = _seconds(exc)
                    self.retries += 1
                    metrics.telegram_retried(endpoint)
                    self._resume_at = max(self._resume_at, self._clock() + seconds + 0.05)
                    logger.warning(
                        "Telegram flood limit on %s to chat %s: retrying in %.1f s",
                        endpoint,
                        chat_id,
                        seconds,
                    )
        raise AssertionError("unreachable: the last attempt returns or raises")
