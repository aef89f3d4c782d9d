"""The evolution report: metrics, which triggers hold, and the next level to take.

Exit codes of the command: 0 no upgrade due, 10 an upgrade is due, 2 configuration
error (a malformed trigger, an invalid figure, a missing file).
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .config import EVOLUTION_FILE, FLAGS_FILE, LEVELS, ConfigError, load_evolution
from .metrics import Metric, collect, lookup, where_to_set
from .triggers import (
    Outcome,
    Quantity,
    Trigger,
    TriggerError,
    TriggerSyntaxError,
    Value,
    evaluate,
    parse,
)
from .words import in_words

EXIT_OK = 0
EXIT_UPGRADE_DUE = 10
EXIT_CONFIG_ERROR = 2
UPGRADE_COMMAND = "make upgrade LEVEL={level}"


@dataclass(frozen=True)
class LevelResult:
    """A higher level's roadmap trigger, evaluated, and the figures it lacked."""

    level: int
    trigger: str
    outcome: Outcome
    words: str  # the trigger in plain words, with each value
    unknown: tuple[str, ...]  # names whose values are unknown


@dataclass(frozen=True)
class FlagResult:
    """A feature flag's trigger, evaluated."""

    name: str
    trigger: str
    enabled: bool
    outcome: Outcome
    words: str
    unknown: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    """Everything the detector found: the metrics, each level's and flag's trigger, the advice."""

    project: str
    level: int
    metrics: dict[str, Metric]
    levels: list[LevelResult]
    flags: list[FlagResult]

    @property
    def due(self) -> list[int]:
        return [result.level for result in self.levels if result.outcome.value is True]

    @property
    def recommendation(self) -> int | None:
        """One level at a time: the next level when any higher level's trigger holds."""
        return self.level + 1 if self.due else None

    @property
    def exit_code(self) -> int:
        return EXIT_UPGRADE_DUE if self.recommendation else EXIT_OK

    @property
    def flags_due(self) -> list[FlagResult]:
        return [flag for flag in self.flags if not flag.enabled and flag.outcome.value is True]

    @property
    def unknown(self) -> dict[str, list[str]]:
        """Every unknown figure, with the undecided triggers it would decide."""
        needs: dict[str, list[str]] = {}
        triggers = [
            (f"level {result.level}", result.outcome.value, result.unknown)
            for result in self.levels
        ]
        triggers += [
            (f"flag {flag.name}", flag.outcome.value, flag.unknown)
            for flag in self.flags
            if not flag.enabled
        ]
        for who, value, names in triggers:
            for name in names:
                needs.setdefault(name, [])
                if value is None:
                    needs[name].append(who)
        for name, metric in self.metrics.items():
            if isinstance(metric.value, Mapping):
                for unit, amount in metric.value.items():
                    if amount is None:
                        needs.setdefault(f"{name}.{unit}", [])
            elif metric.display == "unknown":
                needs.setdefault(name, [])
        return needs

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (the `--json` output)."""
        recommendation = self.recommendation
        return {
            "project": self.project,
            "current_level": self.level,
            "level_name": LEVELS[self.level],
            "metrics": {
                name: {
                    "value": json_value(metric.value),
                    "display": metric.display,
                    "source": metric.source,
                    "detail": metric.detail,
                }
                for name, metric in self.metrics.items()
            },
            "unknown": {
                name: {"where": where_to_set(self.metrics, name), "needed_by": needed_by}
                for name, needed_by in self.unknown.items()
            },
            "levels": [
                {
                    "level": result.level,
                    "name": LEVELS[result.level],
                    "trigger": result.trigger,
                    "words": result.words,
                    "result": result.outcome.value,
                    "reasons": list(result.outcome.reasons),
                    "unknown": list(result.unknown),
                }
                for result in self.levels
            ],
            "flags": [
                {
                    "name": flag.name,
                    "trigger": flag.trigger,
                    "words": flag.words,
                    "enabled": flag.enabled,
                    "result": flag.outcome.value,
                    "reasons": list(flag.outcome.reasons),
                    "unknown": list(flag.unknown),
                }
                for flag in self.flags
            ],
            "recommendation": None
            if recommendation is None
            else {
                "level": recommendation,
                "name": LEVELS[recommendation],
                "command": UPGRADE_COMMAND.format(level=recommendation),
                "also_due": [level for level in self.due if level != recommendation],
            },
            "exit_code": self.exit_code,
        }


def json_value(value: Value) -> Any:
    """A metric's value as JSON-ready data: quantities become {"amount", "unit"}."""
    if isinstance(value, Quantity):
        return {"amount": value.amount, "unit": value.unit}
    if isinstance(value, Mapping):
        return {unit: json_value(amount) for unit, amount in value.items()}
    return value


def _parse_all(config_triggers: list[tuple[str, str]]) -> dict[str, Trigger]:
    """Parse every trigger first, so all malformed ones are reported together."""
    parsed: dict[str, Trigger] = {}
    problems: list[str] = []
    for where, text in config_triggers:
        try:
            parsed[where] = parse(text)
        except TriggerSyntaxError as error:
            pointer = "\n".join(f"    {line}" for line in error.pointer().splitlines())
            problems.append(f"{where}: {error}\n{pointer}")
    if problems:
        raise ConfigError("\n".join(problems))
    return parsed


def analyse(root: Path, now: datetime | None = None) -> Report:
    """Everything the report says; ConfigError when the configuration is wrong."""
    config = load_evolution(root)
    sources = [
        (f"{EVOLUTION_FILE}: roadmap.level_{level}_trigger", text)
        for level, text in sorted(config.roadmap.items())
    ]
    sources += [
        (f"{FLAGS_FILE}: features.{flag.name}.trigger", flag.trigger)
        for flag in config.flags.values()
        if flag.trigger is not None
    ]
    triggers = _parse_all(sources)
    metrics = collect(root, config, now)

    def read(name: str) -> Value:
        return lookup(metrics, config, name)

    def run(where: str) -> Outcome:
        try:
            return evaluate(triggers[where], read)
        except TriggerError as error:
            raise ConfigError(f"{where}: {error}") from None

    levels = []
    for level, text in sorted(config.roadmap.items()):
        if level <= config.current_level:
            continue
        where = f"{EVOLUTION_FILE}: roadmap.level_{level}_trigger"
        outcome, words = run(where), in_words(triggers[where], read)
        levels.append(LevelResult(level, text, outcome, words.text, words.unknown))
    flags = []
    for flag in config.flags.values():
        if flag.trigger is None:
            continue
        where = f"{FLAGS_FILE}: features.{flag.name}.trigger"
        outcome, words = run(where), in_words(triggers[where], read)
        flags.append(
            FlagResult(flag.name, flag.trigger, flag.enabled, outcome, words.text, words.unknown)
        )
    return Report(config.project, config.current_level, metrics, levels, flags)


# ------------------------------------------------------------------ rendering


def _wrapped(text: str) -> list[str]:
    return textwrap.wrap(text, width=88, initial_indent=" " * 6, subsequent_indent=" " * 6)


def render_text(report: Report) -> str:
    """The report for a terminal: metrics, triggers in plain words, where to set
    what is unknown, and the recommendation."""
    lines = [f"Evolution of {report.project}: level {report.level} ({LEVELS[report.level]})", ""]
    lines.append("Metrics")
    width = max(len(name) for name in report.metrics)
    for name, metric in report.metrics.items():
        lines.append(f"  {name:<{width}}  {metric.display:<12}  {metric.source}: {metric.detail}")
    lines += ["", "Level triggers"]
    if not report.levels:
        lines.append("  none: this is the top of the ladder")
    for result in report.levels:
        lines.append(
            f"  level {result.level} ({LEVELS[result.level]}): {_word(result.outcome.value)}"
        )
        lines += _wrapped(f"when {result.words}")
    if report.flags:
        lines += ["", "Feature flag triggers"]
        for flag in report.flags:
            state = "enabled" if flag.enabled else _word(flag.outcome.value)
            lines.append(f"  {flag.name}: {state}")
            lines += _wrapped(f"when {flag.words}")
    unknown = report.unknown
    if unknown:
        lines += ["", "Unknown metrics: where to set them"]
        width = max(len(name) for name in unknown)
        for name, needed_by in unknown.items():
            needs = f" (decides {', '.join(needed_by)})" if needed_by else ""
            lines.append(f"  {name:<{width}}  {where_to_set(report.metrics, name)}{needs}")
    lines += ["", "Recommendation", *(f"  {line}" for line in _advice(report))]
    return "\n".join(lines) + "\n"


def _word(value: bool | None) -> str:
    return {True: "HOLDS", False: "does not hold", None: "undecided"}[value]


def _advice(report: Report) -> list[str]:
    advice = []
    target = report.recommendation
    if target is not None:
        advice += [
            f"Upgrade to level {target} ({LEVELS[target]}):",
            f"  {UPGRADE_COMMAND.format(level=target)}",
            f"  (make upgrade-preview LEVEL={target} first shows what it would change)",
        ]
        higher = [level for level in report.due if level != target]
        if higher:
            names = ", ".join(f"{level} ({LEVELS[level]})" for level in higher)
            advice.append(
                f"The trigger of level {names} holds too: one level at a time, "
                "run the detector again after this upgrade."
            )
    elif report.level == max(LEVELS):
        advice.append("Level 4 is the top of the ladder: nothing to upgrade.")
    else:
        advice.append("No upgrade due: no higher level's trigger holds.")
    for result in report.levels:
        if result.outcome.value is None and result.unknown:
            advice.append(
                f"Level {result.level} is undecided until "
                f"{' or '.join(result.unknown)} is known (see where to set them above)."
            )
    for flag in report.flags_due:
        advice.append(
            f"Flag {flag.name}: its trigger holds ({flag.words}); the level that adds it "
            "turns it on."
        )
    return advice


def render_markdown(report: Report) -> str:
    """The report as Markdown, for a job summary or an issue."""
    lines = [
        f"## Evolution of {report.project}: level {report.level} ({LEVELS[report.level]})",
        "",
    ]
    target = report.recommendation
    if target is not None:
        lines += [
            f"**Upgrade due: level {target} ({LEVELS[target]}).** Run:",
            "",
            "```bash",
            UPGRADE_COMMAND.format(level=target),
            "```",
            "",
        ]
    lines += [
        f"- {line.strip().replace('see where to set them above', 'see below')}"
        for line in _advice(report)
        if not line.startswith("  ")
    ]
    lines += ["", "| Level | When | Result |", "| --- | --- | --- |"]
    for result in report.levels:
        lines.append(
            f"| {result.level} ({LEVELS[result.level]}) | {result.words} | "
            f"{_word(result.outcome.value).lower()} |"
        )
    lines += ["", "| Metric | Value | Source |", "| --- | --- | --- |"]
    for name, metric in report.metrics.items():
        lines.append(f"| `{name}` | {metric.display} | {metric.source}: {metric.detail} |")
    if report.flags:
        lines += ["", "| Flag | When | Result |", "| --- | --- | --- |"]
        for flag in report.flags:
            state = "enabled" if flag.enabled else _word(flag.outcome.value).lower()
            lines.append(f"| `{flag.name}` | {flag.words} | {state} |")
    if report.unknown:
        lines += ["", "| Unknown | Where to set it | Decides |", "| --- | --- | --- |"]
        for name, needed_by in report.unknown.items():
            lines.append(
                f"| `{name}` | {where_to_set(report.metrics, name)} | {', '.join(needed_by)} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None, root: Path | None = None) -> int:
    """The evolution detector command; returns its exit code (10 when an upgrade is due)."""
    parser = argparse.ArgumentParser(
        prog="evolution_detector.py",
        description=(
            "Measure the project, evaluate the roadmap triggers of config/evolution.yml and "
            "the flag triggers of config/feature-flags.yml, and say whether the next "
            "maturity level is due."
        ),
        epilog=(
            "exit codes: 0 no upgrade due, 10 an upgrade is due, 2 configuration error. "
            "Figures only you know go in the metrics: section of config/evolution.yml "
            "(docs/development/evolution.md)."
        ),
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the report as JSON")
    output.add_argument(
        "--markdown", action="store_true", help="print the report as Markdown (job summaries)"
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=root or Path.cwd(),
        help="the project to inspect (default: this project)",
    )
    args = parser.parse_args(argv)
    try:
        report = analyse(args.project_dir)
    except ConfigError as error:
        print(f"evolution_detector: {error}", file=sys.stderr)
        return EXIT_CONFIG_ERROR
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    elif args.markdown:
        print(render_markdown(report), end="")
    else:
        print(render_text(report), end="")
    return report.exit_code
