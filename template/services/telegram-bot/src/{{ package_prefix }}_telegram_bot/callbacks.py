"""The data behind the bot's buttons: a command and its arguments, signed, in 64 bytes.

Telegram hands a button's `callback_data` back unchanged when it is pressed, and
anyone who talks to the Bot API can send any data, so `decode` takes nothing on
trust: data in another format is malformed, data of an older format version is
stale, and data whose signature (HMAC-SHA256 with a key derived from the bot's
token, so every replica agrees) does not match was forged.

    1:price:BTC-USDT:Fh3k9aQ2xZ0b   version, command, arguments..., signature
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

MAX_BYTES = 64  # Telegram's limit for callback_data
VERSION = "1"
SEPARATOR = ":"
_SIGNATURE_BYTES = 9  # 12 characters of base64url
_FIELD = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
_SIGNATURE = re.compile(r"^[A-Za-z0-9_-]{12}$")

Problem = Literal["malformed", "stale", "forged"]


class InvalidCallback(ValueError):
    """Callback data that no current button of this bot carries; `problem` says why."""

    def __init__(self, problem: Problem, detail: str) -> None:
        super().__init__(f"{problem} callback data: {detail}")
        self.problem: Problem = problem


@dataclass(frozen=True)
class Callback:
    """What a button press asks for: a command and its arguments."""

    command: str
    args: tuple[str, ...] = ()


def key_for(token: str) -> bytes:
    """The signing key of the bot with `token`."""
    return hmac.new(token.encode(), b"callback data", hashlib.sha256).digest()


def _signature(key: bytes, body: str) -> str:
    digest = hmac.new(key, body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:_SIGNATURE_BYTES]).decode()


def _body(command: str, args: Sequence[str]) -> str:
    return SEPARATOR.join((VERSION, command, *args))


def fits(command: str, args: Sequence[str] = ()) -> bool:
    """Whether a button for `command args` can be made: plain fields, within 64 bytes."""
    fields_ok = all(_FIELD.match(field) for field in (command, *args))
    size = len(_body(command, args)) + len(SEPARATOR) + 4 * _SIGNATURE_BYTES // 3
    return fields_ok and size <= MAX_BYTES


def encode(command: str, args: Sequence[str], key: bytes) -> str:
    """The signed callback data of a button that runs `command args`."""
    if not fits(command, args):
        raise ValueError(f"no button can carry {command} {' '.join(args)}: see callbacks.fits")
    body = _body(command, args)
    return f"{body}{SEPARATOR}{_signature(key, body)}"


def decode(data: str, key: bytes) -> Callback:
    """The command and arguments of callback data this bot made, else InvalidCallback."""
    if len(data.encode()) > MAX_BYTES:
        raise InvalidCallback("malformed", f"over {MAX_BYTES} bytes")
    *fields, signature = data.split(SEPARATOR)
    if len(fields) < 2 or not all(_FIELD.match(field) for field in fields):
        raise InvalidCallback("malformed", repr(data))
    if not _SIGNATURE.match(signature):
        raise InvalidCallback("malformed", f"no signature in {data!r}")
    version, command, *args = fields
    if version != VERSION:
        raise InvalidCallback("stale", f"format version {version!r}")
    if not hmac.compare_digest(signature, _signature(key, SEPARATOR.join(fields))):
        raise InvalidCallback("forged", f"wrong signature on {data!r}")
    return Callback(command, tuple(args))
