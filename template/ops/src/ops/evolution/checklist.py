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

import argparse
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from .config import EVOLUTION_FILE, LEVELS, ConfigError, load_answers, load_evolution
from .metrics import count_tests, service_dirs

EXIT_OK = 0
EXIT_MISSING = 1
EXIT_CONFIG_ERROR = 2
COVERAGE_TARGET = 80  # seed 000: test coverage > 80%
DOCS_COMMAND = "uv run python scripts/generators/generate-docs.py"
_ROUTE = re.compile(r"@app\.(?:get|post|put|patch|delete)\(\s*\"([^\"]+)\"")
_EXPRESSION_NAME = re.compile(r"\b(secrets|vars)\.([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Check:
    """The outcome of one checklist item, with the evidence for it."""

    done: bool
    evidence: str  # what was found, or what is missing and how to add it


class Repo:
    """Read-only views of the project the checks share."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def files(self, pattern: str) -> list[Path]:
        """The files under the project matching `pattern`, sorted."""
        return sorted(path for path in self.root.glob(pattern) if path.is_file())

    def text(self, path: Path) -> str:
        """The file's text, or "" when it cannot be read."""
        try:
            return path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def texts(self, pattern: str) -> str:
        """The texts of every file matching `pattern`, joined."""
        return "\n".join(self.text(path) for path in self.files(pattern))

    def rel(self, path: Path) -> str:
        """`path` relative to the project, with forward slashes."""
        return path.relative_to(self.root).as_posix()

    @cached_property
    def answers(self) -> dict[str, Any]:
        """.copier-answers.yml ({} without it)."""
        try:
            return load_answers(self.root)
        except ConfigError:
            return {}

    @property
    def slug(self) -> str:
        """The project slug: the prefix of its stacks and secrets."""
        return str(self.answers.get("project_slug") or self.root.resolve().name)

    def aws(self, command: str, arguments: str) -> str:
        """An AWS CLI command in the project's region."""
        region = self.answers.get("aws_region")
        return f"aws {command}" + (f" --region {region}" if region else "") + f" {arguments}"

    def names_in(self, workflow: str) -> tuple[list[str], list[str]]:
        """The variables and the secrets a workflow reads (GITHUB_TOKEN left out)."""
        path = self.root / ".github" / "workflows" / f"{workflow}.yml"
        found = {
            (kind, key)
            for kind, key in _EXPRESSION_NAME.findall(self.text(path))
            if key != "GITHUB_TOKEN"
        }
        return (
            sorted(key for kind, key in found if kind == "vars"),
            sorted(key for kind, key in found if kind == "secrets"),
        )

    @cached_property
    def workflows(self) -> dict[str, dict[Any, Any]]:
        """Parsed workflows by file stem (quality, testing, staging, ...)."""
        parsed: dict[str, dict[Any, Any]] = {}
        for path in [
            *self.files(".github/workflows/*.yml"),
            *self.files(".github/workflows/*.yaml"),
        ]:
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
        names = [workflow] if workflow else list(self.workflows)
        for name in names:
            for job_id, job in self.jobs(name).items():
                for step in job.get("steps") or []:
                    if isinstance(step, dict) and isinstance(step.get("run"), str):
                        yield f"{name}.yml/{job_id}", step["run"]


def _environment(job: dict[str, Any]) -> str | None:
    environment = job.get("environment")
    if isinstance(environment, dict):
        environment = environment.get("name")
    return environment if isinstance(environment, str) else None


def _triggers(workflow: dict[Any, Any]) -> Any:
    # PyYAML reads the key `on` as the boolean True.
    return workflow.get("on", workflow.get(True))


def _missing(what: str, hint: str) -> Check:
    return Check(False, f"{what}: {hint}")


# ------------------------------------------------------------------ checks


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


def _unit_tests_of(repo: Repo, module: str) -> Check:
    pattern = re.compile(rf"^\s*(?:from|import)\s+\S*\b{module}\b", re.MULTILINE)
    found = []
    for path in repo.files("tests/unit/**/*.py"):
        source = repo.text(path)
        try:
            tests = count_tests(source) if pattern.search(source) else 0
        except SyntaxError:
            continue
        if tests:
            found.append(f"{repo.rel(path)} ({tests})")
    if not found:
        return _missing(f"no unit test imports {module}", f"add tests/unit/test_{module}.py")
    return Check(True, ", ".join(found))


def formatting_tests(repo: Repo) -> Check:
    """Unit tests import the formatting module."""
    return _unit_tests_of(repo, "formatting")


def atr_tests(repo: Repo) -> Check:
    """Unit tests import the ATR module."""
    return _unit_tests_of(repo, "atr")


def quality_pipeline(repo: Repo) -> Check:
    """quality.yml runs ruff, mypy and pytest."""
    jobs = repo.jobs("quality")
    if not jobs:
        return _missing(".github/workflows/quality.yml has no jobs", "add the quality workflow")
    scripts = " ".join(script for _, script in repo.runs("quality"))
    lacking = [tool for tool in ("ruff", "mypy", "pytest") if tool not in scripts]
    if lacking:
        return _missing(f"quality.yml does not run {', '.join(lacking)}", "add those steps")
    return Check(True, f"quality.yml jobs: {', '.join(jobs)}")


def environment_files(repo: Repo) -> Check:
    """A .env.example or config/*.env.example documents the settings."""
    files = [*repo.files(".env.example"), *repo.files("config/*.env.example")]
    if not files:
        return _missing(
            "no .env.example or config/*.env.example",
            "document the services' variables there (level 2 adds config/staging.env.example)",
        )
    return Check(True, ", ".join(repo.rel(path) for path in files))


def api_documented(repo: Repo) -> Check:
    """Every route of the services appears in docs/api/."""
    routes = sorted(
        {
            re.sub(r"\{(\w+):\w+\}", r"{\1}", route)
            for route in _ROUTE.findall(repo.texts("services/*/src/**/*.py"))
        }
    )
    docs = repo.texts("docs/api/**/*")
    if not docs:
        return _missing("docs/api/ is empty", f"run {DOCS_COMMAND}")
    undocumented = [route for route in routes if route not in docs]
    if undocumented:
        return _missing(f"not in docs/api/: {', '.join(undocumented)}", f"run {DOCS_COMMAND}")
    return Check(True, f"{len(routes)} endpoints in docs/api/")


def _cloudformation(repo: Repo) -> str:
    return repo.texts("infrastructure/aws/cloudformation/**/*.y*ml") + repo.texts(
        "infrastructure/aws/cloudformation/**/*.json"
    )


def staging_infrastructure(repo: Repo) -> Check:
    """CloudFormation defines an ECS service and staging has parameter files."""
    if "AWS::ECS::Service" not in _cloudformation(repo):
        return _missing(
            "no AWS::ECS::Service in infrastructure/aws/cloudformation/", "add the app stack"
        )
    parameters = repo.files("infrastructure/aws/parameters/*staging*")
    if not parameters:
        return _missing("no staging parameters in infrastructure/aws/parameters/", "add them")
    return Check(True, "ECS app stack, " + ", ".join(repo.rel(path) for path in parameters))


def _deploy_job(repo: Repo, workflow: str, environment: str) -> Check:
    jobs = [
        job_id for job_id, job in repo.jobs(workflow).items() if _environment(job) == environment
    ]
    if not jobs:
        return _missing(
            f"no job of .github/workflows/{workflow}.yml deploys to the {environment} environment",
            "add it",
        )
    return Check(True, f"{workflow}.yml job {', '.join(jobs)} (environment: {environment})")


def staging_workflow(repo: Repo) -> Check:
    """A job of staging.yml deploys to the staging environment."""
    return _deploy_job(repo, "staging", "staging")


def integration_tests(repo: Repo) -> Check:
    """tests/integration/ holds at least one test."""
    counted = 0
    for path in repo.files("tests/integration/**/*.py"):
        try:
            counted += count_tests(repo.text(path))
        except SyntaxError:
            continue
    if not counted:
        return _missing("no tests in tests/integration/", "add API integration tests")
    return Check(True, f"{counted} tests in tests/integration/")


def deployment_triggers(repo: Repo) -> Check:
    """staging.yml runs on a push to a branch."""
    triggers = _triggers(repo.workflows.get("staging", {}))
    push = triggers.get("push") if isinstance(triggers, dict) else None
    branches = push.get("branches") if isinstance(push, dict) else None
    if not branches:
        return _missing("staging.yml is not triggered by a push to a branch", "on: push: develop")
    return Check(True, f"staging.yml deploys on push to {', '.join(map(str, branches))}")


def _documented_names(repo: Repo, workflows: list[str]) -> Check:
    """Every secret and variable the workflows read is named in docs/deployment/."""
    used: set[str] = set()
    for name in workflows:
        variables, secrets = repo.names_in(name)
        used |= {f"vars.{key}" for key in variables} | {f"secrets.{key}" for key in secrets}
    docs = repo.texts("docs/deployment/**/*.md")
    if not docs:
        return _missing("docs/deployment/ has no documentation", "document every secret there")
    undocumented = sorted(name for name in used if name.split(".")[1] not in docs)
    if undocumented:
        return _missing(f"not documented in docs/deployment/: {', '.join(undocumented)}", "add")
    return Check(True, f"{len(used)} secrets and variables documented in docs/deployment/")


def environment_secrets(repo: Repo) -> Check:
    """Per-environment settings exist and staging's secrets are documented."""
    examples = [f"config/{env}.env.example" for env in ("staging", "production")]
    absent = [name for name in examples if not (repo.root / name).is_file()]
    if absent:
        return _missing(f"{', '.join(absent)} missing", "add the per-environment settings")
    return _documented_names(repo, ["staging"])


def coverage_gate(repo: Repo) -> Check:
    """The testing pipeline fails under COVERAGE_TARGET% coverage."""
    for where, script in repo.runs("testing"):
        match = re.search(r"--cov-fail-under[= ](\d+)", script)
        if match and int(match[1]) >= COVERAGE_TARGET:
            return Check(True, f"{where}: --cov-fail-under={match[1]}")
    match = re.search(r"fail_under\s*=\s*(\d+)", repo.texts("pyproject.toml"))
    if match and int(match[1]) >= COVERAGE_TARGET:
        return Check(True, f"pyproject.toml: fail_under = {match[1]}")
    return _missing(
        f"no coverage gate of {COVERAGE_TARGET}% or more",
        "pytest --cov-fail-under=80 in testing.yml",
    )


def _runs_tools(repo: Repo, tools: tuple[str, ...], workflow: str | None = None) -> Check:
    found: dict[str, str] = {}
    for where, script in repo.runs(workflow):
        for tool in tools:
            if tool in script:
                found.setdefault(tool, where)
    lacking = [tool for tool in tools if tool not in found]
    if lacking:
        where = f"{workflow}.yml does not run" if workflow else "no workflow runs"
        return _missing(f"{where} {', '.join(lacking)}", "add those jobs")
    return Check(True, ", ".join(f"{tool} ({where})" for tool, where in found.items()))


def quality_gates(repo: Repo) -> Check:
    """quality.yml runs bandit and pip-audit."""
    return _runs_tools(repo, ("bandit", "pip-audit"), "quality")


def dependabot(repo: Repo) -> Check:
    """.github/dependabot.yml keeps dependencies updated."""
    if not repo.files(".github/dependabot.y*ml"):
        return _missing("no .github/dependabot.yml", "add dependency updates")
    return Check(True, ".github/dependabot.yml")


def production_workflow(repo: Repo) -> Check:
    """A job of production.yml deploys to the production environment."""
    return _deploy_job(repo, "production", "production")


def rollback(repo: Repo) -> Check:
    """production.yml has a rollback step."""
    path = repo.root / ".github" / "workflows" / "production.yml"
    if not re.search(r"roll\s*back|rollback", repo.text(path), re.IGNORECASE):
        return _missing("production.yml has no rollback step", "roll back when health fails")
    return Check(True, "production.yml rolls back")


def cloudwatch(repo: Repo) -> Check:
    """CloudFormation defines CloudWatch alarms and a dashboard."""
    template = _cloudformation(repo)
    lacking = [
        kind
        for kind in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::Dashboard")
        if kind not in template
    ]
    if lacking:
        return _missing(f"no {', '.join(lacking)} in CloudFormation", "add alarms and a dashboard")
    return Check(True, "CloudWatch alarms and dashboard in infrastructure/aws/cloudformation/")


def prometheus_grafana(repo: Repo) -> Check:
    """infrastructure/monitoring/ has a Prometheus scrape config and a Grafana dashboard."""
    prometheus = [
        path
        for path in repo.files("infrastructure/monitoring/**/*.y*ml")
        if "scrape_configs" in repo.text(path)
    ]
    grafana = [
        path
        for path in repo.files("infrastructure/monitoring/**/*.json")
        if '"panels"' in repo.text(path)
    ]
    wanted = {"a Prometheus scrape config": prometheus, "a Grafana dashboard": grafana}
    lacking = [what for what, found in wanted.items() if not found]
    if lacking:
        return _missing(f"infrastructure/monitoring/ lacks {' and '.join(lacking)}", "add it")
    return Check(True, ", ".join(repo.rel(path) for path in [*prometheus, *grafana]))


def security_scanning(repo: Repo) -> Check:
    """Some workflow runs bandit, pip-audit and zizmor."""
    return _runs_tools(repo, ("bandit", "pip-audit", "zizmor"))


def secret_scanning(repo: Repo) -> Check:
    """A secret scanner runs in pre-commit and in a workflow."""
    scanner = re.compile(r"gitleaks|detect-secrets|trufflehog", re.IGNORECASE)
    hooks = scanner.search(repo.texts(".pre-commit-config.yaml"))
    ci = any(scanner.search(script) for _, script in repo.runs())
    lacking = [where for where, found in (("pre-commit", hooks), ("a workflow", ci)) if not found]
    if not hooks or lacking:
        return _missing(f"no secret scanner in {' and '.join(lacking)}", "add gitleaks")
    return Check(True, f"{hooks[0]} in pre-commit and CI")


def security_policy(repo: Repo) -> Check:
    """SECURITY.md says how to report a vulnerability."""
    if not repo.files("SECURITY.md") and not repo.files(".github/SECURITY.md"):
        return _missing("no SECURITY.md", "say how to report a vulnerability")
    return Check(True, "SECURITY.md")


def production_secrets(repo: Repo) -> Check:
    """Every secret and variable production.yml reads is documented."""
    if "production" not in repo.workflows:
        return _missing("no production.yml", "add the production workflow first")
    return _documented_names(repo, ["production"])


def docs_site(repo: Repo) -> Check:
    """mkdocs.yml builds the documentation site."""
    if not repo.files("mkdocs.yml"):
        return _missing("no mkdocs.yml", "add the documentation site")
    return Check(True, "mkdocs.yml")


def blue_green(repo: Repo) -> Check:
    """CloudFormation deploys blue/green through CodeDeploy."""
    template = _cloudformation(repo)
    lacking = [
        part for part in ("CODE_DEPLOY", "AWS::CodeDeploy::DeploymentGroup") if part not in template
    ]
    if lacking:
        return _missing(f"no {', '.join(lacking)} in CloudFormation", "add blue/green deployment")
    return Check(True, "ECS CODE_DEPLOY controller and a CodeDeploy deployment group")


def alarm_rollback(repo: Repo) -> Check:
    """The CodeDeploy deployment group rolls back on alarms."""
    template = _cloudformation(repo)
    if "AutoRollbackConfiguration" not in template or "AlarmConfiguration" not in template:
        return _missing("the deployment group does not roll back on alarms", "add it")
    return Check(True, "CodeDeploy rolls back on failure and on alarms")


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
        return _missing(
            "no flag in config/feature-flags.yml has variants or a rollout percentage", "add one"
        )
    return Check(True, f"flags with rollouts or variants: {', '.join(experimental)}")


def dashboard(repo: Repo) -> Check:
    """deploy-dashboard tracks deployments."""
    if not repo.files("deploy-dashboard"):
        return _missing("no deploy-dashboard", "add the deployment dashboard")
    return Check(True, "deploy-dashboard")


def benchmarks_in_ci(repo: Repo) -> Check:
    """Some workflow runs the benchmarks."""
    jobs = [where for where, script in repo.runs() if "benchmark" in script]
    if not jobs:
        return _missing("no workflow runs the benchmarks", "add a benchmark job")
    return Check(True, ", ".join(sorted(set(jobs))))


def manual_rollback(repo: Repo) -> Check:
    """A rollback workflow can be started by hand."""
    names = [name for name in repo.workflows if "rollback" in name]
    if not names:
        return _missing("no rollback workflow", "add .github/workflows/rollback.yml")
    return Check(True, ", ".join(f"{name}.yml" for name in names))


ITEMS: dict[int, list[tuple[str, Callable[[Repo], Check]]]] = {
    1: [
        ("Add health endpoints to all services", health_endpoints),
        ("Create basic unit tests for formatting functions", formatting_tests),
        ("Create unit tests for the ATR calculation", atr_tests),
        ("Set up GitHub Actions quality pipeline", quality_pipeline),
        ("Create environment configuration files", environment_files),
        ("Document API endpoints", api_documented),
    ],
    2: [
        ("Describe the staging environment in CloudFormation", staging_infrastructure),
        ("Create staging deployment workflow", staging_workflow),
        ("Implement integration tests", integration_tests),
        ("Set up automated deployment triggers", deployment_triggers),
        ("Document the environment-specific settings and secrets", environment_secrets),
        (f"Gate the testing pipeline on {COVERAGE_TARGET}% coverage", coverage_gate),
        ("Run security and dependency checks in the quality gate", quality_gates),
        ("Keep dependencies updated (Dependabot)", dependabot),
    ],
    3: [
        ("Create production deployment workflow", production_workflow),
        ("Roll back automatically when production health fails", rollback),
        ("Set up CloudWatch alarms and dashboard", cloudwatch),
        ("Set up Prometheus scraping and a Grafana dashboard", prometheus_grafana),
        ("Integrate security scanning (bandit, pip-audit, zizmor)", security_scanning),
        ("Scan for committed secrets", secret_scanning),
        ("Publish a security policy", security_policy),
        ("Document the production secrets", production_secrets),
        ("Build the documentation site", docs_site),
    ],
    4: [
        ("Deploy blue-green through CodeDeploy", blue_green),
        ("Roll back blue-green deployments on alarms", alarm_rollback),
        ("Run A/B tests and percentage rollouts with feature flags", experiments),
        ("Track deployments on a dashboard", dashboard),
        ("Run performance benchmarks in CI", benchmarks_in_ci),
        ("Offer a one-click rollback workflow", manual_rollback),
    ],
}


# ------------------------------------------------------------------ outside the repository
# What lives in AWS or in GitHub's settings: how to confirm it, never ticked from files.


def _guide(repo: Repo) -> str:
    for name in ("docs/deployment/first-deploy.md", "docs/deployment/aws.md"):
        if (repo.root / name).is_file():
            return name
    return "docs/deployment/"


def _stack(repo: Repo, environment: str) -> str:
    command = repo.aws(
        "cloudformation describe-stacks",
        f'--stack-name {repo.slug}-{environment} --query "Stacks[0].StackStatus"',
    )
    return f"`{command}` says CREATE_COMPLETE or UPDATE_COMPLETE"


def _settings(repo: Repo, environment: str) -> str:
    variables, secrets = repo.names_in(environment)
    token = f"{repo.slug}/{environment}/telegram-bot-token"
    how = [
        f"`gh {kind} list --env {environment}` lists {', '.join(names)}"
        for kind, names in (("variable", variables), ("secret", secrets))
        if names
    ]
    describe = repo.aws(
        "secretsmanager describe-secret", f"--secret-id {token} --query VersionIdsToStages"
    )
    return "; ".join([*how, f"`{describe}` shows an AWSCURRENT version (the bot token is set)"])


def staging_in_aws(repo: Repo) -> str:
    """The staging stack exists and answers."""
    smoke = "uv run smoke-test --base-url <STAGING_URL>"
    return f"{_stack(repo, 'staging')}, and `{smoke}` passes"


def _github_setting(path: str, jq: str, lists: str) -> str:
    """How to confirm a GitHub setting that apply-branch-protection.sh makes."""
    # {owner} and {repo} are gh's own placeholders for the current repository.
    command = "gh api repos/{owner}/{repo}/" + f"{path} --jq {jq}"
    return f"`{command}` lists {lists} (scripts/setup/apply-branch-protection.sh sets it)"


def branch_protection(repo: Repo) -> str:
    """main is protected on GitHub."""
    return _github_setting(
        "branches/main/protection", ".required_status_checks.contexts", "the CI checks"
    )


def staging_settings(repo: Repo) -> str:
    """staging's GitHub variables and AWS secrets are set."""
    return _settings(repo, "staging")


def production_approval(repo: Repo) -> str:
    """The production GitHub environment requires a reviewer."""
    return _github_setting(
        "environments/production", "'.protection_rules[].type'", "required_reviewers"
    )


def production_in_aws(repo: Repo) -> str:
    """The production stack exists."""
    return _stack(repo, "production")


def production_settings(repo: Repo) -> str:
    """production's GitHub variables and AWS secrets are set."""
    return _settings(repo, "production")


def blue_green_in_aws(repo: Repo) -> str:
    """CodeDeploy has run a blue/green deployment."""
    command = repo.aws(
        "deploy list-deployments",
        f"--application-name {repo.slug}-production --include-only-statuses Succeeded",
    )
    return f"`{command}` lists a deployment"


OUTSIDE: dict[int, list[tuple[str, Callable[[Repo], str]]]] = {
    1: [],
    2: [
        ("Set up staging environment in AWS", staging_in_aws),
        ("Protect main and develop on GitHub", branch_protection),
        ("Configure environment-specific secrets", staging_settings),
    ],
    3: [
        ("Require manual approval of production deployments", production_approval),
        ("Set up production environment in AWS", production_in_aws),
        ("Configure the production secrets", production_settings),
    ],
    4: [("Deploy to production blue-green through CodeDeploy", blue_green_in_aws)],
}


def check_level(root: Path, level: int) -> list[tuple[str, Check]]:
    """Every repository item of `level`'s checklist, checked against the project at `root`."""
    repo = Repo(root)
    return [(text, check(repo)) for text, check in ITEMS[level]]


def to_confirm(root: Path, level: int) -> list[tuple[str, str]]:
    """Every item of `level` outside the repository, with how to confirm it."""
    repo = Repo(root)
    return [(text, how(repo)) for text, how in OUTSIDE[level]]


def render(
    project: str,
    level: int,
    results: list[tuple[str, Check]],
    outside: list[tuple[str, str]] | None = None,
    guide: str = "docs/deployment/",
) -> str:
    """The checklist as Markdown: the repository's items ticked or not, then the
    items outside it, never ticked, each with how to confirm it."""
    done = sum(1 for _, result in results if result.done)
    lines = [f"## Level {level} ({LEVELS[level]}) checklist of {project}", ""]
    if outside:
        lines += ["In the repository (checked against the files):", ""]
    for text, result in results:
        lines.append(f"- [{'x' if result.done else ' '}] {text} ({result.evidence})")
    summary = f"{done} of {len(results)} done."
    if outside:
        lines += [
            "",
            f"Outside the repository (the files cannot show these; {guide} sets them up):",
            "",
        ]
        lines += [f"- [ ] to confirm: {text}: {how}" for text, how in outside]
        summary = (
            f"{done} of {len(results)} done in the repository; "
            f"{len(outside)} to confirm outside it."
        )
    lines += ["", summary]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None, root: Path | None = None) -> int:
    """The `generate-checklist` command; returns its exit code."""
    parser = argparse.ArgumentParser(
        prog="generate-checklist.sh",
        description=(
            "Print the implementation checklist of a maturity level as Markdown: each "
            "repository item checked against the files (- [x] done, - [ ] missing), then "
            "what happens outside the repository (AWS, GitHub settings), never ticked, "
            "with how to confirm it."
        ),
        epilog=(
            "exit codes: 0 printed; 1 with --strict when a repository item is missing; 2 bad usage."
        ),
    )
    parser.add_argument(
        "--level",
        type=int,
        choices=sorted(LEVELS),
        help=f"the level to check (default: current_level in {EVOLUTION_FILE})",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when a repository item is missing (for CI)",
    )
    parser.add_argument(
        "--project-dir", type=Path, default=root or Path.cwd(), help="the project to check"
    )
    args = parser.parse_args(argv)
    try:
        config = load_evolution(args.project_dir)
    except ConfigError as error:
        print(f"generate-checklist: {error}", file=sys.stderr)
        return EXIT_CONFIG_ERROR
    level = args.level or config.current_level
    results = check_level(args.project_dir, level)
    outside = to_confirm(args.project_dir, level)
    print(render(config.project, level, results, outside, _guide(Repo(args.project_dir))), end="")
    if args.strict and not all(result.done for _, result in results):
        return EXIT_MISSING
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
