"""The services as processes, started from their installed commands, for the tests that run
them the way a deployment does (end to end, metrics scraped by a real Prometheus).

Every wait is bounded; a process that exits early fails the test with its output.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from ops.run_local import installed_script

PROJECT_ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 30.0
# Settings the developer's shell may hold that would change what a started service does.
IGNORED_SETTINGS = ("TELEGRAM_", "BOT_", "MARKET_DATA_", "DATABASE_URL", "DEFAULT_SYMBOLS")


@dataclass
class ServiceProcess:
    """A process started by a test, its output in `log`."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def terminate(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)

    def wait(self) -> None:
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=5)

    def stop(self) -> None:
        self.terminate()
        self.wait()


def command(name: str) -> list[str]:
    """The console script `name` installed next to this interpreter (uv's .venv/bin)."""
    script = installed_script(name)
    return [script] if script else pytest.fail(f"`{name}` is not installed: uv sync first")


def environment(data_dir: Path, **settings: str) -> dict[str, str]:
    """This environment without the services' settings, plus local defaults (JSON logs, a
    SQLite database in `data_dir`, the project's feature flags) and `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(IGNORED_SETTINGS)}
    env.update(
        ENVIRONMENT="local",
        LOG_FORMAT="json",
        DATA_DIR=str(data_dir),
        DATABASE_URL=f"sqlite:///{data_dir / 'app.sqlite3'}",
        FEATURE_FLAGS_FILE=str(PROJECT_ROOT / "config" / "feature-flags.yml"),
        PYTHONUNBUFFERED="1",
    )
    env.update(settings)
    return env


def start(name: str, args: list[str], env: dict[str, str], log_dir: Path) -> ServiceProcess:
    """Start `args` in the project's root, its output going to `log_dir/<name>.log`."""
    log = log_dir / f"{name}.log"
    with log.open("wb") as sink:
        popen = subprocess.Popen(
            args, cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=sink, stderr=sink
        )
    return ServiceProcess(name, popen, log)


def start_market_data(port: int, log_dir: Path) -> ServiceProcess:
    """market-data with the sample provider on 127.0.0.1:`port`."""
    env = environment(
        log_dir / "market-data",
        MARKET_DATA_HOST="127.0.0.1",
        MARKET_DATA_PORT=str(port),
        MARKET_DATA_PROVIDER="sample",
    )
    return start("market-data", command("market-data"), env, log_dir)


def wait_until(what: str, ready: Callable[[], bool], process: ServiceProcess) -> None:
    """Poll `ready` until it is true; fail with `what` and the output after START_TIMEOUT."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            pytest.fail(f"{process.name} exited early:\n{process.output()}")
        try:
            if ready():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail(f"{what} within {START_TIMEOUT} s:\n{process.output()}")


def answers(url: str) -> Callable[[], bool]:
    """A `ready` check: `url` answers 200."""
    return lambda: httpx.get(url, timeout=1).status_code == 200
