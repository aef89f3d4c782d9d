"""`telegram-bot --console`: the same commands, chatting on stdin/stdout.

A reply's buttons are printed as numbered choices ("[1] 🔄 Refresh  [2] 📊 ATR");
typing a number presses that button of the latest reply that had buttons. A
picture is written to a PNG file whose path is printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
import threading
from collections.abc import AsyncIterator
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path
from typing import TextIO

from . import alert_check, core, messages

# Telegram never uses 0 as a chat id, so the console's watchlist and alerts
# cannot mix with a real chat's in a shared database. Whoever runs the console runs the
# bot, so the operator commands answer them.
CONSOLE_CHAT_ID = 0
ASKER = core.Asker(CONSOLE_CHAT_ID, CONSOLE_CHAT_ID, admin=True)
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


def render(reply: core.Reply, photo: Path | None = None) -> str:
    """A reply as console text: the text, where its picture was saved, then its buttons
    numbered in reading order, one line per row."""
    lines = [reply.text]
    if photo is not None:
        lines.append(f"Picture: {photo}")
    number = 0
    for row in reply.buttons:
        choices = []
        for button in row:
            number += 1
            choices.append(f"[{number}] {button.label}")
        lines.append("  ".join(choices))
    return "\n".join(lines)


@dataclass
class Console:
    """A chat on a pair of text streams, with the console's alerts checked in the background.

    Pictures are saved in `picture_dir` (default: a new temporary directory).
    """

    services: core.BotServices
    stdin: TextIO
    stdout: TextIO
    _: KW_ONLY
    interactive: bool
    alert_check_seconds: float
    worker: str
    picture_dir: Path | None = None
    _choices: list[core.Button] = field(default_factory=list, init=False)
    _pictures: int = field(default=0, init=False)

    def _write(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def _save(self, photo: bytes) -> Path:
        if self.picture_dir is None:
            self.picture_dir = Path(tempfile.mkdtemp(prefix="telegram-bot-console-"))
        self._pictures += 1
        path = self.picture_dir / f"picture-{self._pictures}.png"
        path.write_bytes(photo)
        return path

    def _show(self, reply: core.Reply) -> str:
        if reply.buttons:
            self._choices = [button for row in reply.buttons for button in row]
        return render(reply, self._save(reply.photo) if reply.photo is not None else None)

    async def answer(self, text: str) -> str:
        """The console's reply to one line: a command, or the number of a button."""
        if not text.isdigit():
            return self._show(await core.respond_to_text(self.services, ASKER, text))
        number = int(text)
        if not 1 <= number <= len(self._choices):
            return messages.no_such_choice(len(self._choices))
        chosen = self._choices[number - 1]
        pressed = await core.press(self.services, ASKER, chosen.command, chosen.args)
        shown = [pressed.notice] if pressed.notice else []
        if pressed.reply is not None:
            shown.append(self._show(pressed.reply))
        return "\n".join(shown)

    def _prompt(self) -> None:
        if self.interactive:
            self._write(PROMPT)

    async def _watch_alerts(self) -> None:
        while True:
            await asyncio.sleep(self.alert_check_seconds)
            try:
                fired = await alert_check.check_alerts(self.services, self.worker, CONSOLE_CHAT_ID)
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
                    self._write(await self.answer(text) + ("\n\n" if self.interactive else "\n"))
                self._prompt()
            if self.interactive:
                self._write("\n")
        finally:
            alerts.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await alerts
