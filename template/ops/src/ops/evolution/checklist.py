"""The implementation checklist of a maturity level, checked against the repository.

The items are in checklist.yml: seed 001's checklists (levels 1 and 2) and what the
level's description promises (levels 3 and 4). Repository items look at the files: a file present, a
workflow job present, a coverage gate configured, a secret documented. What happens
outside the repository (AWS stacks, secrets, GitHub settings) cannot be seen in the
files: those items are never ticked, they say how to confirm them.

Exit codes of the command: 0 the report was printed; 1 with --strict when a
repository item is missing; 2 bad usage or configuration.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from string import Template
from typing import Any

import yaml

from ops.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from ops.project import EVOLUTION_FILE, Project, load_project, read_mapping

from .config import ConfigError, command_parser, run
from .metrics import count_tests, service_dirs

EXIT_MISSING = EXIT_FAILED
EXIT_CONFIG_ERROR = EXIT_USAGE
COVERAGE_TARGET = 80  # seed 000: test coverage > 80%
DOCS_COMMAND = "uv run python scripts/generators/generate-docs.py"
CHECKLIST = Path(__file__).with_name("checklist.yml")
_ROUTE = re.compile(r"@app\.(?:get|post|put|patch|delete)\(\s*\"([^\"]+)\"")
_EXPRESSION_NAME = re.compile(r"\b(secrets|vars)\.([A-Za-z_][A-Za-z0-9_]*)")
__all__ = ["EXIT_CONFIG_ERROR", "EXIT_MISSING", "EXIT_OK", "check_level", "load_checklist", "main"]


@dataclass(frozen=True)
class Check:
    """The outcome of one checklist item, with the evidence for it."""

    done: bool
    evidence: str  # what was found, or what is missing and how to add it


def _missing(what: str, hint: str) -> Check:
    return Check(False, f"{what}: {hint}")


class Repo:
    """Read-only views of the project the checks share."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.root = project.root

    def files(self, *patterns: str) -> list[Path]:
        """The files under the project matching any of `patterns`, sorted."""
        return sorted({path for p in patterns for path in self.root.glob(p) if path.is_file()})

    def text(self, path: Path) -> str:
        """The file's text, or "" when it cannot be read."""
        try:
            return path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def texts(self, *patterns: str) -> str:
        """The texts of every file matching `patterns`, joined."""
        return "\n".join(self.text(path) for path in self.files(*patterns))

    def rel(self, paths: list[Path]) -> str:
        """`paths` relative to the project, with forward slashes, comma-separated."""
        return ", ".join(path.relative_to(self.root).as_posix() for path in paths)

    def names_in(self, workflow: str) -> tuple[list[str], list[str]]:
        """The variables and the secrets a workflow reads (GITHUB_TOKEN left out)."""
        text = self.text(self.root / ".github" / "workflows" / f"{workflow}.yml")
        found = {pair for pair in _EXPRESSION_NAME.findall(text) if pair[1] != "GITHUB_TOKEN"}
        return (
            sorted(key for kind, key in found if kind == "vars"),
            sorted(key for kind, key in found if kind == "secrets"),
        )

    @cached_property
    def workflows(self) -> dict[str, dict[Any, Any]]:
        """Parsed workflows by file stem (quality, testing, staging, ...)."""
        parsed: dict[str, dict[Any, Any]] = {}
        for path in self.files(".github/workflows/*.yml", ".github/workflows/*.yaml"):
            try:
                data = yaml.safe_load(self.text(path))
            except yaml.YAMLError:
                continue
            if isinstance(data, dict):
                parsed[path.stem] = data
        return parsed

    def jobs(self, workflow: str) -> dict[str, dict[str, Any]]:
        """The jobs of one workflow by id; {} when it has none or does not exist."""
        jobs = self.workflows.get(workflow, {}).get("jobs")
        if not isinstance(jobs, dict):
            return {}
        return {str(name): job for name, job in jobs.items() if isinstance(job, dict)}

    def runs(self, workflow: str | None = None) -> Iterator[tuple[str, str]]:
        """(workflow/job, run script) of every step, in one workflow or all of them."""
        for name in [workflow] if workflow else list(self.workflows):
            for job_id, job in self.jobs(name).items():
                for step in job.get("steps") or []:
                    if isinstance(step, dict) and isinstance(step.get("run"), str):
                        yield f"{name}.yml/{job_id}", step["run"]


# ------------------------------------------------------------------ the checks
# Each takes the repository and the item's arguments from checklist.yml.


def files(repo: Repo, patterns: list[str], hint: str) -> Check:
    """Done when a file matches one of `patterns`."""
    found = repo.files(*patterns)
    if not found:
        return _missing(f"no {' or '.join(patterns)}", hint)
    return Check(True, repo.rel(found))


def mentions(repo: Repo, found: list[list[str]], hint: str) -> Check:
    """Done when, for every [pattern, regex] of `found`, a file matching the pattern
    matches the regex ([pattern] alone: a file matches the pattern)."""
    matched: dict[Path, None] = {}
    for pattern, *regex in found:
        needle = regex[0] if regex else ""
        hits = [path for path in repo.files(pattern) if re.search(needle, repo.text(path))]
        if not hits:
            return _missing(f"no {needle} in {pattern}" if needle else f"no {pattern}", hint)
        matched |= dict.fromkeys(hits)
    return Check(True, repo.rel(list(matched)))


def runs(repo: Repo, tools: list[str], workflow: str | None = None) -> Check:
    """Done when the workflow (any workflow) runs every one of `tools`."""
    found: dict[str, str] = {}
    for where, script in repo.runs(workflow):
        for tool in tools:
            if tool in script:
                found.setdefault(tool, where)
    lacking = [tool for tool in tools if tool not in found]
    if lacking:
        where = f"{workflow}.yml does not run" if workflow else "no workflow runs"
        return _missing(f"{where} {', '.join(lacking)}", "add those steps")
    return Check(True, ", ".join(f"{tool} ({where})" for tool, where in found.items()))


def tests(repo: Repo, pattern: str, hint: str, imports: str = "") -> Check:
    """Done when the test modules matching `pattern` (those with an import line that
    names `imports`) hold at least one test."""
    folder = pattern.split("*")[0]
    wanted = re.compile(rf"^\s*(?:from|import)\s.*\b{imports}\b", re.MULTILINE)
    counted = 0
    for path in repo.files(pattern):
        source = repo.text(path)
        with contextlib.suppress(SyntaxError):
            counted += count_tests(source) if not imports or wanted.search(source) else 0
    which = f" import {imports}" if imports else ""
    if not counted:
        return _missing(f"no test in {folder}{which}", hint)
    return Check(True, f"{counted} tests in {folder}{which}")


def deploys_to(repo: Repo, environment: str) -> Check:
    """Done when a job of <environment>.yml deploys to that GitHub environment."""
    jobs = []
    for job_id, job in repo.jobs(environment).items():
        target = job.get("environment")
        if (target.get("name") if isinstance(target, dict) else target) == environment:
            jobs.append(job_id)
    if not jobs:
        workflow = f".github/workflows/{environment}.yml"
        return _missing(f"no job of {workflow} deploys to the {environment} environment", "add it")
    return Check(True, f"{environment}.yml job {', '.join(jobs)} (environment: {environment})")


def documented(repo: Repo, workflow: str, needed: list[str] | None = None) -> Check:
    """Done when `needed` files exist and docs/deployment/ names every secret and
    variable the workflow reads."""
    absent = [name for name in needed or [] if not (repo.root / name).is_file()]
    if absent:
        return _missing(f"{', '.join(absent)} missing", "add the per-environment settings")
    if workflow not in repo.workflows:
        return _missing(f"no {workflow}.yml", f"add the {workflow} workflow first")
    variables, secrets = repo.names_in(workflow)
    used = [f"vars.{key}" for key in variables] + [f"secrets.{key}" for key in secrets]
    docs = repo.texts("docs/deployment/**/*.md")
    if not docs:
        return _missing("docs/deployment/ has no documentation", "document every secret there")
    undocumented = sorted(name for name in used if name.split(".")[1] not in docs)
    if undocumented:
        return _missing(f"not documented in docs/deployment/: {', '.join(undocumented)}", "add")
    return Check(True, f"{len(used)} secrets and variables documented in docs/deployment/")


def health_endpoints(repo: Repo) -> Check:
    """Every service under services/ has a /health route."""
    services = service_dirs(repo.root)
    if not services:
        return _missing("no services found", "services/<name>/ with a Dockerfile")
    without = [
        name
        for name in services
        if not re.search(r"[\"']/health[\"']", repo.texts(f"services/{name}/src/**/*.py"))
    ]
    if without:
        return _missing(f"no /health route in {', '.join(without)}", "add one (DESIGN: /health)")
    return Check(True, f"/health in {', '.join(services)}")


def api_documented(repo: Repo) -> Check:
    """Every route of the services appears in docs/api/."""
    found = _ROUTE.findall(repo.texts("services/*/src/**/*.py"))
    routes = sorted({re.sub(r"\{(\w+):\w+\}", r"{\1}", route) for route in found})
    docs = repo.texts("docs/api/**/*")
    if not docs:
        return _missing("docs/api/ is empty", f"run {DOCS_COMMAND}")
    undocumented = [route for route in routes if route not in docs]
    if undocumented:
        return _missing(f"not in docs/api/: {', '.join(undocumented)}", f"run {DOCS_COMMAND}")
    return Check(True, f"{len(routes)} endpoints in docs/api/")


def coverage_gate(repo: Repo) -> Check:
    """The testing pipeline fails under COVERAGE_TARGET% coverage."""
    for where, script in repo.runs("testing"):
        match = re.search(r"--cov-fail-under[= ](\d+)", script)
        if match and int(match[1]) >= COVERAGE_TARGET:
            return Check(True, f"{where}: --cov-fail-under={match[1]}")
    match = re.search(r"fail_under\s*=\s*(\d+)", repo.texts("pyproject.toml"))
    if match and int(match[1]) >= COVERAGE_TARGET:
        return Check(True, f"pyproject.toml: fail_under = {match[1]}")
    hint = f"pytest --cov-fail-under={COVERAGE_TARGET} in testing.yml"
    return _missing(f"no coverage gate of {COVERAGE_TARGET}% or more", hint)


CHECKS: dict[str, Callable[..., Check]] = {
    check.__name__: check
    for check in (
        files,
        mentions,
        runs,
        tests,
        deploys_to,
        documented,
        health_endpoints,
        api_documented,
        coverage_gate,
    )
}


def load_checklist() -> dict[int, dict[str, list[dict[str, Any]]]]:
    """checklist.yml: each level's `repository` and `outside` items."""
    return {int(level): items for level, items in read_mapping(CHECKLIST).items()}


def check_item(repo: Repo, item: dict[str, Any]) -> Check:
    """One repository item of checklist.yml, checked; ConfigError when it is malformed."""
    check = CHECKS.get(str(item.get("check")))
    arguments = {key: value for key, value in item.items() if key not in ("item", "check")}
    try:
        if check is None:
            raise TypeError(f"`check` must be one of {', '.join(CHECKS)}")
        inspect.signature(check).bind(repo, **arguments)
    except TypeError as error:
        raise ConfigError(f"{CHECKLIST.name}: {item.get('item')!r}: {error}") from None
    return check(repo, **arguments)


# ------------------------------------------------------------------ outside the repository


def confirm(repo: Repo, item: dict[str, Any]) -> str:
    """How to confirm an item outside the repository, for this project."""
    region = f" --region {repo.project.region}" if repo.project.region else ""
    environment = item.get("settings")
    if environment is None:
        return Template(item["confirm"]).substitute(slug=repo.project.slug, region=region)
    variables, secrets = repo.names_in(environment)
    how = [
        f"`gh {kind} list --env {environment}` lists {', '.join(names)}"
        for kind, names in (("variable", variables), ("secret", secrets))
        if names
    ]
    token = f"{repo.project.slug}/{environment}/telegram-bot-token"
    how.append(
        f"`aws secretsmanager describe-secret{region} --secret-id {token} --query "
        "VersionIdsToStages` shows an AWSCURRENT version (the bot token is set)"
    )
    return "; ".join(how)


def check_level(root: Path, level: int) -> list[tuple[str, Check]]:
    """Every repository item of `level`'s checklist, checked against the project at `root`."""
    repo = Repo(load_project(root))
    items = load_checklist().get(level, {}).get("repository", [])
    return [(item["item"], check_item(repo, item)) for item in items]


def render(repo: Repo, level: int, results: list[tuple[str, Check]]) -> str:
    """The checklist as Markdown: the repository's items ticked or not, then the
    items outside it, never ticked, each with how to confirm it."""
    items = load_checklist().get(level, {}).get("outside", [])
    outside = [(item["item"], confirm(repo, item)) for item in items]
    done = sum(1 for _, result in results if result.done)
    name = repo.project.level_name(level)
    lines = [f"## Level {level} ({name}) checklist of {repo.project.slug}", ""]
    if outside:
        lines += ["In the repository (checked against the files):", ""]
    for text, result in results:
        lines.append(f"- [{'x' if result.done else ' '}] {text} ({result.evidence})")
    summary = f"{done} of {len(results)} done."
    if outside:
        guides = ["docs/deployment/first-deploy.md", "docs/deployment/aws.md"]
        guide = next((g for g in guides if (repo.root / g).is_file()), "docs/deployment/")
        lines += [
            "",
            f"Outside the repository (the files cannot show these; {guide} sets them up):",
        ]
        lines += ["", *(f"- [ ] to confirm: {text}: {how}" for text, how in outside)]
        summary = (
            f"{done} of {len(results)} done in the repository; "
            f"{len(outside)} to confirm outside it."
        )
    return "\n".join([*lines, "", summary]) + "\n"


def main(argv: list[str] | None = None, root: Path | None = None) -> int:
    """The `generate-checklist` command; returns its exit code."""
    parser = command_parser(
        "generate-checklist.sh",
        "Print the implementation checklist of a maturity level as Markdown: each "
        "repository item checked against the files (- [x] done, - [ ] missing), then "
        "what happens outside the repository (AWS, GitHub settings), never ticked, "
        "with how to confirm it.",
        "exit codes: 0 printed; 1 with --strict when a repository item is missing; 2 bad usage.",
        root,
    )
    parser.add_argument(
        "--level", type=int, help=f"the level to check (default: current_level in {EVOLUTION_FILE})"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a repository item is missing (for CI)"
    )
    return run(parser, argv, _checklist)


def _checklist(args: argparse.Namespace) -> int:
    project = load_project(args.project_dir)
    level = project.level if args.level is None else args.level
    if level not in project.levels:
        choices = ", ".join(map(str, project.levels))
        raise ConfigError(f"argument --level: invalid choice: {level} (choose from {choices})")
    results = check_level(project.root, level)
    print(render(Repo(project), level, results), end="")
    if args.strict and not all(result.done for _, result in results):
        return EXIT_MISSING
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
