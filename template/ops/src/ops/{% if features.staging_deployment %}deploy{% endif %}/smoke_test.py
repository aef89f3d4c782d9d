#!/usr/bin/env python3
"""Smoke test a deployment: market-data's /health, /readiness and one real price, and the
bot's /health and /readiness.

    uv run smoke-test --base-url https://staging.example.com \\
        [--bot-url URL] [--symbol BTC-USDT] [--timeout 10] [--attempts 3] [--interval 5]

/health and /readiness are judged as `health-check` judges them (one check per
service); the price must be a positive number for the symbol asked. The bot
answers under BASE_URL/telegram by default: the load balancer forwards
/telegram/health and /telegram/readiness to the bot's tasks, whose own port is
not public (``--bot-url http://127.0.0.1:8081`` checks a local bot). The bot is
ready when its database, market-data and the Telegram Bot API answer.

Each check is retried up to ``--attempts`` times, ``--interval`` seconds apart,
so a load balancer that is still registering the new tasks gets a moment. Every
check prints one line; the last line says whether the smoke test passed.

Exit codes: 0 every check passed; 1 a check failed; 2 bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import re
import sys
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import quote

import httpx

from ops.cli import EXIT_FAILED, EXIT_OK, OneLineParser, bounded, http_url
from ops.monitoring.health_check import Checker, CheckError

from .options import seconds

SYMBOL_PATTERN = re.compile(r"^[A-Z0-9]{2,15}-[A-Z0-9]{2,15}$")
BOT_PATH = "/telegram"  # where the load balancer forwards the bot's /health and /readiness

Check = Callable[[], Awaitable[str]]


def parse_symbol(value: str) -> str:
    """A ``BASE-QUOTE`` symbol in upper case, such as BTC-USDT."""
    symbol = value.strip().upper().replace("/", "-")
    if not SYMBOL_PATTERN.match(symbol):
        raise argparse.ArgumentTypeError(f"{value!r} is not a symbol such as BTC-USDT")
    return symbol


async def check_service(checker: Checker, base: str, bot: bool = False) -> str:
    """/health is healthy and /readiness ready (health-check's verdict). The bot is ready
    when its database, market-data and the Telegram Bot API answer; a bot without a
    /readiness is not the bot."""
    found = await checker.check(base)
    if not found.healthy:
        raise CheckError(f"{found.status}: {found.detail}")
    if bot and found.ready is None:
        raise CheckError(f"no /readiness at {base}: is this the bot?")
    ready = "ready" if found.ready else "no /readiness"
    return f"{found.service} {found.version} in {found.environment}, {ready}"


async def check_price(checker: Checker, base: str, symbol: str) -> str:
    """/v1/price/{symbol} answers 200 with a positive price for that symbol."""
    code, body, _ = await checker.get_json(f"{base}/v1/price/{quote(symbol, safe='-')}")
    if code != 200:
        said = ": ".join(str(body[key]) for key in ("error", "detail") if body.get(key))
        raise CheckError(f"HTTP {code}: {said or 'no error detail'}")
    if str(body.get("symbol", "")).upper() != symbol:
        raise CheckError(f"asked for {symbol}, got {body.get('symbol')!r}")
    price = body.get("price")
    if isinstance(price, bool) or not isinstance(price, int | float) or not math.isfinite(price):
        raise CheckError(f"price is {price!r}, not a number")
    if price <= 0:
        raise CheckError(f"price is {price!r}, not a positive number")
    stale = " (stale: the provider could not refresh it)" if body.get("stale") is True else ""
    return f"{symbol} = {price:g} from {body.get('source', 'an unnamed source')}{stale}"


async def run_checks(
    checks: Sequence[tuple[str, Check]],
    attempts: int,
    interval: float,
    out: Callable[[str], None],
) -> int:
    """Run each check (with retries), print one line per check, return the failure count."""
    failures = 0
    for name, check in checks:
        for attempt in range(1, attempts + 1):
            try:
                detail = await check()
            except CheckError as exc:
                if attempt < attempts:
                    await asyncio.sleep(interval)
                    continue
                tries = f" (after {attempts} attempts)" if attempts > 1 else ""
                out(f"FAIL  {name:<9} {exc}{tries}")
                failures += 1
            else:
                out(f"ok    {name:<9} {detail}")
            break
    return failures


async def smoke_test(args: argparse.Namespace) -> tuple[int, int]:
    """The checks against ``args.base_url``: (how many failed, how many ran)."""
    async with httpx.AsyncClient(timeout=args.timeout, follow_redirects=False) as client:
        checker = Checker(client, args.timeout)
        checks: list[tuple[str, Check]] = [
            ("service", lambda: check_service(checker, args.base_url)),
            ("/v1/price", lambda: check_price(checker, args.base_url, args.symbol)),
            (
                "bot",
                lambda: check_service(checker, args.bot_url or args.base_url + BOT_PATH, bot=True),
            ),
        ]
        failures = await run_checks(checks, args.attempts, args.interval, out=print)
        return failures, len(checks)


def build_parser() -> argparse.ArgumentParser:
    """The command line: --base-url, --bot-url, --symbol, --timeout, --attempts, --interval."""
    parser = OneLineParser(
        prog="smoke-test",
        description="Check /health, /readiness and one price of a deployed market-data "
        "service, and /health and /readiness of its bot.",
    )
    parser.add_argument(
        "--base-url",
        required=True,
        type=http_url,
        help="where market-data answers, such as https://staging.example.com",
    )
    parser.add_argument(
        "--bot-url",
        type=http_url,
        help=f"where the bot's /health and /readiness answer (default: BASE_URL{BOT_PATH}, "
        "where the load balancer forwards them; http://127.0.0.1:8081 for a local bot)",
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
    failures, total = asyncio.run(smoke_test(args))
    if failures:
        print(
            f"smoke test failed: {failures} of {total} checks failed at {args.base_url}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    print(f"smoke test passed: {total} of {total} checks at {args.base_url}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
