"""What the ops tests share: a copy of this project's configuration, fake HTTP
services on 127.0.0.1, and a command run with its output captured."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
ANALYTICS = ROOT / "tests" / "fixtures" / "analytics"  # level 4: a week of deployments
DEPLOYMENT_LOG = ANALYTICS / "deployments.jsonl"
CONFIGURATION = [".copier-answers.yml", "config/evolution.yml", "config/feature-flags.yml"]
Routes = dict[str, tuple[int, Any]]  # path -> (status, JSON body or raw text)

MARKET_DATA: Routes = {
    "/health": (
        200,
        {
            "service": "market-data",
            "status": "ok",
            "timestamp": "2025-07-08T13:45:23+00:00",
            "version": "1.2.3",
            "environment": "staging",
        },
    ),
    "/readiness": (200, {"ready": True, "checks": {"provider": {"ok": True}}}),
}
BOT: Routes = {"/health": (200, {"service": "telegram-bot", "status": "ok", "version": "1.2.3"})}


def edit_yaml(path: Path, **changes: Any) -> None:
    """Set top-level keys of a YAML file; a mapping value updates the mapping there."""
    data = yaml.safe_load(path.read_text())
    for key, value in changes.items():
        if isinstance(value, dict):
            data.setdefault(key, {}).update(value)
        else:
            data[key] = value
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def copy_configuration(path: Path, level: int) -> None:
    """This project's answers, evolution and flag configuration in `path`, at `level`."""
    for name in CONFIGURATION:
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, path / name)
    edit_yaml(path / "config/evolution.yml", current_level=level)
    edit_yaml(path / ".copier-answers.yml", maturity_level=level)


def write(root: Path, files: dict[str, str]) -> None:
    """Write `files` (relative path -> text) under `root`."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def run(
    main: Callable[[list[str]], int], capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """A command's `main(args)`: its exit code, stdout and stderr."""
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def usage_error(
    main: Callable[[list[str]], int], capsys: pytest.CaptureFixture[str], *args: str
) -> str:
    """The one line on stderr of a command that refuses `args` (exit 2, nothing on stdout)."""
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    captured = capsys.readouterr()
    assert (exited.value.code, captured.out, captured.err.count("\n")) == (2, "", 1), captured
    return captured.err


class _Handler(BaseHTTPRequestHandler):
    server: _Service

    def do_GET(self) -> None:
        time.sleep(self.server.delay)
        status, body = self.server.routes.get(self.path, (404, {"error": "not_found"}))
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        return


class _Service(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, routes: Routes, delay: float) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes, self.delay = routes, delay


class Services:
    """Fake services on 127.0.0.1 (unknown paths answer 404), stopped on exit."""

    def __init__(self) -> None:
        self.servers: list[tuple[_Service, threading.Thread]] = []

    def start(self, routes: Routes, delay: float = 0.0) -> str:
        """Serve `routes`, each answer `delay` seconds late; the base URL."""
        server = _Service(routes, delay)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        self.servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_address[1]}"

    def __enter__(self) -> Services:
        return self

    def __exit__(self, *exc: object) -> None:
        for server, thread in self.servers:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


def closed_port_url() -> str:
    """An http:// URL where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"
