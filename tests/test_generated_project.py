"""A generated project works the moment it is generated: its own tests and
every linter of its ecosystem pass, at every level."""

from __future__ import annotations

import shlex
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import LEVELS, git_commit_all, project_files, run, tool

# Jobs of the level-2 quality gate in quality.yml that need no network and no
# npm: the job id and the tool its checking step runs.
QUALITY_GATE_JOBS = {"bandit": "bandit", "docstrings": "interrogate"}


def quality_gate_checks(project: Path) -> list[tuple[str, list[str]]]:
    """bandit and interrogate, run exactly as quality.yml runs them.

    Only in projects with the `quality` dependency group (level 2 and up).
    """
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    if "quality" not in pyproject.get("dependency-groups", {}):
        return []
    workflow = yaml.safe_load((project / ".github" / "workflows" / "quality.yml").read_text())
    checks = []
    for job, name in QUALITY_GATE_JOBS.items():
        steps = workflow["jobs"][job]["steps"]
        runs = [step["run"] for step in steps if f"uv run --no-sync {name}" in step.get("run", "")]
        assert len(runs) == 1, f"quality.yml job {job} should run `uv run --no-sync {name}` once"
        checks.append((name, shlex.split(runs[0])))
    return checks


def project_checks(project: Path) -> list[tuple[str, list[str]]]:
    """Each check the project must pass, as (name, command)."""
    files = [str(f.relative_to(project)) for f in project_files(project)]
    workflows = sorted(f for f in files if f.startswith(".github/workflows/"))
    dockerfiles = sorted(f for f in files if f.endswith("Dockerfile"))
    shell_scripts = sorted(f for f in files if f.endswith(".sh"))
    cloudformation = sorted(f for f in files if f.startswith("infrastructure/aws/cloudformation/"))
    checks = [
        ("pytest", ["uv", "run", "--no-sync", "pytest", "-q", "-p", "no:cacheprovider"]),
        ("ruff check", ["uv", "run", "--no-sync", "ruff", "check", "--no-cache", "."]),
        ("ruff format", ["uv", "run", "--no-sync", "ruff", "format", "--check", "--no-cache", "."]),
        ("mypy", ["uv", "run", "--no-sync", "mypy", "--no-incremental"]),
        ("yamllint", [tool("yamllint"), "--strict", "."]),
        ("actionlint", [tool("actionlint"), *workflows]),
        ("zizmor", [tool("zizmor"), "--offline", "--no-progress", ".github/workflows"]),
    ]
    if dockerfiles:
        checks.append(("hadolint", [tool("hadolint"), "--no-color", *dockerfiles]))
    if shell_scripts:
        checks.append(("shellcheck", [tool("shellcheck"), *shell_scripts]))
    if cloudformation:
        checks.append(("cfn-lint", [tool("cfn-lint"), *cloudformation]))
    checks += quality_gate_checks(project)
    if (project / "mkdocs.yml").exists():
        # The docs site, built as docs.yml builds it: generate docs/api/, then
        # mkdocs build --strict (docs tools from the `docs` dependency group).
        docs_workflow = yaml.safe_load((project / ".github/workflows/docs.yml").read_text())
        docs_runs = [step.get("run", "") for step in docs_workflow["jobs"]["build"]["steps"]]
        for name, needle in (("generate-docs", "generate-docs.py"), ("mkdocs", "mkdocs build")):
            runs = [command for command in docs_runs if needle in command]
            assert len(runs) == 1, f"docs.yml's build job should run {needle} once"
            assert runs[0].startswith("uv run --no-sync "), runs[0]
            checks.append((name, shlex.split(runs[0])))
    # Last, as a committer meets them: the project's own pre-commit hooks on
    # every tracked file (ruff and mypy ran above already).
    pre_commit = ["uv", "run", "--no-sync", "pre-commit", "run", "--all-files"]
    checks.append(("pre-commit", ["env", "SKIP=ruff-check,ruff-format,mypy", *pre_commit]))
    return checks


@pytest.mark.slow
@pytest.mark.parametrize("level", LEVELS)
def test_generated_project_passes_its_own_tests_and_linters(
    render: Callable[..., Path], level: int
) -> None:
    project = render(level)
    git_commit_all(project, "Generate")
    run(["uv", "sync", "--all-packages", "--quiet"], project)
    failures = []
    for name, command in project_checks(project):
        result = run(command, project, check=False)
        if result.returncode != 0:
            failures.append(
                f"== {name} exited {result.returncode}: {' '.join(command)}\n"
                f"{result.stdout[-4000:]}{result.stderr[-4000:]}"
            )
    assert not failures, f"level {level}:\n" + "\n".join(failures)
