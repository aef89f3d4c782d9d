"""What every ops command shares: exit codes, one-line errors, argument types, tables."""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn, TypeVar
from urllib.parse import urlsplit

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
T = TypeVar("T")


class OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line on stderr (exit 2), not the usage block.

    The line starts with the command's name (the first word of `prog`, also in
    a subcommand's parser), as in `ecs-deploy: error: ... (see --help)`.
    """

    def error(self, message: str) -> NoReturn:
        """Exit 2 with `message` on one line."""
        self.exit(EXIT_USAGE, f"{self.prog.split()[0]}: error: {message} (see --help)\n")

    def fail(self, message: object, code: int = EXIT_USAGE) -> int:
        """Print `message` as the command's one-line error; return `code` to exit with."""
        print(f"{self.prog.split()[0]}: error: {message}", file=sys.stderr)
        return code


def argument(parse: Callable[[str], T]) -> Callable[[str], T]:
    """`parse` as an argparse type: its ValueError becomes a usage error with its message."""

    def checked(text: str) -> T:
        try:
            return parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return checked


def bounded(low: float, high: float, what: str, whole: bool = False) -> Callable[[str], float]:
    """An argparse type: a number above `low` and at most `high` (a whole one from `low`)."""

    def parse(text: str) -> float:
        try:
            value = int(text) if whole else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if whole and not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r} must be from {low:g} to {high:g}")
        if not whole and not (math.isfinite(value) and low < value <= high):
            raise argparse.ArgumentTypeError(
                f"{text!r} must be more than {low:g} and at most {high:g}"
            )
        return value

    return parse


def output(command: Sequence[str], stdin: str | None = None) -> str | None:
    """What `command` prints (given `stdin`), or None when it fails or cannot start."""
    try:
        result = subprocess.run(
            command, input=stdin, capture_output=True, text=True, check=False, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None


def http_url(value: str) -> str:
    """An argparse type: an ``http(s)://host[:port][/prefix]`` base URL, without the final /."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an http:// or https:// URL such as https://staging.example.com"
        )
    if parts.query or parts.fragment:
        raise argparse.ArgumentTypeError(f"{value!r} must not have a query or a fragment")
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} has an invalid port") from None
    return value.strip().rstrip("/")


def table(
    rows: Sequence[Sequence[str]],
    notes: Sequence[str] = (),
    width: Callable[[str], int] = len,
) -> str:
    """`rows` (the header first) in aligned columns; `notes[i]` goes indented under row i + 1."""
    widths = [max(width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        cells = [cell + " " * (size - width(cell)) for cell, size in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
        if 0 < index <= len(notes) and notes[index - 1]:
            lines.append(f"    {notes[index - 1]}")
    return "\n".join(lines)
