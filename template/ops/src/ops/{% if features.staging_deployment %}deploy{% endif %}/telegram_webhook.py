#!/usr/bin/env python3
"""Register, remove and inspect the bot's Telegram webhook (the Bot API's setWebhook).

    uv run telegram-webhook set --environment staging \\
        --url https://staging.example.com/telegram/webhook
    uv run telegram-webhook info --environment staging [--json]
    uv run telegram-webhook delete --environment staging

In webhook mode (BOT_MODE=webhook) the bot tasks never call setWebhook: any
number of replicas start and stop behind the load balancer while Telegram keeps
POSTing to one URL. This command is the deploy step that points Telegram at
that URL, with the secret Telegram sends back in X-Telegram-Bot-Api-Secret-Token
and the update types the bot handles. `delete` stops the deliveries (rollback to
polling, or taking the bot off the air); Telegram then keeps the updates for a
later getUpdates or setWebhook, for up to 24 hours.

The bot token is TELEGRAM_BOT_TOKEN, the secret TELEGRAM_WEBHOOK_SECRET and the
URL --url or TELEGRAM_WEBHOOK_URL. With --environment, what the environment does
not set is read from the app stack's Secrets Manager secrets
(<project>/ENVIRONMENT/telegram-bot-token and .../telegram-webhook-secret,
the ones the bot tasks get), and `set` does nothing when the environment's
parameters file says BotMode polling. The Bot API is --api-base-url, else
TELEGRAM_API_BASE_URL, else https://api.telegram.org/bot. The token is never
printed.

Exit codes: 0 done; 1 Telegram refused or could not be reached; 2 bad arguments
or settings (token, secret, URL, AWS access).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import sys
from argparse import Namespace
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from telegram import Bot, WebhookInfo
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.request import HTTPXRequest

from ops.cli import EXIT_OK, OneLineParser, http_url

from .errors import ConfigError, DeployError, aws_call, reported
from .project import default_region, secret_name
from .stackparams import default_path, load

PROG = "telegram-webhook"
DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
# The update types the bot's handlers use: commands and button presses (the polling bot
# asks for the same, telegram_app.ALLOWED_UPDATES; a test keeps the two equal).
ALLOWED_UPDATES = ("message", "callback_query")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
MAX_CONNECTIONS = 40  # parallel deliveries (Telegram's default)
# python-telegram-bot logs a traceback for an answer that is not JSON; run() reports it in
# one line.
logging.getLogger("telegram").addHandler(logging.NullHandler())


def build_parser(environ: Mapping[str, str]) -> OneLineParser:
    """The command line: set, delete and info."""
    parser = OneLineParser(
        prog=PROG, description="Register, remove and inspect the bot's Telegram webhook."
    )
    common = OneLineParser(add_help=False)
    common.add_argument(
        "--environment",
        help="read the token and secret from this environment's Secrets Manager secrets "
        "when they are not in the environment variables",
    )
    common.add_argument(
        "--region",
        default=default_region(environ),
        help="AWS region of the secrets (default: AWS_REGION or the project's)",
    )
    common.add_argument(
        "--api-base-url",
        type=http_url,
        default=environ.get("TELEGRAM_API_BASE_URL") or DEFAULT_API_BASE_URL,
        help="the Bot API, token appended (default: TELEGRAM_API_BASE_URL or the public one)",
    )
    common.add_argument("--timeout", type=float, default=20.0, help="seconds per request")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    set_parser = commands.add_parser("set", parents=[common], help="register the webhook")
    set_parser.add_argument("--url", help="the public HTTPS URL (default: TELEGRAM_WEBHOOK_URL)")
    set_parser.add_argument(
        "--parameters-file",
        type=Path,
        help="default: infrastructure/aws/parameters/ENVIRONMENT.json",
    )
    set_parser.add_argument(
        "--drop-pending-updates", action="store_true", help="discard updates waiting at Telegram"
    )

    delete_parser = commands.add_parser("delete", parents=[common], help="remove the webhook")
    delete_parser.add_argument(
        "--drop-pending-updates", action="store_true", help="discard updates waiting at Telegram"
    )

    info_parser = commands.add_parser("info", parents=[common], help="show the webhook")
    info_parser.add_argument("--json", action="store_true", help="print getWebhookInfo as JSON")
    return parser


# -------------------------------------------------------------------- settings
def read_secret(secret_id: str, region: str | None) -> str:
    """One Secrets Manager secret's string (boto3 is imported only when needed)."""
    import boto3

    client = boto3.client("secretsmanager", region_name=region)
    with aws_call(f"read the secret {secret_id}"):
        return client.get_secret_value(SecretId=secret_id).get("SecretString", "").strip()


SecretReader = Callable[[str, str | None], str]


@dataclass(frozen=True)
class Setting:
    """A secret setting: its variable, its Secrets Manager name, its shape."""

    variable: str
    secret: str
    pattern: re.Pattern[str]
    missing: str
    malformed: str


BOT_TOKEN = Setting(
    "TELEGRAM_BOT_TOKEN",
    "telegram-bot-token",
    re.compile(r"^[0-9]{1,20}:[A-Za-z0-9_-]{35}$"),
    "no bot token: set TELEGRAM_BOT_TOKEN or pass --environment to read it from Secrets Manager",
    "the bot token is not a token from @BotFather (digits, a colon, 35 characters)",
)
# The secret Telegram sends back in X-Telegram-Bot-Api-Secret-Token.
WEBHOOK_SECRET = Setting(
    "TELEGRAM_WEBHOOK_SECRET",
    "telegram-webhook-secret",
    re.compile(r"^[A-Za-z0-9_-]{1,256}$"),
    "no webhook secret: set TELEGRAM_WEBHOOK_SECRET (the bot's) or pass --environment",
    "the webhook secret must be 1 to 256 characters from A-Z, a-z, 0-9, _ and -",
)


def setting(
    which: Setting, args: Namespace, environ: Mapping[str, str], secrets: SecretReader
) -> str:
    """The variable, else with --environment its secret, checked for shape (never echoed)."""
    value = environ.get(which.variable, "").strip()
    if not value and args.environment:
        value = secrets(secret_name(args.environment, which.secret), args.region)
    if not value:
        raise ConfigError(which.missing)
    if not which.pattern.match(value):
        raise ConfigError(which.malformed)
    return value


def webhook_url(args: Namespace, environ: Mapping[str, str]) -> str:
    """The public URL Telegram POSTs to: HTTPS, except on this machine."""
    url = (args.url or environ.get("TELEGRAM_WEBHOOK_URL", "")).strip()
    if not url:
        raise ConfigError("no webhook URL: pass --url or set TELEGRAM_WEBHOOK_URL")
    parts = urlsplit(url)
    local = parts.scheme == "http" and parts.hostname in LOCAL_HOSTS
    if not parts.hostname or (parts.scheme != "https" and not local):
        raise ConfigError(
            f"the webhook URL must be an https:// URL (Telegram requires HTTPS), not {url!r}"
        )
    return url


def bot_mode(args: Namespace) -> tuple[str | None, Path | None]:
    """BotMode from the environment's parameters file, when there is one."""
    path: Path | None = args.parameters_file
    if path is None and args.environment:
        path = default_path(args.environment)
    if path is None or (args.parameters_file is None and not path.is_file()):
        return None, None
    try:
        return load(path).get("BotMode", "webhook"), path
    except ConfigError as exc:
        raise ConfigError(f"cannot read BotMode: {exc}") from None


# --------------------------------------------------------------------- Bot API
def telegram_bot(args: Namespace, environ: Mapping[str, str], secrets: SecretReader) -> Bot:
    """The bot's Bot API client; each request gets --timeout seconds to connect, send and read."""
    token = setting(BOT_TOKEN, args, environ, secrets)
    request = HTTPXRequest(httpx_kwargs={"timeout": args.timeout})
    return Bot(token, base_url=args.api_base_url, request=request)


def _info_line(info: WebhookInfo) -> str:
    if not info.url:
        return f"no webhook set (pending updates: {info.pending_update_count})"
    allowed = ", ".join(info.allowed_updates or ["all but chat_member & co."])
    line = (
        f"webhook: {info.url} (allowed updates: {allowed}; "
        f"pending updates: {info.pending_update_count}"
    )
    if info.max_connections:
        line += f"; max connections: {info.max_connections}"
    line += ")"
    if info.last_error_message:
        line += f"; last delivery error: {info.last_error_message}"
    return line


# -------------------------------------------------------------------- commands
async def cmd_set(args: Namespace, environ: Mapping[str, str], secrets: SecretReader) -> int:
    """setWebhook with the secret and the allowed updates, then check getWebhookInfo."""
    mode, path = bot_mode(args)
    if mode == "polling":
        print(
            f"not registering a webhook: BotMode is polling in {path} "
            "(a polling bot deletes the webhook itself when it starts)"
        )
        return EXIT_OK
    url = webhook_url(args, environ)
    bot = telegram_bot(args, environ, secrets)
    secret = setting(WEBHOOK_SECRET, args, environ, secrets)
    async with bot:
        await bot.set_webhook(
            url=url,
            secret_token=secret,
            allowed_updates=ALLOWED_UPDATES,
            max_connections=MAX_CONNECTIONS,
            drop_pending_updates=args.drop_pending_updates,
        )
        info = await bot.get_webhook_info()
    if info.url != url:
        raise DeployError(f"setWebhook succeeded but Telegram reports the URL {info.url!r}")
    print(f"set {_info_line(info)}")
    return EXIT_OK


async def cmd_delete(args: Namespace, environ: Mapping[str, str], secrets: SecretReader) -> int:
    """deleteWebhook: Telegram stops POSTing and keeps the updates for getUpdates."""
    async with telegram_bot(args, environ, secrets) as bot:
        await bot.delete_webhook(drop_pending_updates=args.drop_pending_updates)
    dropped = " and dropped the pending updates" if args.drop_pending_updates else ""
    print(f"deleted the webhook{dropped}: Telegram no longer POSTs updates to the bot")
    return EXIT_OK


async def cmd_info(args: Namespace, environ: Mapping[str, str], secrets: SecretReader) -> int:
    """getWebhookInfo as one line, or as JSON."""
    async with telegram_bot(args, environ, secrets) as bot:
        info = await bot.get_webhook_info()
    print(json.dumps(info.to_dict(), indent=2, sort_keys=True) if args.json else _info_line(info))
    return EXIT_OK


COMMANDS = {"set": cmd_set, "delete": cmd_delete, "info": cmd_info}


def run(args: Namespace, environ: Mapping[str, str], secrets: SecretReader) -> int:
    """The command's exit code; python-telegram-bot's errors as one line without the token."""
    try:
        return asyncio.run(COMMANDS[args.command](args, environ, secrets))
    except InvalidToken:  # 401 or 404 (its message may show the token)
        raise DeployError(
            "Telegram refused the bot token (Unauthorized): check the bot token"
        ) from None
    except TelegramError as exc:
        # BadRequest is a NetworkError too, but one that Telegram answered.
        if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):  # TimedOut, 5xx
            raise DeployError(f"cannot reach the Bot API at {args.api_base_url}: {exc}") from None
        raise DeployError(f"Telegram refused the request: {exc}") from None


def main(
    argv: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    secrets: SecretReader = read_secret,
) -> int:
    """Run one command; return its exit code (errors as one line on stderr)."""
    environ = os.environ if environ is None else environ
    parser = build_parser(environ)
    args = parser.parse_args(argv)
    return reported(parser, lambda: run(args, environ, secrets))


if __name__ == "__main__":
    sys.exit(main())
