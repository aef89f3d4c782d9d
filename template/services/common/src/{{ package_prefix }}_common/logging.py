"""Structured logging on the standard library.

JSON lines (one object per record) when stderr is not a terminal or when asked
for; a readable one-line format in a terminal. Every record carries the
service name and, inside a request, the request id from `request_id`.
Extra fields passed as `logger.info("event", extra={"symbol": "BTC-USDT"})`
become keys of the JSON object. `log_fields` logs the same, made for lines
written on every request (market-data's access log).
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
        self._second: tuple[int, str] = (-1, "")  # one attribute: threads see both or neither

    def _timestamp(self, created: float) -> str:
        second = int(created)
        micros = round((created - second) * 1_000_000)  # rounded as datetime rounds it
        if micros == 1_000_000:
            second, micros = second + 1, 0
        cached, text = self._second
        if second != cached:
            text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = (second, text)
        return f"{text}.{micros // 1000:03d}+00:00"

    def line(
        self,
        created: float,
        level: str,
        service: str | None,
        logger: str,
        event: str,
        rid: str | None,
        fields: dict[str, Any],
    ) -> str:
        """The JSON object of one log line; `level` is the lower-case level name."""
        payload: dict[str, Any] = {
            "timestamp": self._timestamp(created),
            "level": level,
            "service": service,
            "logger": logger,
            "event": event,
        }
        if rid:
            payload["request_id"] = rid
        payload.update(fields)
        try:
            return to_json(payload, fallback=str).decode()
        except PydanticSerializationError:  # e.g. bytes that are not UTF-8
            return json.dumps(payload, default=str, ensure_ascii=False)

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        fields = _extras(record)
        if record.exc_info:
            fields["exception"] = self.formatException(record.exc_info)
        return self.line(
            record.created,
            record.levelname.lower(),
            getattr(record, "service", None),
            record.name,
            record.getMessage(),
            getattr(record, "request_id", None),
            fields,
        )


class JsonHandler(logging.StreamHandler[TextIO]):
    """configure_logging's handler for JSON lines; `write_line` writes one without a LogRecord."""

    def __init__(self, stream: TextIO, service: str) -> None:
        super().__init__(stream)
        self.service = service
        self.json = JsonFormatter()
        self.setFormatter(self.json)
        self.addFilter(_ContextFilter(service))

    def write_line(self, logger: str, level: int, event: str, fields: dict[str, Any]) -> bool:
        """Write the line `emit` would write for this record; False if writing failed."""
        line = self.json.line(
            time.time(),
            logging.getLevelName(level).lower(),
            self.service,
            logger,
            event,
            request_id.get(),
            fields,
        )
        self.acquire()
        try:
            self.stream.write(line + self.terminator)
            self.stream.flush()
        except Exception:  # the logging module then decides what a failed write does
            return False
        finally:
            self.release()
        return True


def _only_json_handler(logger: logging.Logger, level: int) -> JsonHandler | None:
    """configure_logging's JSON handler if a record of `logger` would reach it and nothing else.

    That is: no logger on the way to the root has a handler or a filter of its own,
    and the root's one handler is the JSON handler, with only its own filter.
    """
    current: logging.Logger | None = logger
    root = logging.getLogger()
    while current is not None and current is not root:
        if current.handlers or current.filters or not current.propagate:
            return None
        current = current.parent
    if root.filters or len(root.handlers) != 1:
        return None
    handler = root.handlers[0]
    if type(handler) is not JsonHandler or len(handler.filters) != 1 or level < handler.level:
        return None
    return handler


def log_fields(logger: logging.Logger, level: int, event: str, fields: dict[str, Any]) -> None:
    """`logger.log(level, event, extra=fields)`, as a line written directly when possible.

    For log lines made on every request (market-data's access log): when only
    configure_logging's JSON handler would see the record, the same JSON line is
    written without making a LogRecord and passing it through the logging module,
    which costs several times more than the line itself. Otherwise (another
    handler or filter, pytest's caplog, the console format) it is logged as usual.
    """
    if not logger.isEnabledFor(level):
        return
    handler = _only_json_handler(logger, level)
    if handler is None or not handler.write_line(logger.name, level, event, fields):
        logger.log(level, event, extra=fields, stacklevel=2)


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
    handler: logging.Handler
    if use_json:
        handler = JsonHandler(stream, service)
    else:
        handler = logging.StreamHandler(stream)
        handler.setFormatter(ConsoleFormatter())
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
