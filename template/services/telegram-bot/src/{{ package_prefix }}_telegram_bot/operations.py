"""What the bot's operators see in /stats besides storage: its uptime and its last problems.

`RecentErrors` is a logging handler that keeps the last few WARNING-or-worse lines
in memory. It keeps a record's message template, not its arguments ("could not
deliver an alert to chat %s" becomes "could not deliver an alert to chat …"), and
an exception's type, not its text, so no chat id, symbol or message of a user
reaches an operator's chat.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

RECENT_ERRORS = 5
MAX_LINE = 200
_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[a-zA-Z%]")


def _template(record: logging.LogRecord) -> str:
    """The record's message without its arguments (each %-placeholder becomes …)."""
    if not isinstance(record.msg, str):
        return type(record.msg).__name__
    if not record.args:
        return record.msg
    return _PLACEHOLDER.sub(lambda m: "%" if m.group() == "%%" else "…", record.msg)


class RecentErrors(logging.Handler):
    """The last `size` WARNING-or-worse log lines, oldest first, cleared of user data."""

    def __init__(self, size: int = RECENT_ERRORS, level: int = logging.WARNING) -> None:
        super().__init__(level)
        self._lines: deque[str] = deque(maxlen=size)
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        when = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%d %H:%M:%S")
        line = f"{when} {record.levelname} {record.name}: {_template(record)}"
        if record.exc_info and record.exc_info[0] is not None:
            line += f" ({record.exc_info[0].__name__})"
        line = " ".join(line.split())  # one line, whatever the template held
        with self._guard:
            self._lines.append(line if len(line) <= MAX_LINE else line[: MAX_LINE - 1] + "…")

    def lines(self) -> list[str]:
        """The kept lines, oldest first."""
        with self._guard:
            return list(self._lines)


@dataclass
class Operations:
    """When this bot process started and the problems it logged lately."""

    started: float = field(default_factory=time.monotonic)
    errors: RecentErrors = field(default_factory=RecentErrors)

    def uptime(self) -> timedelta:
        """How long the bot has been running, to the second."""
        return timedelta(seconds=int(time.monotonic() - self.started))

    def watch(self, logger: logging.Logger | None = None) -> None:
        """Keep the problems logged through `logger` (default: the root logger)."""
        target = logger if logger is not None else logging.getLogger()
        if self.errors not in target.handlers:
            target.addHandler(self.errors)
