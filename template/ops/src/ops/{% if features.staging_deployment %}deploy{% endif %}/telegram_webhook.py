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

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

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
    which: Setting, args: argparse.Namespace, environ: Mapping[str, str], secrets: SecretReader
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


def webhook_url(args: argparse.Namespace, environ: Mapping[str, str]) -> str:
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


def bot_mode(args: argparse.Namespace) -> tuple[str | None, Path | None]:
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
class BotApi:
    """The few Bot API methods this command calls, with errors as one line."""

    def __init__(self, base_url: str, token: str, timeout: float) -> None:
        self.base_url = base_url
        self.token = token
        self.timeout = timeout

    def call(self, method: str, payload: Mapping[str, Any] | None = None) -> Any:
        """POST `method` with a JSON body; the `result`, or a DeployError."""
        url = f"{self.base_url}{self.token}/{method}"
        try:
            response = httpx.post(url, json=dict(payload or {}), timeout=self.timeout)
        except httpx.HTTPError as exc:
            reason = str(exc).replace(self.token, "<token>") or type(exc).__name__
            raise DeployError(f"cannot reach the Bot API at {self.base_url}: {reason}") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise DeployError(
                f"{method}: the Bot API at {self.base_url} answered HTTP "
                f"{response.status_code} without a Bot API response"
            )
        if not body.get("ok"):
            code = body.get("error_code", response.status_code)
            description = str(body.get("description", "no description"))
            hint = ": check the bot token" if code in (401, 404) else ""
            raise DeployError(f"Telegram refused {method}: {description} ({code}){hint}")
        return body.get("result")


def bot_api(args: argparse.Namespace, environ: Mapping[str, str], secrets: SecretReader) -> BotApi:
    """The Bot API with the bot's token."""
    token = setting(BOT_TOKEN, args, environ, secrets)
    return BotApi(args.api_base_url, token, args.timeout)


def _info_line(info: Mapping[str, Any]) -> str:
    url = info.get("url") or ""
    if not url:
        return f"no webhook set (pending updates: {info.get('pending_update_count', 0)})"
    allowed = ", ".join(info.get("allowed_updates") or ["all but chat_member & co."])
    line = (
        f"webhook: {url} (allowed updates: {allowed}; "
        f"pending updates: {info.get('pending_update_count', 0)}"
    )
    if info.get("max_connections"):
        line += f"; max connections: {info['max_connections']}"
    line += ")"
    if info.get("last_error_message"):
        line += f"; last delivery error: {info['last_error_message']}"
    return line


# -------------------------------------------------------------------- commands
def cmd_set(args: argparse.Namespace, environ: Mapping[str, str], secrets: SecretReader) -> int:
    """setWebhook with the secret and the allowed updates, then check getWebhookInfo."""
    mode, path = bot_mode(args)
    if mode == "polling":
        print(
            f"not registering a webhook: BotMode is polling in {path} "
            "(a polling bot deletes the webhook itself when it starts)"
        )
        return EXIT_OK
    url = webhook_url(args, environ)
    api = bot_api(args, environ, secrets)
    payload = {
        "url": url,
        "secret_token": setting(WEBHOOK_SECRET, args, environ, secrets),
        "allowed_updates": list(ALLOWED_UPDATES),
        "max_connections": MAX_CONNECTIONS,
        "drop_pending_updates": args.drop_pending_updates,
    }
    api.call("setWebhook", payload)
    info = api.call("getWebhookInfo")
    if not isinstance(info, dict) or info.get("url") != url:
        registered = info.get("url") if isinstance(info, dict) else None
        raise DeployError(f"setWebhook succeeded but Telegram reports the URL {registered!r}")
    print(f"set {_info_line(info)}")
    return EXIT_OK


def cmd_delete(args: argparse.Namespace, environ: Mapping[str, str], secrets: SecretReader) -> int:
    """deleteWebhook: Telegram stops POSTing and keeps the updates for getUpdates."""
    api = bot_api(args, environ, secrets)
    api.call("deleteWebhook", {"drop_pending_updates": args.drop_pending_updates})
    dropped = " and dropped the pending updates" if args.drop_pending_updates else ""
    print(f"deleted the webhook{dropped}: Telegram no longer POSTs updates to the bot")
    return EXIT_OK


def cmd_info(args: argparse.Namespace, environ: Mapping[str, str], secrets: SecretReader) -> int:
    """getWebhookInfo as one line, or as JSON."""
    api = bot_api(args, environ, secrets)
    info = api.call("getWebhookInfo")
    if not isinstance(info, dict):
        raise DeployError("getWebhookInfo did not return a WebhookInfo object")
    print(json.dumps(info, indent=2, sort_keys=True) if args.json else _info_line(info))
    return EXIT_OK


COMMANDS = {"set": cmd_set, "delete": cmd_delete, "info": cmd_info}


def main(
    argv: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    secrets: SecretReader = read_secret,
) -> int:
    """Run one command; return its exit code (errors as one line on stderr)."""
    environ = os.environ if environ is None else environ
    parser = build_parser(environ)
    args = parser.parse_args(argv)
    return reported(parser, lambda: COMMANDS[args.command](args, environ, secrets))


if __name__ == "__main__":
    sys.exit(main())
