"""`telegram-bot --console`: the same commands, chatting on stdin/stdout."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator
from dataclasses import KW_ONLY, dataclass
from typing import TextIO

from . import core

# Telegram never uses 0 as a chat id, so the console's watchlist and alerts
# cannot mix with a real chat's in a shared database.
CONSOLE_CHAT_ID = 0
QUIT_COMMANDS = frozenset({"/quit", "/exit"})
PROMPT = "> "

logger = logging.getLogger(__name__)


async def _lines(stdin: TextIO) -> AsyncIterator[str]:
    """Lines of `stdin`, read by a daemon thread so Ctrl-C never waits for input."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def deliver(line: str | None) -> bool:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, line)
        except RuntimeError:  # the loop has closed: nobody is listening any more
            return False
        return True

    def pump() -> None:
        for line in iter(stdin.readline, ""):
            if not deliver(line):
                return
        deliver(None)

    threading.Thread(target=pump, name="console-stdin", daemon=True).start()
    while (line := await queue.get()) is not None:
        yield line


@dataclass
class Console:
    """A chat on a pair of text streams, with the console's alerts checked in the background."""

    services: core.BotServices
    stdin: TextIO
    stdout: TextIO
    _: KW_ONLY
    interactive: bool
    alert_check_seconds: float
    worker: str

    def _write(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def _prompt(self) -> None:
        if self.interactive:
            self._write(PROMPT)

    async def _watch_alerts(self) -> None:
        while True:
            await asyncio.sleep(self.alert_check_seconds)
            try:
                fired = await core.check_alerts(self.services, self.worker, CONSOLE_CHAT_ID)
            except Exception:
                logger.exception("alert check failed")
                continue
            for notification in fired:
                self._write(
                    f"\n{notification.text}\n" if self.interactive else notification.text + "\n"
                )
            if fired:
                self._prompt()

    async def run(self, banner: str | None = None) -> None:
        """Answer each line with one reply until EOF or /quit."""
        alerts = asyncio.create_task(self._watch_alerts())
        try:
            if self.interactive and banner:
                self._write(banner + "\n")
            self._prompt()
            async for raw in _lines(self.stdin):
                text = raw.strip()
                if text.lower() in QUIT_COMMANDS:
                    break
                if text:
                    reply = await core.respond_to_text(self.services, CONSOLE_CHAT_ID, text)
                    self._write(reply + ("\n\n" if self.interactive else "\n"))
                self._prompt()
            if self.interactive:
                self._write("\n")
        finally:
            alerts.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await alerts
