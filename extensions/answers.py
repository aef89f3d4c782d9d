"""Jinja filters behind the validators of copier.yml.

Each filter returns an error message, or an empty string when the answer is
fine, so a validator reads ``{{ answer | some_error }}``.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from copier_template_extensions import ContextHook
from jinja2.ext import Extension

SYMBOL = re.compile(r"^[A-Z0-9]{2,10}-[A-Z0-9]{2,10}$")
SLUG_MAX_LENGTH = 30
FALLBACK_SLUG = "crypto-assistant"


def _sibling(name: str) -> ModuleType:
    """Another module of extensions/, loaded from its file as copier's extension loader does."""
    path = Path(__file__).with_name(f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"cica_{name}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


LEVEL_NAMES: dict[int, str] = _sibling("context").LEVELS


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


def slugify(name: Any) -> str:
    """A valid project_slug from a project name: ASCII letters (``ä`` -> ``a``),
    digits and single dashes, starting with a letter, at most 30 characters."""
    ascii_name = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    if slug[:1].isdigit():
        slug = f"bot-{slug}"
    while len(slug) > SLUG_MAX_LENGTH:
        slug = slug.rsplit("-", 1)[0] if "-" in slug else slug[:SLUG_MAX_LENGTH]
    return slug or FALLBACK_SLUG


def symbol_items(value: Any) -> list[str]:
    """The symbols of a default_symbols answer as a person may type them
    (``btc-usdt, eth/usdt``): trimmed, upper case, ``/`` read as ``-``."""
    return [item.strip().upper().replace("/", "-") for item in str(value).split(",")]


def normalize_symbols(value: Any) -> str:
    """The default_symbols answer as the project stores it: ``BTC-USDT,ETH-USDT``."""
    return ",".join(symbol_items(value))


def normalize_region(value: Any) -> str:
    """An aws_region answer as typed (``EU-West-1 ``) in AWS's spelling."""
    return str(value).strip().lower()


# Answers a person types freely, and how the project stores them.
NORMALIZERS = {"default_symbols": normalize_symbols, "aws_region": normalize_region}


def symbols_error(value: Any) -> str:
    """Message for a default_symbols answer that is not a BASE-QUOTE list."""
    symbols = symbol_items(value)
    bad = [item for item in symbols if not SYMBOL.match(item)]
    if bad:
        return (
            f"{', '.join(repr(item) for item in bad)} is not a BASE-QUOTE symbol: "
            "use a comma-separated list of BASE-QUOTE pairs such as BTC-USDT,ETH-USDT"
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
        environment.filters["slugify"] = slugify
        environment.filters["symbols_error"] = symbols_error
        environment.filters["level_error"] = level_error


class NormalizedAnswers(ContextHook):
    """Every file, the answers file included, sees free-typed answers normalised,
    so ``btc-usdt, eth-usdt`` is rendered and recorded as ``BTC-USDT,ETH-USDT``."""

    def hook(self, context: dict[str, Any]) -> None:
        recorded = context.get("_copier_answers")
        for key, normalize in NORMALIZERS.items():
            if isinstance(context.get(key), str):
                context[key] = normalize(context[key])
            if isinstance(recorded, dict) and isinstance(recorded.get(key), str):
                recorded[key] = normalize(recorded[key])
