"""Whether the bot's last Telegram Bot API call succeeded, for /readiness.

`MonitoredRequest` is python-telegram-bot's HTTP layer (`HTTPXRequest`) with one
addition: every call it makes, getUpdates included, records its outcome in a
`TelegramCalls`. A call succeeded when Telegram answered it as a working Bot API
does: a 2xx, or a refusal about that one request (400 such as "message is not
modified", 403 "bot was blocked by the user", 429 flood limit). It failed when
Telegram could not be reached or did not answer in time, refused the token (401,
404), reported another poller or a webhook (409), or answered 5xx.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from telegram.error import TimedOut
from telegram.request import HTTPXRequest

from . import metrics

# Telegram's refusals of one request; the API itself works.
ANSWERED = frozenset({400, 403, 429})

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Call:
    """One finished Bot API call: its method, when it ended, and why it failed (None: it
    succeeded)."""

    method: str
    at: datetime
    error: str | None = None


class TelegramCalls:
    """The last finished Bot API call of this process."""

    def __init__(self, clock: Clock = _now) -> None:
        self.last: Call | None = None
        self._clock = clock

    def record(self, method: str, error: str | None = None) -> None:
        """Note that a call of `method` just ended, failing with `error` unless it is None."""
        self.last = Call(method, self._clock(), error)

    def check(self) -> dict[str, Any]:
        """The readiness check: ok when the last call succeeded; before any call (getMe at
        start-up is the first) not ok."""
        last = self.last
        if last is None:
            return {"ok": False, "error": "no Bot API call yet"}
        check: dict[str, Any] = {
            "ok": last.error is None,
            "last_call": last.method,
            "at": last.at.isoformat(),
        }
        if last.error is not None:
            check["error"] = last.error
        return check


def _failure(status: int) -> str | None:
    """Why an HTTP status of the Bot API says the bot cannot work, or None."""
    if 200 <= status < 300 or status in ANSWERED:
        return None
    return f"HTTP {status}"


class MonitoredRequest(HTTPXRequest):
    """`HTTPXRequest` (its keyword arguments as they are) recording each call in `calls`
    and counting it in the metrics by method and status."""

    def __init__(self, calls: TelegramCalls, **options: Any) -> None:
        super().__init__(**options)
        self.calls = calls

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        """Make the call as HTTPXRequest does (its arguments as they are) and record how
        it ended."""
        api_method = url.rsplit("/", 1)[-1]  # the URL holds the token: keep the method only
        try:
            status, payload = await super().do_request(url, method, *args, **kwargs)
        except Exception as exc:  # NetworkError, TimedOut: Telegram did not answer
            self.calls.record(api_method, exc.__class__.__name__)
            metrics.telegram_answered(
                api_method, "timeout" if isinstance(exc, TimedOut) else "network"
            )
            raise
        self.calls.record(api_method, _failure(status))
        metrics.telegram_answered(api_method, status)
        return status, payload
