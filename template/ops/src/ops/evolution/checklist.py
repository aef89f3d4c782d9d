"""The implementation checklist of a maturity level, checked against the repository.

Items are seed 001's checklists (levels 1 and 2) and what the level's description
promises (levels 3 and 4). Repository items look at the files: a file present, a
workflow job present, a coverage gate configured, a secret documented. What happens
outside the repository (AWS stacks, secrets, GitHub settings) cannot be seen in the
files: those items are never ticked, they say how to confirm them.

Exit codes of the command: 0 the report was printed; 1 with --strict when a
repository item is missing; 2 bad usage or configuration.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from ops.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, OneLineParser
from ops.project import EVOLUTION_FILE, Project, ProjectError, load_project

from .metrics import count_tests, service_dirs

EXIT_MISSING = EXIT_FAILED
EXIT_CONFIG_ERROR = EXIT_USAGE
COVERAGE_TARGET = 80  # seed 000: test coverage > 80%
DOCS_COMMAND = "uv run python scripts/generators/generate-docs.py"
CLOUDFORMATION = "infrastructure/aws/cloudformation/**/*"
_ROUTE = re.compile(r"@app\.(?:get|post|put|patch|delete)\(\s*\"([^\"]+)\"")
_EXPRESSION_NAME = re.compile(r"\b(secrets|vars)\.([A-Za-z_][A-Za-z0-9_]*)")
__all__ = ["EXIT_CONFIG_ERROR", "EXIT_MISSING", "EXIT_OK", "ITEMS", "OUTSIDE", "main"]


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

    def aws(self, command: str, arguments: str) -> str:
        """An AWS CLI command in the project's region."""
        region = f" --region {self.project.region}" if self.project.region else ""
        return f"aws {command}{region} {arguments}"

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

    def tests(self, pattern: str, imports: str = "") -> list[tuple[Path, int]]:
        """Test modules matching `pattern` (that import `imports`) and their test counts."""
        wanted = re.compile(rf"^\s*(?:from|import)\s+\S*\b{imports}\b", re.MULTILINE)
        found = []
        for path in self.files(pattern):
            source = self.text(path)
            try:
                counted = count_tests(source) if not imports or wanted.search(source) else 0
            except SyntaxError:
                continue
            if counted:
                found.append((path, counted))
        return found


# ------------------------------------------------------------------ kinds of checks

Item = Callable[[Repo], Check]


def files(*patterns: str, hint: str) -> Item:
    """Done when a file matches one of `patterns`."""

    def check(repo: Repo) -> Check:
        found = repo.files(*patterns)
        if not found:
            return _missing(f"no {' or '.join(patterns)}", hint)
        return Check(True, repo.rel(found))

    return check


def defines(*needles: str, hint: str = "add it") -> Item:
    """Done when the CloudFormation templates hold every one of `needles`."""

    def check(repo: Repo) -> Check:
        text = repo.texts(CLOUDFORMATION)
        lacking = [needle for needle in needles if needle not in text]
        where = CLOUDFORMATION.split("*")[0]
        if lacking:
            return _missing(f"no {', '.join(lacking)} in {where}", hint)
        return Check(True, f"{', '.join(needles)} in {where}")

    return check


def runs(*tools: str, workflow: str | None = None) -> Item:
    """Done when the workflow (any workflow) runs every one of `tools`."""

    def check(repo: Repo) -> Check:
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

    return check


def unit_tests_of(module: str) -> Item:
    """Done when a unit test module imports `module`."""

    def check(repo: Repo) -> Check:
        found = repo.tests("tests/unit/**/*.py", module)
        if not found:
            hint = f"add tests/unit/services/test_{module}.py"
            return _missing(f"no unit test imports {module}", hint)
        return Check(True, ", ".join(f"{repo.rel([path])} ({n})" for path, n in found))

    return check


def deploys_to(environment: str) -> Item:
    """Done when a job of <environment>.yml deploys to that GitHub environment."""

    def check(repo: Repo) -> Check:
        jobs = []
        for job_id, job in repo.jobs(environment).items():
            target = job.get("environment")
            if (target.get("name") if isinstance(target, dict) else target) == environment:
                jobs.append(job_id)
        if not jobs:
            workflow = f".github/workflows/{environment}.yml"
            return _missing(
                f"no job of {workflow} deploys to the {environment} environment", "add it"
            )
        return Check(True, f"{environment}.yml job {', '.join(jobs)} (environment: {environment})")

    return check


def documented(workflow: str, *needed: str) -> Item:
    """Done when `needed` files exist and docs/deployment/ names every secret and
    variable the workflow reads."""

    def check(repo: Repo) -> Check:
        absent = [name for name in needed if not (repo.root / name).is_file()]
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

    return check


# ------------------------------------------------------------------ checks of their own


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


def quality_pipeline(repo: Repo) -> Check:
    """quality.yml runs ruff, mypy and pytest."""
    jobs = repo.jobs("quality")
    if not jobs:
        return _missing(".github/workflows/quality.yml has no jobs", "add the quality workflow")
    result = runs("ruff", "mypy", "pytest", workflow="quality")(repo)
    return result if not result.done else Check(True, f"quality.yml jobs: {', '.join(jobs)}")


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


def staging_infrastructure(repo: Repo) -> Check:
    """CloudFormation defines an ECS service and staging has parameter files."""
    stack = defines("AWS::ECS::Service", hint="add the app stack")(repo)
    parameters = repo.files("infrastructure/aws/parameters/*staging*")
    if stack.done and not parameters:
        return _missing("no staging parameters in infrastructure/aws/parameters/", "add them")
    return Check(True, f"ECS app stack, {repo.rel(parameters)}") if stack.done else stack


def integration_tests(repo: Repo) -> Check:
    """tests/integration/ holds at least one test."""
    counted = sum(n for _, n in repo.tests("tests/integration/**/*.py"))
    if not counted:
        return _missing("no tests in tests/integration/", "add API integration tests")
    return Check(True, f"{counted} tests in tests/integration/")


def deployment_triggers(repo: Repo) -> Check:
    """staging.yml runs on a push to a branch."""
    staging = repo.workflows.get("staging", {})
    triggers = staging.get("on", staging.get(True))  # PyYAML reads the key `on` as True
    push = triggers.get("push") if isinstance(triggers, dict) else None
    branches = push.get("branches") if isinstance(push, dict) else None
    if not branches:
        return _missing("staging.yml is not triggered by a push to a branch", "on: push: develop")
    return Check(True, f"staging.yml deploys on push to {', '.join(map(str, branches))}")


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


def rollback(repo: Repo) -> Check:
    """production.yml has a rollback step."""
    if not re.search(r"roll\s*back", repo.texts(".github/workflows/production.yml"), re.I):
        return _missing("production.yml has no rollback step", "roll back when health fails")
    return Check(True, "production.yml rolls back")


def prometheus_grafana(repo: Repo) -> Check:
    """infrastructure/monitoring/ has a Prometheus scrape config and a Grafana dashboard."""
    wanted = {
        "a Prometheus scrape config": ("infrastructure/monitoring/**/*.y*ml", "scrape_configs"),
        "a Grafana dashboard": ("infrastructure/monitoring/**/*.json", '"panels"'),
    }
    found = {
        what: [path for path in repo.files(pattern) if needle in repo.text(path)]
        for what, (pattern, needle) in wanted.items()
    }
    lacking = [what for what, paths in found.items() if not paths]
    if lacking:
        return _missing(f"infrastructure/monitoring/ lacks {' and '.join(lacking)}", "add it")
    return Check(True, repo.rel([path for paths in found.values() for path in paths]))


def secret_scanning(repo: Repo) -> Check:
    """A secret scanner runs in pre-commit and in a workflow."""
    scanner = re.compile(r"gitleaks|detect-secrets|trufflehog", re.IGNORECASE)
    hooks = scanner.search(repo.texts(".pre-commit-config.yaml"))
    ci = any(scanner.search(script) for _, script in repo.runs())
    lacking = [where for where, found in (("pre-commit", hooks), ("a workflow", ci)) if not found]
    if not hooks or lacking:
        return _missing(f"no secret scanner in {' and '.join(lacking)}", "add gitleaks")
    return Check(True, f"{hooks[0]} in pre-commit and CI")


def experiments(repo: Repo) -> Check:
    """A feature flag has variants or a rollout percentage."""
    flags = yaml.safe_load(repo.texts("config/feature-flags.yml") or "{}") or {}
    features = flags.get("features") if isinstance(flags, dict) else None
    experimental = [
        name
        for name, spec in (features or {}).items()
        if isinstance(spec, dict) and ({"variants", "rollout", "rollout_percentage"} & set(spec))
    ]
    if not experimental:
        flag = "no flag in config/feature-flags.yml has variants or a rollout percentage"
        return _missing(flag, "add one")
    return Check(True, f"flags with rollouts or variants: {', '.join(experimental)}")


def benchmarks_in_ci(repo: Repo) -> Check:
    """Some workflow runs the benchmarks."""
    jobs = sorted({where for where, script in repo.runs() if "benchmark" in script})
    if not jobs:
        return _missing("no workflow runs the benchmarks", "add a benchmark job")
    return Check(True, ", ".join(jobs))


ITEMS: dict[int, list[tuple[str, Item]]] = {
    1: [
        ("Add health endpoints to all services", health_endpoints),
        ("Create basic unit tests for formatting functions", unit_tests_of("formatting")),
        ("Create unit tests for the ATR calculation", unit_tests_of("atr")),
        ("Set up GitHub Actions quality pipeline", quality_pipeline),
        (
            "Create environment configuration files",
            files(
                ".env.example",
                "config/*.env.example",
                hint="document the services' variables there (level 2 adds "
                "config/staging.env.example)",
            ),
        ),
        ("Document API endpoints", api_documented),
    ],
    2: [
        ("Describe the staging environment in CloudFormation", staging_infrastructure),
        ("Create staging deployment workflow", deploys_to("staging")),
        ("Implement integration tests", integration_tests),
        ("Set up automated deployment triggers", deployment_triggers),
        (
            "Document the environment-specific settings and secrets",
            documented("staging", "config/staging.env.example", "config/production.env.example"),
        ),
        (f"Gate the testing pipeline on {COVERAGE_TARGET}% coverage", coverage_gate),
        (
            "Run security and dependency checks in the quality gate",
            runs("bandit", "pip-audit", workflow="quality"),
        ),
        (
            "Keep dependencies updated (Dependabot)",
            files(".github/dependabot.y*ml", hint="add dependency updates"),
        ),
    ],
    3: [
        ("Create production deployment workflow", deploys_to("production")),
        ("Roll back automatically when production health fails", rollback),
        (
            "Set up CloudWatch alarms and dashboard",
            defines("AWS::CloudWatch::Alarm", "AWS::CloudWatch::Dashboard"),
        ),
        ("Set up Prometheus scraping and a Grafana dashboard", prometheus_grafana),
        (
            "Integrate security scanning (bandit, pip-audit, zizmor, checkov)",
            runs("bandit", "pip-audit", "zizmor", "checkov"),
        ),
        ("Scan for committed secrets", secret_scanning),
        (
            "Publish a security policy",
            files("SECURITY.md", ".github/SECURITY.md", hint="say how to report a vulnerability"),
        ),
        ("Document the production secrets", documented("production")),
        ("Build the documentation site", files("mkdocs.yml", hint="add the documentation site")),
    ],
    4: [
        (
            "Deploy blue-green through CodeDeploy",
            defines("CODE_DEPLOY", "AWS::CodeDeploy::DeploymentGroup"),
        ),
        (
            "Roll back blue-green deployments on alarms",
            defines("AutoRollbackConfiguration", "AlarmConfiguration"),
        ),
        ("Run A/B tests and percentage rollouts with feature flags", experiments),
        (
            "Track deployments on a dashboard",
            files("ops/src/ops/monitoring/dashboard.py", hint="add the deploy-dashboard command"),
        ),
        ("Run performance benchmarks in CI", benchmarks_in_ci),
        (
            "Offer a one-click rollback workflow",
            files(".github/workflows/*rollback*.y*ml", hint="add .github/workflows/rollback.yml"),
        ),
    ],
}


# ------------------------------------------------------------------ outside the repository
# What lives in AWS or in GitHub's settings: how to confirm it, never ticked from files.


def _stack(repo: Repo, environment: str) -> str:
    command = repo.aws(
        "cloudformation describe-stacks",
        f'--stack-name {repo.project.slug}-{environment} --query "Stacks[0].StackStatus"',
    )
    return f"`{command}` says CREATE_COMPLETE or UPDATE_COMPLETE"


def _settings(repo: Repo, environment: str) -> str:
    variables, secrets = repo.names_in(environment)
    how = [
        f"`gh {kind} list --env {environment}` lists {', '.join(names)}"
        for kind, names in (("variable", variables), ("secret", secrets))
        if names
    ]
    token = f"{repo.project.slug}/{environment}/telegram-bot-token"
    describe = repo.aws(
        "secretsmanager describe-secret", f"--secret-id {token} --query VersionIdsToStages"
    )
    return "; ".join([*how, f"`{describe}` shows an AWSCURRENT version (the bot token is set)"])


def _github_setting(path: str, jq: str, lists: str) -> str:
    """How to confirm a GitHub setting that apply-branch-protection.sh makes."""
    # {owner} and {repo} are gh's own placeholders for the current repository.
    command = "gh api repos/{owner}/{repo}/" + f"{path} --jq {jq}"
    return f"`{command}` lists {lists} (scripts/setup/apply-branch-protection.sh sets it)"


def _blue_green_in_aws(repo: Repo) -> str:
    command = repo.aws(
        "deploy list-deployments",
        f"--application-name {repo.project.slug}-production --include-only-statuses Succeeded",
    )
    return f"`{command}` lists a deployment"


SMOKE_TEST = "`uv run smoke-test --base-url <STAGING_URL>` passes"
OUTSIDE: dict[int, list[tuple[str, Callable[[Repo], str]]]] = {
    2: [
        (
            "Set up staging environment in AWS",
            lambda r: f"{_stack(r, 'staging')}, and {SMOKE_TEST}",
        ),
        (
            "Protect main and develop on GitHub",
            lambda _: _github_setting(
                "branches/main/protection", ".required_status_checks.contexts", "the CI checks"
            ),
        ),
        ("Configure environment-specific secrets", lambda r: _settings(r, "staging")),
    ],
    3: [
        (
            "Require manual approval of production deployments",
            lambda _: _github_setting(
                "environments/production", "'.protection_rules[].type'", "required_reviewers"
            ),
        ),
        ("Set up production environment in AWS", lambda r: _stack(r, "production")),
        ("Configure the production secrets", lambda r: _settings(r, "production")),
    ],
    4: [("Deploy to production blue-green through CodeDeploy", _blue_green_in_aws)],
}


def check_level(root: Path, level: int) -> list[tuple[str, Check]]:
    """Every repository item of `level`'s checklist, checked against the project at `root`."""
    repo = Repo(load_project(root))
    return [(text, check(repo)) for text, check in ITEMS.get(level, [])]


def render(repo: Repo, level: int, results: list[tuple[str, Check]]) -> str:
    """The checklist as Markdown: the repository's items ticked or not, then the
    items outside it, never ticked, each with how to confirm it."""
    outside = [(text, how(repo)) for text, how in OUTSIDE.get(level, [])]
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
    parser = OneLineParser(
        prog="generate-checklist.sh",
        description=(
            "Print the implementation checklist of a maturity level as Markdown: each "
            "repository item checked against the files (- [x] done, - [ ] missing), then "
            "what happens outside the repository (AWS, GitHub settings), never ticked, "
            "with how to confirm it."
        ),
        epilog="exit codes: 0 printed; 1 with --strict when a repository item is missing; "
        "2 bad usage.",
    )
    parser.add_argument(
        "--level", type=int, help=f"the level to check (default: current_level in {EVOLUTION_FILE})"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a repository item is missing (for CI)"
    )
    parser.add_argument(
        "--project-dir", type=Path, default=root or Path.cwd(), help="the project to check"
    )
    args = parser.parse_args(argv)
    try:
        project = load_project(args.project_dir)
    except ProjectError as error:
        return parser.fail(error, EXIT_CONFIG_ERROR)
    level = project.level if args.level is None else args.level
    if level not in project.levels:
        choices = ", ".join(map(str, project.levels))
        parser.error(f"argument --level: invalid choice: {level} (choose from {choices})")
    repo = Repo(project)
    results = [(text, check(repo)) for text, check in ITEMS.get(level, [])]
    print(render(repo, level, results), end="")
    if args.strict and not all(result.done for _, result in results):
        return EXIT_MISSING
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
