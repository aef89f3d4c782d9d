"""`make run` / `make chat`: market-data and the bot together on this machine, no docker.

Starts `market-data` (unless one already answers on MARKET_DATA_HOST:MARKET_DATA_PORT),
waits for its /health, then runs the bot: polling Telegram when TELEGRAM_BOT_TOKEN
is set, otherwise (or with --console) chatting in this terminal. Ctrl-C or the end
of the chat stops both. Settings come from the environment and `.env`.

    uv run run-local [--console]
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import nullcontext
from pathlib import Path
from typing import IO

from dotenv import dotenv_values

from ops.project import project_root

HEALTH_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


def _settings() -> dict[str, str]:
    """`.env` overlaid by the environment, as the services themselves read them."""
    from_file = dotenv_values(project_root() / ".env")
    return {**{key: value for key, value in from_file.items() if value is not None}, **os.environ}


def installed_script(name: str) -> str | None:
    """The console script `name` next to this interpreter (uv's .venv/bin), else on PATH."""
    return shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)


def _script(name: str) -> str:
    found = installed_script(name)
    if found is None:
        sys.exit(f"error: `{name}` is not installed; run `uv sync --all-packages` first")
    return found


def _healthy(url: str) -> bool:
    try:
        # `url` is always the http:// URL main() builds, never a file: or custom scheme.
        with urllib.request.urlopen(f"{url}/health", timeout=1) as response:  # noqa: S310  # nosec B310
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _wait_for_health(url: str, process: subprocess.Popen[bytes], log: Path | None) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            where = f" (its log: {log})" if log else ""
            sys.exit(f"error: market-data exited with code {process.returncode}{where}")
        if _healthy(url):
            return
        time.sleep(0.2)
    _stop(process)
    sys.exit(f"error: market-data did not answer {url}/health within {HEALTH_TIMEOUT:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _start_market_data(
    settings: dict[str, str], url: str, console: bool
) -> subprocess.Popen[bytes]:
    log: Path | None = None
    sink: IO[bytes] | None = None
    if console:
        # The chat owns the terminal: market-data logs to a file instead.
        log = project_root() / settings.get("DATA_DIR", ".data") / "market-data.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        sink = log.open("ab")
    with sink or nullcontext():
        process = subprocess.Popen(
            [_script("market-data")],
            cwd=project_root(),
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=sink,
            # Its own session: Ctrl-C reaches the bot, and this script stops market-data.
            start_new_session=True,
        )
    print(f"market-data: starting on {url}" + (f" (log: {log})" if log else ""), flush=True)
    _wait_for_health(url, process, log)
    return process


def _reachable(host: str) -> str:
    """Where to connect to a server listening on `host`: loopback for a wildcard address."""
    try:
        wildcard = not host or ipaddress.ip_address(host).is_unspecified
    except ValueError:  # a host name
        wildcard = False
    return "127.0.0.1" if wildcard else host


def main(argv: list[str] | None = None) -> int:
    """Run market-data (unless one answers already) and the bot; returns the bot's exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--console", action="store_true", help="chat in this terminal even with a token"
    )
    args = parser.parse_args(argv)
    settings = _settings()

    host = settings.get("MARKET_DATA_HOST", "127.0.0.1")
    port = settings.get("MARKET_DATA_PORT", "8080")
    url = f"http://{_reachable(host)}:{port}"

    console = args.console or not settings.get("TELEGRAM_BOT_TOKEN", "").strip()
    if console and not args.console:
        print(
            "TELEGRAM_BOT_TOKEN is not set: chatting in this terminal instead "
            "(set it in .env to run the real Telegram bot).",
            flush=True,
        )

    market: subprocess.Popen[bytes] | None = None
    if _healthy(url):
        print(f"market-data: already running on {url}, using it", flush=True)
    else:
        market = _start_market_data(settings, url, console)

    bot_command = [_script("telegram-bot"), *(["--console"] if console else [])]
    bot = subprocess.Popen(
        bot_command, cwd=project_root(), env={**os.environ, "MARKET_DATA_URL": url}
    )
    try:
        return bot.wait()
    except KeyboardInterrupt:
        # Ctrl-C reached the bot too; give it time to finish.
        try:
            bot.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            bot.kill()
        return 0
    finally:
        if market is not None:
            _stop(market)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
