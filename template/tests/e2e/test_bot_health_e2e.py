"""End to end: the `telegram-bot` process says in one line when BOT_PORT is taken.
(Its /health, /readiness and clean stop on SIGTERM are the last test of test_bot_e2e.py,
on the bot that test module runs.) Every wait is bounded."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests import service_processes as processes
from tests.fakes import closed_port_url, run_command
from tests.fakes_bot import TOKEN

pytestmark = pytest.mark.e2e


def _environment(tmp: Path, **settings: str) -> dict[str, str]:
    bot = {"TELEGRAM_BOT_TOKEN": TOKEN, "BOT_MODE": "polling", "BOT_HOST": "127.0.0.1"}
    return processes.environment(tmp, **bot, **settings)


def test_a_taken_bot_port_stops_the_bot_with_one_line(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = run_command(
            processes.command("telegram-bot"),
            cwd=processes.PROJECT_ROOT,
            # The port is opened before Telegram is called: this Bot API is never reached.
            env=_environment(
                tmp_path,
                TELEGRAM_API_BASE_URL=f"{closed_port_url()}/bot",
                BOT_PORT=str(port),
            ),
            timeout=60,
        )
    assert result.returncode == 1
    assert (
        f"error: cannot listen on 127.0.0.1:{port} (BOT_HOST, BOT_PORT): Address already in use"
        in result.stderr.splitlines()
    )
    assert "Traceback" not in result.stderr
