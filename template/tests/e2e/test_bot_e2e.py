"""End to end: the real bot and market-data processes against a fake Telegram Bot API.

A small Bot API server on 127.0.0.1 serves getMe, deleteWebhook, getUpdates,
sendMessage and setMyCommands. The bot (`telegram-bot`, pointed at it with
TELEGRAM_API_BASE_URL) polls it for the updates the tests queue, asks the real
`market-data` service (sample provider) for prices, and the tests read back
what it sent. Every wait is bounded.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

pytestmark = pytest.mark.e2e

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456789:AAE2e-TestToken_ForTheFakeBotApi012"
BOT_USER = {"id": 123456789, "is_bot": True, "first_name": "E2E", "username": "e2e_test_bot"}
START_TIMEOUT = 30.0
REPLY_TIMEOUT = 10.0
ALERT_CHECK_SECONDS = 0.25
WEBHOOK_SECRET = "e2e-webhook_secret"
CONSOLE_INPUT = "/price btc\n/quit\n/price eth\n"
PRICE_LINE = re.compile(r"^BTC-USDT  \d{1,3}(,\d{3})*\.\d{2}  [▲▼→] [+-]?[\d,]+\.\d{2}% 24h")
# Bot API parameters whose form values arrive JSON-encoded (python-telegram-bot sends
# strings as they are and everything else as JSON).
JSON_PARAMETERS = frozenset(
    {"chat_id", "offset", "limit", "timeout", "allowed_updates", "commands"}
)


@dataclass
class FakeBotApi:
    """The state behind the fake server: queued updates and the messages the bot sent."""

    updates: list[dict[str, Any]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)
    next_id: int = 1
    base_url: str = ""

    def push_text(self, chat_id: int, text: str) -> None:
        with self.changed:
            command = text.split()[0]
            entities = (
                [{"type": "bot_command", "offset": 0, "length": len(command)}]
                if text.startswith("/")
                else []
            )
            self.updates.append(
                {
                    "update_id": self.next_id,
                    "message": {
                        "message_id": self.next_id,
                        "date": int(time.time()),
                        "chat": {"id": chat_id, "type": "private", "first_name": "Ada"},
                        "from": {"id": chat_id, "is_bot": False, "first_name": "Ada"},
                        "text": text,
                        "entities": entities,
                    },
                }
            )
            self.next_id += 1
            self.changed.notify_all()

    def wait_until(self, condition: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self.changed:
            while not condition():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.changed.wait(remaining)
            return True

    def texts(self, chat_id: int) -> list[str]:
        with self.changed:
            return [str(m["text"]) for m in self.sent if m["chat_id"] == chat_id]

    def wait_for_texts(self, chat_id: int, count: int, timeout: float = REPLY_TIMEOUT) -> list[str]:
        if not self.wait_until(lambda: len(self.texts(chat_id)) >= count, timeout):
            pytest.fail(f"chat {chat_id}: expected {count} messages, got {self.texts(chat_id)}")
        return self.texts(chat_id)

    # ---------------------------------------------------------------- methods
    def call(self, method: str, params: dict[str, Any]) -> Any:
        with self.changed:
            self.calls.append(method)
            self.changed.notify_all()
        if method == "getMe":
            return BOT_USER
        if method in ("deleteWebhook", "setMyCommands"):
            return True
        if method == "getUpdates":
            return self._get_updates(params)
        if method == "sendMessage":
            return self._send_message(params)
        self.unexpected.append(method)
        raise LookupError(method)

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), 0.2)
        with self.changed:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            if not self.updates and wait > 0:
                self.changed.wait(wait)
            return list(self.updates)

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        with self.changed:
            message = {
                "message_id": 10_000 + len(self.sent),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
                "text": params["text"],
            }
            self.sent.append({"chat_id": chat_id, "text": params["text"]})
            self.changed.notify_all()
        return message


def _handler_for(api: FakeBotApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _reply(self, status: int, payload: dict[str, Any]) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _params(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            if self.headers.get("Content-Type", "").startswith("application/json"):
                loaded = json.loads(raw or "{}")
                return loaded if isinstance(loaded, dict) else {}
            return {
                key: json.loads(value) if key in JSON_PARAMETERS else value
                for key, value in parse_qsl(raw, keep_blank_values=True)
            }

        def do_POST(self) -> None:
            match = re.fullmatch(r"/bot([^/]+)/(\w+)", self.path)
            if match is None or match.group(1) != TOKEN:
                self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                return
            try:
                result = api.call(match.group(2), self._params())
            except LookupError:
                self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                return
            self._reply(200, {"ok": True, "result": result})

        do_GET = do_POST

    return Handler


@pytest.fixture(scope="module")
def bot_api() -> Iterator[FakeBotApi]:
    api = FakeBotApi()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(api))
    server.daemon_threads = True
    api.base_url = f"http://127.0.0.1:{server.server_address[1]}/bot"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield api
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _script(name: str) -> str:
    """The console script installed next to this interpreter (uv's .venv/bin)."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.fail(f"`{name}` is not installed: run `uv sync --all-packages` first")
    return found


def _environment(tmp: Path, **extra: str) -> dict[str, str]:
    ignored = ("TELEGRAM_", "BOT_", "MARKET_DATA_", "DATABASE_URL", "DEFAULT_SYMBOLS")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ignored)}
    env.update(
        ENVIRONMENT="local",
        LOG_FORMAT="json",
        DATA_DIR=str(tmp),
        DATABASE_URL=f"sqlite:///{tmp / 'e2e.sqlite3'}",
        FEATURE_FLAGS_FILE=str(PROJECT_ROOT / "config" / "feature-flags.yml"),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def terminate(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait(self) -> None:
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def _start(name: str, args: list[str], env: dict[str, str], tmp: Path) -> Service:
    log = tmp / f"{name}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            args, cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=sink, stderr=sink
        )
    return Service(name, process, log)


def _wait_for_health(service: Service, url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            pytest.fail(f"{service.name} exited early:\n{service.output()}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - local http
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    pytest.fail(f"{service.name} did not answer {url} in {START_TIMEOUT} s:\n{service.output()}")


def _wait_for_polling(bot: Service, api: FakeBotApi) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not api.wait_until(lambda: "getUpdates" in api.calls, 0.2):
        if bot.process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"the bot never polled for updates:\n{bot.output()}")


@dataclass
class Stack:
    api: FakeBotApi
    market_data_url: str
    console: subprocess.Popen[str]
    webhook: Service
    webhook_url: str


@pytest.fixture(scope="module")
def stack(bot_api: FakeBotApi, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("e2e")
    port, webhook_port = _free_port(), _free_port()
    market_data_url = f"http://127.0.0.1:{port}"
    bot_settings = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": bot_api.base_url,
        "MARKET_DATA_URL": market_data_url,
        "ALERT_CHECK_SECONDS": str(ALERT_CHECK_SECONDS),
    }
    # Start them at once: each spends most of its start-up importing.
    market = _start(
        "market-data",
        [_script("market-data")],
        _environment(
            tmp / "market-data",
            MARKET_DATA_HOST="127.0.0.1",
            MARKET_DATA_PORT=str(port),
            MARKET_DATA_PROVIDER="sample",
        ),
        tmp,
    )
    bot_env = _environment(tmp / "bot", **bot_settings)
    bot = _start("telegram-bot", [_script("telegram-bot")], bot_env, tmp)
    webhook = _start(
        "telegram-bot-webhook",
        [_script("telegram-bot")],
        _environment(
            tmp / "webhook",
            **bot_settings,
            BOT_MODE="webhook",
            BOT_HOST="127.0.0.1",
            BOT_PORT=str(webhook_port),
            TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        ),
        tmp,
    )
    console: subprocess.Popen[str] | None = None
    try:
        _wait_for_health(market, f"{market_data_url}/health")
        console = subprocess.Popen(
            [_script("telegram-bot"), "--console"],
            cwd=PROJECT_ROOT,
            env=_environment(tmp / "console", MARKET_DATA_URL=market_data_url),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        _wait_for_polling(bot, bot_api)
        yield Stack(bot_api, market_data_url, console, webhook, f"http://127.0.0.1:{webhook_port}")
    finally:
        if console is not None and console.poll() is None:
            console.kill()
            console.communicate(timeout=5)
        for service in (bot, webhook, market):
            service.terminate()
        for service in (bot, webhook, market):
            service.wait()
    assert bot.process.returncode == 0, bot.output()
    assert webhook.process.returncode == 0, webhook.output()


def test_price_gets_one_formatted_reply(stack: Stack) -> None:
    stack.api.push_text(101, "/price btc")
    (reply,) = stack.api.wait_for_texts(101, 1)
    assert PRICE_LINE.match(reply), reply


def test_watch_then_list_answers_in_one_message(stack: Stack) -> None:
    for text in ("/watch eth", "/watch SOLUSDT", "/list"):
        stack.api.push_text(102, text)
    replies = stack.api.wait_for_texts(102, 3)
    assert replies[0] == "Watching ETH-USDT (1 symbol). /list shows prices."
    assert replies[1] == "Watching SOL-USDT (2 symbols). /list shows prices."
    lines = replies[2].splitlines()
    assert lines[0] == "Your watchlist (2):"
    assert [line.split()[0] for line in lines[1:]] == ["ETH-USDT", "SOL-USDT"]


def test_unknown_commands_and_bad_arguments_get_usage(stack: Stack) -> None:
    for text in ("/nope", "/price $$$", "/alert btc sideways 5", "hello"):
        stack.api.push_text(103, text)
    replies = stack.api.wait_for_texts(103, 4)
    assert replies[0] == "Unknown command /nope. Send /help for the list of commands."
    assert replies[1].endswith("Usage: /price [SYMBOL ...]")
    assert replies[2].endswith("Usage: /alert SYMBOL above|below PRICE")
    assert replies[3].startswith("I understand commands such as /price btc.")


def test_alert_fires_once(stack: Stack) -> None:
    stack.api.push_text(104, "/alert btc above 1")
    replies = stack.api.wait_for_texts(104, 2)
    assert replies[0].startswith("Alert #")
    assert replies[1].startswith("🔔 Alert #")
    assert "BTC-USDT is above 1.0000" in replies[1]
    time.sleep(2 * ALERT_CHECK_SECONDS)  # later checks must not fire it again
    assert len(stack.api.texts(104)) == 2


def test_status_and_protocol(stack: Stack) -> None:
    stack.api.push_text(105, "/status")
    (reply,) = stack.api.wait_for_texts(105, 1)
    assert reply.splitlines()[1] == "Storage: ok"
    assert reply.splitlines()[2].startswith("Market data: ok (version ")
    assert {"getMe", "deleteWebhook", "getUpdates", "sendMessage"} <= set(stack.api.calls)
    assert stack.api.unexpected == []


def test_console_mode_answers_on_stdout(stack: Stack) -> None:
    stdout, stderr = stack.console.communicate(CONSOLE_INPUT, timeout=60)
    assert stack.console.returncode == 0, stderr
    lines = stdout.splitlines()
    assert len(lines) == 1, stdout  # one reply, then /quit
    assert PRICE_LINE.match(lines[0]), stdout


def _post(url: str, payload: dict[str, Any], headers: dict[str, str]) -> tuple[int, Any]:
    request = urllib.request.Request(  # noqa: S310 - local http
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - local http
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_webhook_mode(stack: Stack) -> None:
    _wait_for_health(stack.webhook, f"{stack.webhook_url}/health")
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": 106, "type": "private"},
            "text": "/price btc",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }
    url = f"{stack.webhook_url}/telegram/webhook"
    status, body = _post(url, update, {"X-Telegram-Bot-Api-Secret-Token": "wrong"})
    assert (status, body["error"]) == (403, "forbidden")
    status, body = _post(url, update, {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
    assert (status, body) == (200, {"ok": True})
    (reply,) = stack.api.wait_for_texts(106, 1)
    assert PRICE_LINE.match(reply), reply
    assert "setWebhook" not in stack.api.calls
