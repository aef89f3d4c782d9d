"""A generated project works the moment it is generated: its own tests and
every linter of its ecosystem pass, at every level."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import LEVELS, git_commit_all, project_files, run, tool


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
