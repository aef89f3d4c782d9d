"""Reading config/evolution.yml, config/feature-flags.yml and .copier-answers.yml.

Every problem is a ConfigError whose message is one line naming the file and the
key, so the commands print it and exit 2 instead of showing a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .triggers import Quantity, Value, parse_quantity

EVOLUTION_FILE = "config/evolution.yml"
FLAGS_FILE = "config/feature-flags.yml"
ANSWERS_FILE = ".copier-answers.yml"
LEVELS = {1: "Basic", 2: "Automated", 3: "Professional", 4: "Enterprise"}
_ROADMAP_KEY = re.compile(r"level_(\d+)_trigger")


class ConfigError(Exception):
    """A missing or invalid configuration file or value (exit code 2)."""


@dataclass(frozen=True)
class Flag:
    """A feature flag of config/feature-flags.yml, with the trigger that should turn it on."""

    name: str
    enabled: bool
    trigger: str | None
    description: str


@dataclass(frozen=True)
class EvolutionConfig:
    """config/evolution.yml, checked: the level, its roadmap, features and the owner's figures."""

    current_level: int
    roadmap: dict[int, str]  # level -> trigger text
    features: dict[str, bool]
    metrics: dict[str, Value]  # the owner's figures; None means unknown
    flags: dict[str, Flag] = field(default_factory=dict)
    project: str = ""


def read_yaml(path: Path) -> Any:
    """The parsed YAML file; ConfigError (one line) when it is missing or invalid."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path.name} not found at {path}") from None
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise ConfigError(f"{path}: {problem}{where}") from None


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a mapping of names to values")
    return {str(key): item for key, item in value.items()}


def owner_value(value: Any, where: str) -> Value:
    """One figure of the `metrics:` section, checked (never guessed)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return Quantity(float(value))
    if isinstance(value, str):
        try:
            return parse_quantity(value)
        except ValueError as error:
            raise ConfigError(f"{where}: {error}") from None
    if isinstance(value, dict):
        per_unit: dict[str, Quantity | None] = {}
        for unit, amount in value.items():
            if amount is not None and (
                isinstance(amount, bool) or not isinstance(amount, int | float)
            ):
                raise ConfigError(f"{where}.{unit} must be a number or null, got {amount!r}")
            per_unit[str(unit)] = None if amount is None else Quantity(float(amount), str(unit))
        return per_unit
    raise ConfigError(
        f"{where} must be a number, a quantity such as 99.9% or weekly, true/false, "
        f"a mapping of units to numbers, or null; got {value!r}"
    )


def _level(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in LEVELS:
        raise ConfigError(f"{where} must be a level from 1 to 4, got {value!r}")
    return value


def load_evolution(root: Path) -> EvolutionConfig:
    """config/evolution.yml of the project at `root`, checked against .copier-answers.yml."""
    path = root / EVOLUTION_FILE
    data = _mapping(read_yaml(path), EVOLUTION_FILE)
    if "current_level" not in data:
        raise ConfigError(f"{EVOLUTION_FILE}: current_level is missing")
    level = _level(data["current_level"], f"{EVOLUTION_FILE}: current_level")
    roadmap: dict[int, str] = {}
    for key, text in _mapping(data.get("roadmap"), f"{EVOLUTION_FILE}: roadmap").items():
        match = _ROADMAP_KEY.fullmatch(key)
        if match is None:
            raise ConfigError(
                f"{EVOLUTION_FILE}: roadmap.{key} is not level_N_trigger (N from 2 to 4)"
            )
        target = _level(int(match[1]), f"{EVOLUTION_FILE}: roadmap.{key}")
        if not isinstance(text, str):
            raise ConfigError(f"{EVOLUTION_FILE}: roadmap.{key} must be a trigger string")
        roadmap[target] = text
    features = {
        name: bool(value)
        for name, value in _mapping(data.get("features"), f"{EVOLUTION_FILE}: features").items()
    }
    metrics = {
        name: owner_value(value, f"{EVOLUTION_FILE}: metrics.{name}")
        for name, value in _mapping(data.get("metrics"), f"{EVOLUTION_FILE}: metrics").items()
    }
    answers = load_answers(root)
    answered = answers.get("maturity_level")
    if answered is not None and answered != level:
        raise ConfigError(
            f"{EVOLUTION_FILE} says current_level {level} but {ANSWERS_FILE} says "
            f"maturity_level {answered}: move levels with make upgrade LEVEL=N, not by hand"
        )
    return EvolutionConfig(
        current_level=level,
        roadmap=roadmap,
        features=features,
        metrics=metrics,
        flags=load_flags(root),
        project=str(answers.get("project_slug") or root.resolve().name),
    )


def load_flags(root: Path) -> dict[str, Flag]:
    """The flags of config/feature-flags.yml by name; {} without the file."""
    path = root / FLAGS_FILE
    if not path.exists():
        return {}
    data = _mapping(read_yaml(path), FLAGS_FILE)
    flags: dict[str, Flag] = {}
    for name, spec in _mapping(data.get("features"), f"{FLAGS_FILE}: features").items():
        spec = _mapping(spec, f"{FLAGS_FILE}: features.{name}")
        trigger = spec.get("trigger")
        if trigger is not None and not isinstance(trigger, str):
            raise ConfigError(f"{FLAGS_FILE}: features.{name}.trigger must be a string")
        flags[name] = Flag(
            name=name,
            enabled=spec.get("enabled") is True,
            trigger=trigger,
            description=str(spec.get("description", "")),
        )
    return flags


def load_answers(root: Path) -> dict[str, Any]:
    """Copier's answers in .copier-answers.yml; {} without the file."""
    path = root / ANSWERS_FILE
    if not path.exists():
        return {}
    data = read_yaml(path)
    return dict(data) if isinstance(data, Mapping) else {}
