"""argparse types of the deploy commands beside ops.cli's (standard library only)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from .images import is_valid_tag


def image_tag(value: str) -> str:
    """A valid image tag."""
    if not is_valid_tag(value):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an image tag (up to 128 letters, digits, '_', '.' and '-', "
            "such as a commit SHA)"
        )
    return value


def seconds(*, zero: bool) -> Callable[[str], float]:
    """A number of seconds greater than 0, or 0 too if `zero`."""

    def parse(value: str) -> float:
        try:
            number = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
        if not math.isfinite(number) or number < 0 or (number == 0 and not zero):
            limit = "0 or more" if zero else "greater than 0"
            raise argparse.ArgumentTypeError(f"{value!r} must be {limit}")
        return number

    return parse
