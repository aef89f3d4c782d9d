"""Structured logging on the standard library.

JSON lines (one object per record) when stderr is not a terminal or when asked
for; a readable one-line format in a terminal. Every record carries the
service name and, inside a request, the request id from `request_id`.
Extra fields passed as `logger.info("event", extra={"symbol": "BTC-USDT"})`
become keys of the JSON object.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from contextvars import ContextVar, Token
from datetime import datetime
from typing import Any, TextIO

from pydantic_core import PydanticSerializationError, to_json

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None)).keys()
) | {"message", "asctime", "service", "request_id", "color_message"}


def new_request_id() -> str:
    """A fresh random request id (32 hex characters)."""
    return os.urandom(16).hex()


def bind_request_id(value: str | None = None) -> Token[str | None]:
    """Set the current request id (a new one when `value` is None); reset with the token."""
    return request_id.set(value or new_request_id())


def reset_request_id(token: Token[str | None]) -> None:
    """Restore the request id that was current before `bind_request_id` returned `token`."""
    request_id.reset(token)


class _ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        record.request_id = request_id.get()
        return True


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {
        key: value
        for key, value in vars(record).items()
        if key not in _STANDARD_ATTRS and not key.startswith("_")
    }


class JsonFormatter(logging.Formatter):
    """One JSON object per record: timestamp, level, service, logger, event, request_id, extras.

    Serialised by pydantic-core in one pass (values it cannot encode become `str()`),
    with the date and time of the timestamp formatted once per second.
    """

    def __init__(self) -> None:
        super().__init__()
        self._second = -1
        self._second_text = ""

    def _timestamp(self, created: float) -> str:
        second = int(created)
        micros = round((created - second) * 1_000_000)  # rounded as datetime rounds it
        if micros == 1_000_000:
            second, micros = second + 1, 0
        if second != self._second:
            self._second_text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = second
        return f"{self._second_text}.{micros // 1000:03d}+00:00"

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        payload: dict[str, Any] = {
            "timestamp": self._timestamp(record.created),
            "level": record.levelname.lower(),
            "service": getattr(record, "service", None),
            "logger": record.name,
            "event": record.getMessage(),
        }
        rid = getattr(record, "request_id", None)
        if rid:
            payload["request_id"] = rid
        payload.update(_extras(record))
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        try:
            return to_json(payload, fallback=str).decode()
        except PydanticSerializationError:  # e.g. bytes that are not UTF-8
            return json.dumps(payload, default=str, ensure_ascii=False)


class ConsoleFormatter(logging.Formatter):
    """`12:00:01 INFO  market-data  event key=value [request id]` for people."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one readable line, its traceback below it."""
        stamp = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        line = f"{stamp} {record.levelname:<5} {record.name}: {record.getMessage()}"
        extras = " ".join(f"{key}={value}" for key, value in _extras(record).items())
        if extras:
            line += f"  {extras}"
        rid = getattr(record, "request_id", None)
        if rid:
            line += f"  [{rid[:8]}]"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure_logging(
    service: str, level: str = "INFO", fmt: str = "auto", stream: TextIO | None = None
) -> None:
    """Route every logger (uvicorn's and httpx's too) through one handler on stderr."""
    stream = stream or sys.stderr
    use_json = fmt == "json" or (fmt == "auto" and not stream.isatty())
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if use_json else ConsoleFormatter())
    handler.addFilter(_ContextFilter(service))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    # httpx logs every request at INFO; keep that for DEBUG runs only.
    quiet = root.level > logging.DEBUG
    logging.getLogger("httpx").setLevel(logging.WARNING if quiet else logging.NOTSET)


def get_logger(name: str) -> logging.Logger:
    """The stdlib logger `name`; configure_logging decides where its records go."""
    return logging.getLogger(name)
