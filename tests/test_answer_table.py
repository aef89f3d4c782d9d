"""Every answer the questions accept gives a green project: the accepted set of
each choice question is rendered somewhere (here or in the ladder walk) and the
project's own tests and linters pass on it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, answers, git_commit_all, run, tool
from test_generated_project import (
    LADDER_ANSWERS,
    LADDER_ANSWERS_FROM_LEVEL,
    PROJECT_TESTS,
    check_failures,
    direct_linters,
    project_checks,
    sync_everything,
)

# (id, level, answers). The ladder walk covers levels 1-4 with its own answers
# and every check; these rows cover the rest of the accepted set in as few
# renders as possible. The first row runs every check too. The others differ
# from it only in files that linters judge (the Python version in pyproject,
# Dockerfiles and workflows; the CodeDeploy config in app.yml, production.json
# and production.yml), so they run the linters: no Python code reads either.
FULL_CHECKS = "level-4-longest-names-one-symbol-binance-slack-proprietary-linear-3"
TABLE: list[tuple[str, int, dict[str, Any]]] = [
    (
        FULL_CHECKS,
        4,
        {
            # the longest name and slug the validators accept: 50 and 30 characters
            "project_name": "Thirty Characters Of Slug Here And Twenty More Xyz",
            "project_slug": "thirty-characters-of-slug-here",
            "default_symbols": "sol/usdt",
            "license": "Proprietary",
            "market_data_provider": "exchange",
            "exchange_id": "binance",
            "notification_channel": "slack",
            "python_version": "3.11",
            "deployment_config": "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
        },
    ),
    (
        "level-4-python-3.12-all-at-once",
        4,
        {
            "python_version": "3.12",
            "notification_channel": "none",
            "deployment_config": "CodeDeployDefault.ECSAllAtOnce",
        },
    ),
    (
        "level-4-python-3.13-canary-15-minutes",
        4,
        {
            "python_version": "3.13",
            "license": "MIT",
            "deployment_config": "CodeDeployDefault.ECSCanary10Percent15Minutes",
        },
    ),
    (
        "level-4-canary-5-minutes-sample",
        4,
        {
            "market_data_provider": "sample",
            "deployment_config": "CodeDeployDefault.ECSCanary10Percent5Minutes",
        },
    ),
]


def accepted_values() -> dict[str, set[str]]:
    """What each choice question's validator accepts, read from copier.yml and
    the extension's tables, so a new choice cannot go untested."""
    questions = yaml.safe_load((ROOT / "copier.yml").read_text())
    accepted = {}
    for key, question in questions.items():
        validator = str(question.get("validator", "")) if isinstance(question, dict) else ""
        listed = re.search(rf"{key} not in \[([^\]]*)\]", validator)
        if listed:
            accepted[key] = set(re.findall(r"'([^']*)'", listed.group(1)))
    context = (ROOT / "extensions" / "context.py").read_text()
    configs = re.search(r"CODEDEPLOY_CONFIGS = \{([^}]*)\}", context)
    assert configs
    accepted["deployment_config"] = set(re.findall(r'"(CodeDeployDefault\.\w+)"', configs.group(1)))
    return accepted


def covered_values() -> dict[str, set[str]]:
    rows = [LADDER_ANSWERS, *LADDER_ANSWERS_FROM_LEVEL.values()]
    rows += [row for _, _, row in TABLE]
    covered: dict[str, set[str]] = {}
    for row in rows:
        for key, value in row.items():
            covered.setdefault(key, set()).add(str(value))
    return covered


def test_the_table_and_the_ladder_cover_every_accepted_choice() -> None:
    accepted, covered = accepted_values(), covered_values()
    assert {"license", "python_version", "exchange_id", "notification_channel"} <= set(accepted)
    missing = {key: sorted(values - covered.get(key, set())) for key, values in accepted.items()}
    assert {key: values for key, values in missing.items() if values} == {}


def installed_python(version: str) -> bool:
    return run(["uv", "python", "find", version], ROOT, check=False).returncode == 0


def static_failures(project: Path) -> list[str]:
    """The checks that need no project environment: ruff (with the project's
    settings), yamllint, actionlint, zizmor, hadolint, shellcheck, cfn-lint."""
    checks = [
        ("ruff check", [tool("ruff"), "check", "--no-cache", "."]),
        ("ruff format", [tool("ruff"), "format", "--check", "--no-cache", "."]),
        *direct_linters(project),
    ]
    return check_failures(project, checks)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "level", "row"), TABLE, ids=[name for name, _, _ in TABLE])
def test_accepted_answers_give_a_project_whose_tests_and_linters_pass(
    render: Callable[..., Path], name: str, level: int, row: dict[str, Any]
) -> None:
    project = render(level, name="table", **row)
    recorded = answers(project)
    assert {key: recorded[key] for key in row if key != "default_symbols"} == {
        key: value for key, value in row.items() if key != "default_symbols"
    }
    if name == FULL_CHECKS:
        git_commit_all(project, "Generate")  # pre-commit runs on tracked files
        sync_everything(project)
        failures = check_failures(project, project_checks(project))
        assert not failures, "\n".join(failures)
        return
    assert static_failures(project) == []
    python = row.get("python_version", "3.11")
    if not installed_python(python):
        pytest.skip(
            f"Python {python} is not installed here: the linters passed; the project's "
            "tests and mypy run under it in testing.yml's matrix on GitHub"
        )


@pytest.mark.slow
def test_the_longest_answers_give_a_project_whose_own_tests_pass(
    render: Callable[..., Path],
) -> None:
    """The first row's project runs its test suite too (apart from its linters,
    so the two spread over the workers)."""
    [(level, row)] = [(level, row) for name, level, row in TABLE if name == FULL_CHECKS]
    project = render(level, name="table-tests", **row)
    git_commit_all(project, "Generate")
    sync_everything(project)
    assert check_failures(project, [("pytest", PROJECT_TESTS)]) == []
