"""The evolution report: metrics, which triggers hold, and the next level to take.

Exit codes of the command: 0 no upgrade due, 10 an upgrade is due, 2 configuration
error (a malformed trigger, an invalid figure, a missing file).
"""

from __future__ import annotations

import argparse
import json
import textwrap
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from ops.cli import EXIT_OK, EXIT_USAGE
from ops.project import Project

from .config import EVOLUTION_FILE, FLAGS_FILE, ConfigError, command_parser, load_evolution, run
from .metrics import Metric, collect, lookup, where_to_set
from .triggers import (
    Trigger,
    TriggerError,
    TriggerSyntaxError,
    evaluate,
    parse,
)

EXIT_UPGRADE_DUE = 10
EXIT_CONFIG_ERROR = EXIT_USAGE
UPGRADE_COMMAND = "make upgrade LEVEL={level}"
__all__ = ["EXIT_CONFIG_ERROR", "EXIT_OK", "EXIT_UPGRADE_DUE", "analyse", "main"]


@dataclass(frozen=True)
class Result:
    """A higher level's roadmap trigger or a flag's trigger, evaluated and in words."""

    name: str  # the level's name (Automated...) or the flag's
    trigger: str
    result: bool | None  # holds, does not, or unknown
    words: str  # the trigger in plain words, with each value
    unknown: tuple[str, ...]  # names whose values are unknown
    level: int = 0  # 0 for a flag
    enabled: bool = False  # a flag that is on already

    @property
    def who(self) -> str:
        return f"level {self.level}" if self.level else f"flag {self.name}"


@dataclass(frozen=True)
class Report:
    """Everything the detector found: the metrics, each level's and flag's trigger, the advice."""

    project: Project
    metrics: dict[str, Metric]
    levels: list[Result]
    flags: list[Result]

    @property
    def level(self) -> int:
        return self.project.level

    @property
    def due(self) -> list[int]:
        return [result.level for result in self.levels if result.result is True]

    @property
    def recommendation(self) -> int | None:
        """One level at a time: the next level when any higher level's trigger holds."""
        return self.level + 1 if self.due else None

    @property
    def exit_code(self) -> int:
        return EXIT_UPGRADE_DUE if self.recommendation else EXIT_OK

    def title(self, level: int) -> str:
        return f"level {level} ({self.project.level_name(level)})"

    @property
    def unknown(self) -> dict[str, list[str]]:
        """Every unknown figure, with the undecided triggers it would decide."""
        needs: dict[str, list[str]] = {}
        for result in self.levels + [flag for flag in self.flags if not flag.enabled]:
            for name in result.unknown:
                needs.setdefault(name, [])
                if result.result is None:
                    needs[name].append(result.who)
        for name, metric in self.metrics.items():
            if isinstance(metric.value, Mapping):
                for unit, amount in metric.value.items():
                    if amount is None:
                        needs.setdefault(f"{name}.{unit}", [])
            elif metric.display == "unknown":
                needs.setdefault(name, [])
        return needs

    def as_dict(self) -> dict[str, Any]:
        """The report as data for the `--json` output."""
        target = self.recommendation
        return {
            "project": self.project.slug,
            "current_level": self.level,
            "level_name": self.project.level_name(),
            "metrics": {
                name: {**asdict(metric), "display": metric.display}
                for name, metric in self.metrics.items()
            },
            "unknown": {
                name: {"where": where_to_set(self.metrics, name), "needed_by": needed_by}
                for name, needed_by in self.unknown.items()
            },
            "levels": [asdict(result) for result in self.levels],
            "flags": [asdict(flag) for flag in self.flags],
            "recommendation": None
            if target is None
            else {
                "level": target,
                "name": self.project.level_name(target),
                "command": UPGRADE_COMMAND.format(level=target),
                "also_due": [level for level in self.due if level != target],
            },
            "exit_code": self.exit_code,
        }


def _parse_all(sources: dict[str, str]) -> dict[str, Trigger]:
    """Parse every trigger first, so all malformed ones are reported together."""
    parsed: dict[str, Trigger] = {}
    problems: list[str] = []
    for where, text in sources.items():
        try:
            parsed[where] = parse(text)
        except TriggerSyntaxError as error:
            pointer = textwrap.indent(error.pointer(), "    ")
            problems.append(f"{where}: {error}\n{pointer}")
    if problems:
        raise ConfigError("\n".join(problems))
    return parsed


def analyse(root: Path, now: datetime | None = None) -> Report:
    """Everything the report says; ConfigError when the configuration is wrong."""
    config = load_evolution(root)
    project = config.project
    roadmap = {
        level: f"{EVOLUTION_FILE}: roadmap.level_{level}_trigger"
        for level in sorted(config.roadmap)
    }
    flags = {
        flag.name: f"{FLAGS_FILE}: features.{flag.name}.trigger"
        for flag in config.flags.values()
        if flag.trigger is not None
    }
    sources = {roadmap[level]: text for level, text in config.roadmap.items()}
    sources |= {flags[name]: str(config.flags[name].trigger) for name in flags}
    triggers = _parse_all(sources)
    metrics = collect(root, config, now)
    read = partial(lookup, metrics, config)

    def result(where: str, name: str, level: int = 0, enabled: bool = False) -> Result:
        trigger = triggers[where]
        try:
            outcome = evaluate(trigger, read)
        except TriggerError as error:
            raise ConfigError(f"{where}: {error}") from None
        return Result(
            name, trigger.text, outcome.value, outcome.words, outcome.unknown, level, enabled
        )

    return Report(
        project,
        metrics,
        [
            result(where, project.level_name(level), level)
            for level, where in roadmap.items()
            if level > project.level
        ],
        [result(where, name, enabled=config.flags[name].enabled) for name, where in flags.items()],
    )


# ------------------------------------------------------------------ rendering

_WORD = {True: "HOLDS", False: "does not hold", None: "undecided"}


def _state(result: Result) -> str:
    return "enabled" if result.enabled else _WORD[result.result]


def render_text(report: Report) -> str:
    """The report for a terminal: metrics, triggers in plain words, where to set
    what is unknown, and the recommendation."""
    lines = [f"Evolution of {report.project.slug}: {report.title(report.level)}", "", "Metrics"]
    width = max(len(name) for name in report.metrics)
    for name, metric in report.metrics.items():
        lines.append(f"  {name:<{width}}  {metric.display:<12}  {metric.source}: {metric.detail}")
    lines += ["", "Level triggers"]
    if not report.levels:
        lines.append("  none: this is the top of the ladder")
    sections = [("", report.levels), ("Feature flag triggers", report.flags)]
    for heading, results in sections:
        lines += ["", heading] if heading and results else []
        for result in results:
            title = report.title(result.level) if result.level else result.name
            lines.append(f"  {title}: {_state(result)}")
            lines += textwrap.wrap(
                f"when {result.words}", width=88, initial_indent=" " * 6, subsequent_indent=" " * 6
            )
    unknown = report.unknown
    if unknown:
        lines += ["", "Unknown metrics: where to set them"]
        width = max(len(name) for name in unknown)
        for name, needed_by in unknown.items():
            needs = f" (decides {', '.join(needed_by)})" if needed_by else ""
            lines.append(f"  {name:<{width}}  {where_to_set(report.metrics, name)}{needs}")
    lines += ["", "Recommendation", *(f"  {line}" for line in _advice(report))]
    return "\n".join(lines) + "\n"


def _advice(report: Report) -> list[str]:
    advice = []
    target = report.recommendation
    if target is not None:
        advice += [
            f"Upgrade to {report.title(target)}:",
            f"  {UPGRADE_COMMAND.format(level=target)}",
            f"  (make upgrade-preview LEVEL={target} first shows what it would change)",
        ]
        higher = [level for level in report.due if level != target]
        if higher:
            advice.append(
                f"The trigger of {', '.join(map(report.title, higher))} holds too: one level "
                "at a time, run the detector again after this upgrade."
            )
    elif report.level == max(report.project.levels):
        advice.append(f"Level {report.level} is the top of the ladder: nothing to upgrade.")
    else:
        advice.append("No upgrade due: no higher level's trigger holds.")
    for result in report.levels:
        if result.result is None and result.unknown:
            advice.append(
                f"Level {result.level} is undecided until "
                f"{' or '.join(result.unknown)} is known (see where to set them above)."
            )
    for flag in report.flags:
        if not flag.enabled and flag.result is True:
            advice.append(
                f"Flag {flag.name}: its trigger holds ({flag.words}); the level that adds it "
                "turns it on."
            )
    return advice


def _markdown_table(header: str, rows: list[tuple[str, ...]]) -> list[str]:
    if not rows:
        return []
    lines = ["", f"| {header} |", "|" + " --- |" * (header.count("|") + 1)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def render_markdown(report: Report) -> str:
    """The report as Markdown, for a job summary or an issue."""
    lines = [f"## Evolution of {report.project.slug}: {report.title(report.level)}", ""]
    target = report.recommendation
    if target is not None:
        lines += [
            f"**Upgrade due: {report.title(target)}.** Run:",
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
    lines += _markdown_table(
        "Level | When | Result",
        [(f"{r.level} ({r.name})", r.words, _state(r).lower()) for r in report.levels],
    )
    lines += _markdown_table(
        "Metric | Value | Source",
        [(f"`{n}`", m.display, f"{m.source}: {m.detail}") for n, m in report.metrics.items()],
    )
    lines += _markdown_table(
        "Flag | When | Result", [(f"`{f.name}`", f.words, _state(f).lower()) for f in report.flags]
    )
    lines += _markdown_table(
        "Unknown | Where to set it | Decides",
        [
            (f"`{name}`", where_to_set(report.metrics, name), ", ".join(needed_by))
            for name, needed_by in report.unknown.items()
        ],
    )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None, root: Path | None = None) -> int:
    """The evolution detector command; returns its exit code (10 when an upgrade is due)."""
    parser = command_parser(
        "evolution_detector.py",
        "Measure the project, evaluate the roadmap triggers of config/evolution.yml and "
        "the flag triggers of config/feature-flags.yml, and say whether the next "
        "maturity level is due.",
        "exit codes: 0 no upgrade due, 10 an upgrade is due, 2 configuration error. "
        "Figures only you know go in the metrics: section of config/evolution.yml "
        "(docs/development/evolution.md).",
        root,
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the report as JSON")
    output.add_argument(
        "--markdown", action="store_true", help="print the report as Markdown (job summaries)"
    )
    return run(parser, argv, _report)


def _report(args: argparse.Namespace) -> int:
    report = analyse(args.project_dir)
    if args.json:
        # Quantities as {"amount": ..., "unit": ...}
        print(json.dumps(report.as_dict(), indent=2, default=asdict))
    else:
        print((render_markdown if args.markdown else render_text)(report), end="")
    return report.exit_code
