#!/usr/bin/env python3
"""Smoke test a deployed market-data service: /health, /readiness and one real price.

    uv run smoke-test --base-url https://staging.example.com \\
        [--symbol BTC-USDT] [--timeout 10] [--attempts 3] [--interval 5]

Each check is retried up to ``--attempts`` times, ``--interval`` seconds apart, so a
load balancer that is still registering the new tasks gets a moment. Every check
prints one line; the last line says whether the smoke test passed.

Exit codes: 0 every check passed; 1 a check failed; 2 bad arguments.
Standard library only, so it also runs with a bare ``python3`` on any machine.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import re
import socket
import ssl
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from ops.cli import EXIT_FAILED, EXIT_OK, OneLineParser, bounded, http_url

from .options import seconds

SYMBOL_PATTERN = re.compile(r"^[A-Z0-9]{2,15}-[A-Z0-9]{2,15}$")
HEALTHY_STATUSES = frozenset({"ok", "healthy", "pass", "up"})
MAX_BODY_BYTES = 1_000_000
USER_AGENT = "smoke-test/1 (+smoke-test)"


class CheckFailedError(Exception):
    """A check failed; ``str()`` is the one-line reason."""


@dataclass(frozen=True)
class Target:
    """The service under test: where to connect and the path prefix of its API."""

    scheme: str
    host: str
    port: int | None
    prefix: str

    def url(self, path: str) -> str:
        """The full URL of ``path``, as shown in messages."""
        port = f":{self.port}" if self.port else ""
        return f"{self.scheme}://{self.host}{port}{self.prefix}{path}"

    def connection(self, timeout: float) -> http.client.HTTPConnection:
        """A new connection to the service (TLS verified for https)."""
        if self.scheme == "https":
            context = ssl.create_default_context()
            return http.client.HTTPSConnection(
                self.host, self.port, timeout=timeout, context=context
            )
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)


@dataclass(frozen=True)
class Response:
    """A JSON response: the status code and the decoded object."""

    status: int
    body: dict[str, Any]


def parse_base_url(value: str) -> Target:
    """``http(s)://host[:port][/prefix]`` -> Target, or a one-line argparse error."""
    parts = urlsplit(http_url(value))
    return Target(parts.scheme, str(parts.hostname), parts.port, parts.path)


def parse_symbol(value: str) -> str:
    """A ``BASE-QUOTE`` symbol in upper case, such as BTC-USDT."""
    symbol = value.strip().upper().replace("/", "-")
    if not SYMBOL_PATTERN.match(symbol):
        raise argparse.ArgumentTypeError(f"{value!r} is not a symbol such as BTC-USDT")
    return symbol


def describe_error(exc: BaseException, timeout: float) -> str:
    """A network error in a few words."""
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return "unknown host"
    if isinstance(exc, ssl.SSLError):
        return f"TLS error ({exc.reason or exc})"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def get_json(target: Target, path: str, timeout: float) -> Response:
    """GET ``path`` and decode its JSON object, or raise CheckFailedError."""
    url = target.url(path)
    connection = target.connection(timeout)
    try:
        connection.request(
            "GET",
            target.prefix + path,
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
        )
        response = connection.getresponse()
        status, location = response.status, response.getheader("Location", "")
        body = response.read(MAX_BODY_BYTES)
    except (OSError, http.client.HTTPException) as exc:
        raise CheckFailedError(f"GET {url}: {describe_error(exc, timeout)}") from None
    finally:
        connection.close()
    if 300 <= status < 400:
        raise CheckFailedError(
            f"GET {url}: redirected (HTTP {status}) to {location or 'nowhere'}; "
            "pass the final address as --base-url"
        )
    try:
        data = json.loads(body)
    except ValueError:
        raise CheckFailedError(f"GET {url}: HTTP {status} with a body that is not JSON") from None
    if not isinstance(data, dict):
        raise CheckFailedError(f"GET {url}: HTTP {status} with JSON that is not an object")
    return Response(status, data)


def error_detail(body: dict[str, Any]) -> str:
    """The service's own explanation of an error response, if it gave one."""
    parts = [str(body[key]) for key in ("error", "detail") if body.get(key)]
    return ": ".join(parts) if parts else "no error detail"


def compact(value: Any, limit: int = 160) -> str:
    """``value`` as one line of JSON, cut to ``limit`` characters."""
    text = json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_health(target: Target, timeout: float) -> str:
    """/health answers 200 with a healthy status."""
    response = get_json(target, "/health", timeout)
    if response.status != 200:
        raise CheckFailedError(f"HTTP {response.status}: {error_detail(response.body)}")
    status = str(response.body.get("status", "")).lower()
    if status not in HEALTHY_STATUSES:
        raise CheckFailedError(f"status is {response.body.get('status')!r}, not healthy")
    body = response.body
    return (
        f"{body.get('service', 'service')} {body.get('version', '(no version)')} "
        f"in {body.get('environment', '(no environment)')}, status {status}"
    )


def failing_checks(checks: Any) -> list[str]:
    """Names of the readiness checks that report a failure."""
    if not isinstance(checks, dict):
        return []
    failing = []
    for name, result in checks.items():
        if isinstance(result, dict):
            ok = result.get("ok", result.get("ready", result.get("healthy")))
            status = str(result.get("status", "")).lower()
            if ok is False or status in ("fail", "failed", "error", "down", "unhealthy"):
                failing.append(f"{name} {compact(result, 80)}")
        elif result is False:
            failing.append(str(name))
    return failing


def check_readiness(target: Target, timeout: float) -> str:
    """/readiness answers 200 with ``ready: true``."""
    response = get_json(target, "/readiness", timeout)
    body = response.body
    checks = body.get("checks")
    if response.status == 200 and body.get("ready") is True:
        names = ", ".join(sorted(checks)) if isinstance(checks, dict) and checks else "no checks"
        return f"ready ({names})"
    failing = failing_checks(checks)
    reason = "; ".join(failing) if failing else compact(checks if checks else body)
    raise CheckFailedError(f"HTTP {response.status}, not ready: {reason}")


def check_price(target: Target, symbol: str, timeout: float) -> str:
    """/v1/price/{symbol} answers 200 with a positive price for that symbol."""
    response = get_json(target, f"/v1/price/{quote(symbol, safe='-')}", timeout)
    body = response.body
    if response.status != 200:
        raise CheckFailedError(f"HTTP {response.status}: {error_detail(body)}")
    if str(body.get("symbol", "")).upper() != symbol:
        raise CheckFailedError(f"asked for {symbol}, got {body.get('symbol')!r}")
    price = body.get("price")
    if isinstance(price, bool) or not isinstance(price, int | float):
        raise CheckFailedError(f"price is {price!r}, not a number")
    if not math.isfinite(price) or price <= 0:
        raise CheckFailedError(f"price is {price!r}, not a positive number")
    stale = " (stale: the provider could not refresh it)" if body.get("stale") is True else ""
    return f"{symbol} = {price:g} from {body.get('source', 'an unnamed source')}{stale}"


Check = Callable[[], str]


def run_checks(
    checks: Sequence[tuple[str, Check]],
    attempts: int,
    interval: float,
    out: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Run each check (with retries), print one line per check, return the failure count."""
    failures = 0
    for name, check in checks:
        for attempt in range(1, attempts + 1):
            try:
                detail = check()
            except CheckFailedError as exc:
                if attempt < attempts:
                    sleep(interval)
                    continue
                tries = f" (after {attempts} attempts)" if attempts > 1 else ""
                out(f"FAIL  {name:<11} {exc}{tries}")
                failures += 1
            else:
                out(f"ok    {name:<11} {detail}")
            break
    return failures


def build_parser() -> argparse.ArgumentParser:
    """The command line: --base-url, --symbol, --timeout, --attempts, --interval."""
    parser = OneLineParser(
        prog="smoke-test",
        description="Check /health, /readiness and one price of a deployed market-data service.",
    )
    parser.add_argument(
        "--base-url",
        required=True,
        type=parse_base_url,
        help="where the service answers, such as https://staging.example.com",
    )
    parser.add_argument(
        "--symbol",
        default="BTC-USDT",
        type=parse_symbol,
        help="symbol whose price must be served (default: BTC-USDT)",
    )
    parser.add_argument(
        "--timeout",
        default=10.0,
        type=seconds(zero=False),
        help="seconds to wait for each answer (default: 10)",
    )
    parser.add_argument(
        "--attempts",
        default=3,
        type=bounded(1, 100, "a whole number", whole=True),
        help="tries per check before it fails (default: 3)",
    )
    parser.add_argument(
        "--interval",
        default=5.0,
        type=seconds(zero=True),
        help="seconds between tries (default: 5)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the checks against ``--base-url``; return the exit code."""
    args = build_parser().parse_args(argv)
    target: Target = args.base_url
    timeout: float = args.timeout
    checks: list[tuple[str, Check]] = [
        ("/health", lambda: check_health(target, timeout)),
        ("/readiness", lambda: check_readiness(target, timeout)),
        ("/v1/price", lambda: check_price(target, args.symbol, timeout)),
    ]
    failures = run_checks(checks, args.attempts, args.interval, out=print)
    where = target.url("")
    if failures:
        print(
            f"smoke test failed: {failures} of {len(checks)} checks failed at {where}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    print(f"smoke test passed: {len(checks)} of {len(checks)} checks at {where}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
