"""Jinja filters behind the validators of copier.yml.

Each filter returns an error message, or an empty string when the answer is
fine, so a validator reads ``{{ answer | some_error }}``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from jinja2.ext import Extension

SYMBOL = re.compile(r"^[A-Z0-9]{2,10}-[A-Z0-9]{2,10}$")
LEVEL_NAMES = {1: "Basic", 2: "Automated", 3: "Professional", 4: "Enterprise"}


def admit_answer(choices: Any, data: Any, key: str) -> list[list[Any]]:
    """Choices as ``[label, value]`` pairs, plus the value passed with ``--data``.

    copier rejects a value outside ``choices`` with its own terse "Invalid
    choice" before any validator runs. Admitting the passed value as one more
    choice lets the question's validator reject it with a message that says
    what is accepted. Interactive prompts never see the extra entry: a question
    answered through ``--data`` is not asked.
    """
    pairs = (
        [list(item) for item in choices.items()]
        if isinstance(choices, dict)
        else [[value, value] for value in choices]
    )
    passed = (data or {}).get(key)
    if passed is not None and str(passed) not in {str(value) for _, value in pairs}:
        pairs.append([f"{passed} (not accepted)", passed])
    return pairs


def symbols_error(value: Any) -> str:
    """Message for a default_symbols answer that is not a BASE-QUOTE list."""
    symbols = [item.strip() for item in str(value).split(",")]
    bad = [item for item in symbols if not SYMBOL.match(item)]
    if bad:
        return (
            f"{', '.join(repr(item) for item in bad)} is not a BASE-QUOTE symbol: "
            "use a comma-separated list of upper-case pairs such as BTC-USDT,ETH-USDT"
        )
    repeated = sorted({item for item in symbols if symbols.count(item) > 1})
    if repeated:
        return f"{', '.join(repeated)} is listed twice: give each symbol once"
    return ""


def previous_answers(conf: Any) -> dict[str, Any]:
    """The answers recorded in the destination, or {} for a new project."""
    path = Path(str(conf["dst_path"])) / str(conf["answers_file"])
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def level_error(value: Any, conf: Any) -> str:
    """Message for a maturity_level outside the ladder or below the current one."""
    try:
        level = int(value)
    except (TypeError, ValueError):
        level = 0
    if level not in LEVEL_NAMES:
        accepted = ", ".join(f"{n} ({name})" for n, name in LEVEL_NAMES.items())
        return f"{value!r} is not a maturity level: choose one of {accepted}"
    try:
        current = int(previous_answers(conf).get("maturity_level", 0))
    except (TypeError, ValueError):
        current = 0
    if level < current:
        return (
            f"this project is at level {current} ({LEVEL_NAMES.get(current, '?')}) and downgrades "
            f"are not supported (they would delete files); answer {current} or higher"
        )
    return ""


class AnswerFilters(Extension):
    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        environment.filters["admit_answer"] = admit_answer
        environment.filters["symbols_error"] = symbols_error
        environment.filters["level_error"] = level_error
