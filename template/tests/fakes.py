"""What the tests share: a copy of this project's configuration, fake HTTP services
on 127.0.0.1, GitHub's REST API (respx), a command run with its output captured, and
git repositories."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
import yaml
from pydantic_settings import BaseSettings

ROOT = Path(__file__).resolve().parents[1]
ANALYTICS = ROOT / "tests" / "fixtures" / "analytics"  # level 4: a week of deployments
DEPLOYMENT_LOG = ANALYTICS / "deployments.jsonl"
CONFIGURATION = [".copier-answers.yml", "config/evolution.yml", "config/feature-flags.yml"]
RDS_HOST = "db.abc123.eu-west-1.rds.amazonaws.com"  # an RDS instance's endpoint
Routes = dict[str, tuple[int, Any]]  # path -> (status, JSON body or raw text)
# The `make_client` fixture (integration/conftest.py): market-data's app behind an AsyncClient.
ClientFactory = Callable[..., httpx.AsyncClient]
# The `refused_setting` fixture (conftest.py): (Settings, NAME, value) -> the one-line refusal.
RefusedSetting = Callable[[type[BaseSettings], str, str], str]

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
GITHUB_REPOSITORY = "octo-org/crypto-assistant"
GITHUB_REPO_API = f"https://api.github.com/repos/{GITHUB_REPOSITORY}"


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


def run_command(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run a command to its end with its output captured as text; it failing is its exit
    code, not an exception."""
    return subprocess.run(  # check=False: the caller reads returncode
        list(args), cwd=cwd, env=env, input=input, capture_output=True, text=True, timeout=timeout
    )


def git_env(email: str = "dev@example.com", date: str = "") -> dict[str, str]:
    """The environment for git as the author `email` (named after its part before @), at
    `date` (git's format; now when empty), with the machine's and the user's git
    configuration ignored."""
    name = email.split("@")[0]
    env = {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    return env


def git(repo: Path, *args: str, email: str = "dev@example.com", date: str = "") -> str:
    """Run git in `repo` as in `git_env`, commits and tags unsigned; its output, stripped."""
    result = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", *args],
        cwd=repo,
        env=git_env(email, date),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


class JsonHandler(BaseHTTPRequestHandler):
    """A fake server's request handler: answers JSON and logs nothing."""

    def reply(self, status: int, body: Any) -> None:
        """Answer `status` with `body`: bytes as they are, anything else as JSON."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)  # the client may have timed out already

    def log_message(self, format: str, *args: Any) -> None:
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Several processes open connections in bursts; the default backlog of 5 drops some.
    request_queue_size = 512


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler], poll_interval: float = 0.05) -> Iterator[str]:
    """`handler` served on a free port of 127.0.0.1 until the block ends; yields the base URL."""
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": poll_interval})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _routes_handler(routes: Routes, delay: float) -> type[JsonHandler]:
    class Handler(JsonHandler):
        def do_GET(self) -> None:
            time.sleep(delay)
            status, body = routes.get(self.path, (404, {"error": "not_found"}))
            self.reply(status, body.encode() if isinstance(body, str) else body)

    return Handler


class Services:
    """Fake services on 127.0.0.1 (unknown paths answer 404), stopped on exit."""

    def __init__(self) -> None:
        self.servers = ExitStack()

    def start(self, routes: Routes, delay: float = 0.0) -> str:
        """Serve `routes`, each answer `delay` seconds late; the base URL."""
        return self.servers.enter_context(serving(_routes_handler(routes, delay)))

    def __enter__(self) -> Services:
        return self

    def __exit__(self, *exc: object) -> None:
        self.servers.close()


class Clock:
    """A clock the test sets and moves: `now`, in seconds since the epoch."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@contextmanager
def github_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[respx.MockRouter]:
    """GitHub's REST API (a respx router: add the routes) as a workflow step sees it:
    GITHUB_TOKEN and GITHUB_REPOSITORY set, no GH_TOKEN, the default GITHUB_API_URL."""
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_recorded")
    monkeypatch.setenv("GITHUB_REPOSITORY", GITHUB_REPOSITORY)
    monkeypatch.delenv("GH_TOKEN", raising=False)
    monkeypatch.delenv("GITHUB_API_URL", raising=False)
    with respx.mock(assert_all_called=False) as router:
        yield router


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on (now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def closed_port_url() -> str:
    """An http:// URL where nothing listens."""
    return f"http://127.0.0.1:{free_port()}"
