"""The roadmap and the owner's figures of config/evolution.yml, and config/feature-flags.yml.

The level, the ladder and the answers come from ops.project. Every problem is a
ConfigError whose message is one line naming the file and the key, so the
commands print it and exit 2 instead of showing a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ops.cli import EXIT_USAGE, OneLineParser
from ops.project import EVOLUTION_FILE, Project, load_project, read_mapping
from ops.project import ProjectError as ConfigError

from .triggers import Quantity, Value, parse_quantity

__all__ = ["EVOLUTION_FILE", "FLAGS_FILE", "ConfigError", "EvolutionConfig", "Flag"]
FLAGS_FILE = "config/feature-flags.yml"
_ROADMAP_KEY = re.compile(r"level_(\d+)_trigger")


@dataclass(frozen=True)
class Flag:
    """A feature flag of config/feature-flags.yml, with the trigger that should turn it on."""

    name: str
    enabled: bool
    trigger: str | None


@dataclass(frozen=True)
class EvolutionConfig:
    """The project, its roadmap (level -> trigger), the owner's figures and the flags."""

    project: Project
    roadmap: dict[int, str]
    metrics: dict[str, Value]  # the owner's figures; None means unknown
    flags: dict[str, Flag] = field(default_factory=dict)


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


def load_evolution(root: Path) -> EvolutionConfig:
    """config/evolution.yml and config/feature-flags.yml of the project at `root`, checked."""
    project = load_project(root)
    data = read_mapping(root / EVOLUTION_FILE)
    roadmap: dict[int, str] = {}
    for key, text in _mapping(data.get("roadmap"), f"{EVOLUTION_FILE}: roadmap").items():
        match = _ROADMAP_KEY.fullmatch(key)
        if match is None or int(match[1]) not in project.levels or not isinstance(text, str):
            raise ConfigError(
                f'{EVOLUTION_FILE}: roadmap.{key} must be level_N_trigger: "a trigger", '
                f"N a level of the ladder ({', '.join(map(str, project.levels))})"
            )
        roadmap[int(match[1])] = text
    metrics = {
        name: owner_value(value, f"{EVOLUTION_FILE}: metrics.{name}")
        for name, value in _mapping(data.get("metrics"), f"{EVOLUTION_FILE}: metrics").items()
    }
    return EvolutionConfig(project, roadmap, metrics, load_flags(root))


def load_flags(root: Path) -> dict[str, Flag]:
    """The flags of config/feature-flags.yml by name; {} without the file."""
    path = root / FLAGS_FILE
    if not path.exists():
        return {}
    flags: dict[str, Flag] = {}
    features = read_mapping(path).get("features")
    for name, spec in _mapping(features, f"{FLAGS_FILE}: features").items():
        spec = _mapping(spec, f"{FLAGS_FILE}: features.{name}")
        trigger = spec.get("trigger")
        if trigger is not None and not isinstance(trigger, str):
            raise ConfigError(f"{FLAGS_FILE}: features.{name}.trigger must be a string")
        flags[name] = Flag(name, spec.get("enabled") is True, trigger)
    return flags


def run(parser: OneLineParser, argv: list[str] | None, command: Callable[..., int]) -> int:
    """`command(args)`'s exit code; a configuration error is one line and exit code 2."""
    args = parser.parse_args(argv)
    try:
        return command(args)
    except ConfigError as error:
        return parser.fail(error, EXIT_USAGE)


def command_parser(prog: str, description: str, epilog: str, root: Path | None) -> OneLineParser:
    """The parser of an evolution command, with --project-dir (default: `root`, else here)."""
    parser = OneLineParser(prog=prog, description=description, epilog=epilog)
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=root or Path.cwd(),
        help="the project to inspect (default: this project)",
    )
    return parser
