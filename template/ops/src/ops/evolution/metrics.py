"""What the repository tells about the project, and what only its owner knows.

Measured here: team size and deployments from git, services, tests, coverage and
workflows from the files. Owner figures come from the `metrics:` section of
config/evolution.yml; a figure that is null (or absent) is unknown, never guessed.
An owner figure with the name of a measured metric replaces the measurement.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

from ops.cli import output

from .config import EVOLUTION_FILE, FLAGS_FILE, EvolutionConfig
from .triggers import PER_WEEK, PERCENT, PHRASES, Quantity, Value, describe

WINDOW = timedelta(days=90)
MIN_WINDOW = timedelta(days=7)
TEMPLATE_SERVICES = 2  # market-data and telegram-bot
DEPLOY_TAG_PREFIXES = ("deploy-", "deploy/")
DEPLOYMENT_LOG = ".data/deployments.jsonl"

# The figures only the owner knows, with what they mean (config/evolution.yml documents them).
OWNER_METRICS = {name: words["owner"] for name, words in PHRASES.items() if "owner" in words}


@dataclass(frozen=True)
class Metric:
    """One figure the triggers can use, where it came from and how it was measured."""

    name: str
    value: Value
    source: str  # where the value comes from
    detail: str  # what it means and how it was measured
    hint: str = ""  # for a measured metric that is unknown: how to measure it

    @property
    def display(self) -> str:
        return describe(self.value)


@dataclass(frozen=True)
class Deployment:
    """One deployment found in the git tags or the deployment log."""

    when: datetime
    commit: str | None
    origin: str  # a tag name or the deployment log
    environment: str | None = None


# ------------------------------------------------------------------ git


def git(root: Path, *args: str) -> str | None:
    """Output of a git command in `root`, or None when git or the repository is missing."""
    return output(["git", "-C", str(root), *args])


def is_own_repository(root: Path) -> bool:
    """True when `root` is the top of a git work tree (not a folder inside another repo)."""
    top = git(root, "rev-parse", "--show-toplevel")
    return top is not None and Path(top.strip()).resolve() == root.resolve()


def commits(root: Path) -> list[tuple[datetime, str]]:
    """(commit time, lower-cased author e-mail) of every commit on all branches."""
    lines = (git(root, "log", "--all", "--format=%ct %ae") or "").splitlines()
    return [
        (datetime.fromtimestamp(int(stamp), UTC), email.strip().lower())
        for stamp, _, email in (line.partition(" ") for line in lines)
        if stamp.isdigit()
    ]


def is_deployment_tag(name: str) -> bool:
    """Whether a tag marks a deployment: deploy-*, deploy/* or a version such as v1.2."""
    if name.startswith(DEPLOY_TAG_PREFIXES):
        return True
    return name.startswith("v") and name[1:2].isdigit()


def tag_deployments(root: Path) -> list[Deployment]:
    """deploy-* and v<digit>* tags, dated by their tagger (or commit) date."""
    output = git(
        root,
        "for-each-ref",
        "refs/tags",
        "--format=%(refname:strip=2)%09%(creatordate:unix)%09%(objectname)%09%(*objectname)",
    )
    deployments = []
    for line in (output or "").splitlines():
        name, stamp, target, peeled = [*line.split("\t"), "", "", ""][:4]
        if is_deployment_tag(name) and stamp.isdigit():
            deployments.append(
                Deployment(datetime.fromtimestamp(int(stamp), UTC), peeled or target, name)
            )
    return deployments


STARTS = ("deploy", "bluegreen-start")  # the actions that start a deployment


def logged_deployments(root: Path) -> tuple[list[Deployment], int]:
    """Deployments in .data/deployments.jsonl, and how many lines were unreadable.

    One JSON object per line, as scripts/deploy writes them: `time` (or `timestamp`,
    ISO 8601), and optionally `environment`, `commit`, `action` and `outcome`. Only
    the start of a deployment counts (`deploy`, or `bluegreen-start` at level 4):
    waits, promotions, rollbacks and deployments that failed to start are left out.
    """
    path = root / DEPLOYMENT_LOG
    if not path.is_file():
        return [], 0
    deployments, skipped = [], 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            when = datetime.fromisoformat(entry.get("time", entry.get("timestamp")))
        except (ValueError, TypeError, AttributeError):  # not JSON, not an object, no time
            skipped += 1
            continue
        if entry.get("outcome") == "failed" or entry.get("action", "deploy") not in STARTS:
            continue
        commit, environment = entry.get("commit"), entry.get("environment")
        deployments.append(
            Deployment(
                when if when.tzinfo else when.replace(tzinfo=UTC),
                commit if isinstance(commit, str) and commit != "unknown" else None,
                DEPLOYMENT_LOG,
                environment if isinstance(environment, str) else None,
            )
        )
    return deployments, skipped


def distinct(deployments: Iterable[Deployment]) -> list[Deployment]:
    """One deployment per commit, environment and day (a v1.2 tag and a deploy tag
    on the same commit the same day are one deployment)."""
    seen: set[tuple[str, str, str]] = set()
    unique = []
    for deployment in sorted(deployments, key=lambda item: item.when):
        if deployment.commit is None:
            unique.append(deployment)
            continue
        key = (deployment.commit, deployment.environment or "", deployment.when.date().isoformat())
        if key not in seen:
            seen.add(key)
            unique.append(deployment)
    return unique


# ------------------------------------------------------------------ files


def service_dirs(root: Path) -> list[str]:
    """Folders under services/ that are deployed: they have a Dockerfile, either
    infrastructure/docker/<name>.Dockerfile, infrastructure/docker/<name>/Dockerfile
    or services/<name>/Dockerfile. (services/common is a library, not a service.)"""
    docker = root / "infrastructure" / "docker"
    names = []
    for folder in sorted(path for path in (root / "services").glob("*") if path.is_dir()):
        candidates = [
            docker / f"{folder.name}.Dockerfile",
            docker / folder.name / "Dockerfile",
            folder / "Dockerfile",
        ]
        if any(candidate.is_file() for candidate in candidates):
            names.append(folder.name)
    return names


def test_files(root: Path) -> Iterator[Path]:
    """The test modules (test_*.py, *_test.py) of tests/ and of each service's tests/."""
    for base in [root / "tests", *sorted((root / "services").glob("*/tests"))]:
        if base.is_dir():
            yield from sorted(base.rglob("test_*.py"))
            yield from sorted(base.rglob("*_test.py"))


def count_tests(source: str) -> int:
    """Test functions in a module: test_* functions and methods of Test* classes."""
    tree = ast.parse(source)
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name.startswith("Test")]
    return sum(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
        for body in [tree.body, *(cls.body for cls in classes)]
        for node in body
    )


def _xml_line_rate(document: bytes) -> str | None:
    """The line-rate attribute of a Cobertura report; None when it has none or has a DTD.

    coverage.py writes no DTD. Refusing one means no entity can be declared, so
    nothing can be expanded or fetched while parsing.
    """
    if b"<!DOCTYPE" in document or b"<!ENTITY" in document:
        return None
    # A false positive once the DTD is refused: nothing left to expand or fetch.
    root = ElementTree.fromstring(document)  # noqa: S314  # nosec B314
    return root.get("line-rate")


def coverage_percent(root: Path) -> tuple[float, str] | None:
    """Line coverage of the newest coverage.xml or coverage.json, and its file name."""
    reports = [path for path in (root / "coverage.xml", root / "coverage.json") if path.is_file()]
    for path in sorted(reports, key=lambda item: item.stat().st_mtime, reverse=True):
        try:
            if path.suffix == ".xml":
                rate = _xml_line_rate(path.read_bytes())
                if rate is not None:
                    return float(rate) * 100, path.name
            else:
                totals = json.loads(path.read_text(encoding="utf-8")).get("totals", {})
                if "percent_covered" in totals:
                    return float(totals["percent_covered"]), path.name
        except (OSError, ValueError, ElementTree.ParseError, AttributeError):
            continue
    return None


def workflow_files(root: Path) -> list[str]:
    """File names of the GitHub Actions workflows."""
    folder = root / ".github" / "workflows"
    if not folder.is_dir():
        return []
    return sorted(path.name for path in folder.iterdir() if path.suffix in (".yml", ".yaml"))


# ------------------------------------------------------------------ collection


def collect(root: Path, config: EvolutionConfig, now: datetime | None = None) -> dict[str, Metric]:
    """Every metric, measured ones first, then the owner's figures (which win)."""
    now = now or datetime.now(UTC)
    metrics: dict[str, Metric] = {}

    def add(name: str, value: Value, source: str, detail: str, hint: str = "") -> None:
        metrics[name] = Metric(name, value, source, detail, hint)

    in_git = is_own_repository(root)
    history = commits(root) if in_git else []
    if in_git:
        emails = {who for when, who in history if when >= now - WINDOW and "[bot]" not in who}
        add(
            "team_size",
            Quantity(len(emails)),
            "git",
            "distinct commit author e-mails in the last 90 days (all branches, bots excluded)",
        )
    else:
        add("team_size", None, "git", "not a git repository", "run git init")

    tags = tag_deployments(root) if in_git else []
    logged, skipped = logged_deployments(root)
    deployments = distinct([*tags, *logged])
    if in_git or (root / DEPLOYMENT_LOG).is_file():
        started = min((when for when, _ in history), default=None)
        if started is None and deployments:
            started = deployments[0].when
        window = min(WINDOW, max(MIN_WINDOW, now - (started or now - WINDOW)))
        recent = [item for item in deployments if now - window <= item.when <= now]
        weeks = window / timedelta(weeks=1)
        note = f", {skipped} unreadable log lines skipped" if skipped else ""
        add(
            "deployment_frequency",
            Quantity(len(recent) / weeks, PER_WEEK),
            "deploy-*/v* tags and " + DEPLOYMENT_LOG,
            f"{len(recent)} deployments in the last {weeks:.1f} weeks{note}",
        )
    else:
        add(
            "deployment_frequency",
            None,
            "git",
            "not a git repository and no " + DEPLOYMENT_LOG,
            "run git init",
        )

    services = service_dirs(root)
    add("services", Quantity(len(services)), "services/ with a Dockerfile", ", ".join(services))
    add(
        "multiple_services",
        len(services) > TEMPLATE_SERVICES,
        "services/ with a Dockerfile",
        f"more than the {TEMPLATE_SERVICES} services the template generates",
    )

    counted, unreadable = 0, 0
    for path in test_files(root):
        try:
            counted += count_tests(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError):
            unreadable += 1
    note = f" ({unreadable} files did not parse)" if unreadable else ""
    add("test_count", Quantity(counted), "tests/", f"test functions, counted with ast{note}")

    coverage = coverage_percent(root)
    if coverage is None:
        add(
            "coverage",
            None,
            "coverage report",
            "line coverage: no coverage.xml or coverage.json",
            "run uv run pytest --cov --cov-report=xml",
        )
    else:
        add("coverage", Quantity(round(coverage[0], 2), PERCENT), coverage[1], "line coverage")

    workflows = workflow_files(root)
    add("workflows", Quantity(len(workflows)), ".github/workflows", ", ".join(workflows))
    production = _production_evidence(workflows, deployments)
    add(
        "production_deployment",
        production is not None,
        "workflows and deployments",
        production or "no production workflow, deploy tag or production log entry",
    )

    for name, description in OWNER_METRICS.items():
        add(name, None, EVOLUTION_FILE, description)
    for name, value in config.metrics.items():
        measured = metrics.get(name)
        what = OWNER_METRICS.get(name) or (measured.detail if measured else "")
        if value is None and measured is not None and name not in OWNER_METRICS:
            continue  # null keeps the measurement
        add(name, value, EVOLUTION_FILE, what)
    return metrics


def where_to_set(metrics: Mapping[str, Metric], name: str) -> str:
    """Where an unknown name gets its value: the `metrics:` entry of config/evolution.yml,
    and for a measured metric what to run; for a flag or feature, its file."""
    head, _, tail = name.partition(".")
    entry = f"set metrics.{name} in {EVOLUTION_FILE}"
    metric = metrics.get(head)
    if metric is not None:
        return f"{metric.hint}, or {entry}" if metric.hint else entry
    if head == "features" and tail:
        return f"no feature {tail} on the ladder (levels: in {EVOLUTION_FILE}): correct the trigger"
    if tail == "enabled":
        return f"no flag {head} in {FLAGS_FILE}: add it, or correct the trigger"
    return f"no such metric: {entry}, or correct the trigger"


def _production_evidence(workflows: list[str], deployments: list[Deployment]) -> str | None:
    if any(name.startswith("production.") for name in workflows):
        return "production workflow present"
    if any(item.environment == "production" for item in deployments):
        return "production entries in " + DEPLOYMENT_LOG
    # At level 1 the manual deployment (scripts/deploy/README.md) tags what goes to production.
    tagged = [item.origin for item in deployments if item.origin.startswith(DEPLOY_TAG_PREFIXES)]
    if tagged:
        return f"deploy tags ({len(tagged)})"
    return None


def lookup(metrics: Mapping[str, Metric], config: EvolutionConfig, name: str) -> Value:
    """What a trigger's name stands for: a metric, `<metric>.<unit>`, `<flag>.enabled`
    or `features.<name>`; None (unknown) otherwise."""
    if name in metrics:
        return metrics[name].value
    head, _, tail = name.partition(".")
    if not tail:
        return None
    value = metrics[head].value if head in metrics else None
    if isinstance(value, Mapping):
        found: Value = value.get(tail)
        return found
    if head in config.flags and tail == "enabled":
        return config.flags[head].enabled
    if head == "features":
        return config.project.features().get(tail)
    return None
