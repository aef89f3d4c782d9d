"""End to end: the `telegram-bot` process in polling mode, against the fake Telegram Bot
API and a fake market-data on 127.0.0.1, serves /health and /readiness on BOT_PORT,
stops cleanly on SIGTERM, and says in one line when BOT_PORT is taken. Every wait is
bounded."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests import service_processes as processes
from tests.fakes import MARKET_DATA, Services, closed_port_url, free_port, run_command
from tests.fakes_bot import TOKEN, FakeBotApi, serve_bot_api

pytestmark = pytest.mark.e2e

STOP_TIMEOUT = 15.0


def _environment(tmp: Path, **settings: str) -> dict[str, str]:
    bot = {"TELEGRAM_BOT_TOKEN": TOKEN, "BOT_MODE": "polling", "BOT_HOST": "127.0.0.1"}
    return processes.environment(tmp, **bot, **settings)


def _get(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local http
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _wait_until_ready(bot: subprocess.Popen[bytes], base: str, log: Path) -> dict[str, Any]:
    deadline = time.monotonic() + processes.START_TIMEOUT
    while time.monotonic() < deadline:
        if bot.poll() is not None:
            pytest.fail(f"the bot exited early:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            status, body = _get(f"{base}/readiness")
        except (urllib.error.URLError, OSError):
            status, body = 0, {}
        if status == 200:
            return body
        time.sleep(0.1)
    pytest.fail(f"the bot was not ready in {processes.START_TIMEOUT} s:\n{log.read_text()[-3000:]}")


def test_polling_bot_serves_health_and_readiness_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "bot.log"
    with serve_bot_api(FakeBotApi()) as api, Services() as fakes:
        env = _environment(
            tmp_path,
            TELEGRAM_API_BASE_URL=api.base_url,
            MARKET_DATA_URL=fakes.start(MARKET_DATA),
            BOT_PORT=str(port),
        )
        with log.open("wb") as sink:
            bot = subprocess.Popen(
                processes.command("telegram-bot"),
                cwd=processes.PROJECT_ROOT,
                env=env,
                stdout=sink,
                stderr=sink,
            )
        try:
            readiness = _wait_until_ready(bot, base, log)
            status, health = _get(f"{base}/health")
            bot.send_signal(signal.SIGTERM)
            began = time.monotonic()
            code = bot.wait(timeout=STOP_TIMEOUT)
            stopped_in = time.monotonic() - began
        finally:
            if bot.poll() is None:
                bot.kill()
                bot.wait(timeout=5)
        polls = api.calls.count("getUpdates")
        time.sleep(0.5)
        assert api.calls.count("getUpdates") == polls  # nothing polls after the exit

    assert status == 200
    assert list(health) == ["service", "status", "timestamp", "version", "environment", "mode"]
    assert (health["service"], health["mode"], health["environment"]) == (
        "telegram-bot",
        "polling",
        "local",
    )
    checks = readiness["checks"]
    assert sorted(checks) == ["database", "market_data", "telegram"]
    assert all(check["ok"] for check in checks.values()), checks
    assert code == 0, log.read_text()[-3000:]
    assert stopped_in < STOP_TIMEOUT
    assert "Traceback" not in log.read_text()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass  # the port is closed again


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
