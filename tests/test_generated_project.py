"""A generated project works the moment it is generated and after every
upgrade: its own tests and every linter of its ecosystem pass, at every level."""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import json
import shlex
import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import LEVELS, answers, evolution, git_commit_all, project_files, run, tool
from expectations import added_by
from owner_edits import (
    assert_user_edits_kept,
    edit_testing_workflow,
    leftover_conflicts,
    make_user_edits,
)
from pytest_copier.plugin import CopierFixture

# The ladder walks with answers typed the way people type them (see
# test_answer_table.py for the rest of the accepted set).
LADDER_ANSWERS = {
    "project_name": "Moon Wätch",
    "default_symbols": " btc-usdt, eth-usdt ,sol-usdt",
    "license": "Apache-2.0",
    "market_data_provider": "exchange",
    "exchange_id": "okx",
}
LADDER_ANSWERS_FROM_LEVEL = {
    2: {"aws_region": " EU-West-1"},
    3: {"notification_channel": "telegram"},
    4: {"deployment_config": "CodeDeployDefault.ECSLinear10PercentEvery1Minutes"},
}

# Jobs of the level-2 quality gate in quality.yml that need no network and no
# npm: the job id and the tool its checking step runs.
QUALITY_GATE_JOBS = {"bandit": "bandit", "docstrings": "interrogate"}


# checkov over a project, as quality.yml's checkov job (level 3 and up) runs it.
CHECKOV_ARGUMENTS = [
    "--directory",
    ".",
    "--framework",
    "cloudformation",
    "dockerfile",
    "github_actions",
    "secrets",
    "--skip-download",
    "--compact",
]
# What checkov records for a `checkov:skip=CHECK_ID` without a reason.
CHECKOV_NO_REASON = "No comment provided"


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


def direct_linters(project: Path) -> list[tuple[str, list[str]]]:
    """The linters that need no project environment, from the template's own
    environment: yamllint, actionlint, zizmor, hadolint, shellcheck, cfn-lint."""
    files = [str(f.relative_to(project)) for f in project_files(project)]
    workflows = sorted(f for f in files if f.startswith(".github/workflows/"))
    dockerfiles = sorted(f for f in files if f.endswith("Dockerfile"))
    shell_scripts = sorted(f for f in files if f.endswith(".sh"))
    cloudformation = sorted(f for f in files if f.startswith("infrastructure/aws/cloudformation/"))
    checks = [
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


# The linters the project's own pre-commit hooks run (at the versions it pins),
# so project_checks does not run them a second time from the template's environment.
HOOKED_LINTERS = {"yamllint", "actionlint", "hadolint", "shellcheck", "cfn-lint"}


def hook_ids(project: Path) -> set[str]:
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    return {hook["id"] for repo in config["repos"] for hook in repo["hooks"]}


def project_checks(project: Path) -> list[tuple[str, list[str]]]:
    """Each linter the project must pass, as (name, command): ruff, mypy, the
    linters its pre-commit hooks do not cover, the quality gate, the docs build,
    and last its own pre-commit hooks."""
    hooked = HOOKED_LINTERS & hook_ids(project)
    checks = [
        ("ruff check", ["uv", "run", "--no-sync", "ruff", "check", "--no-cache", "."]),
        ("ruff format", ["uv", "run", "--no-sync", "ruff", "format", "--check", "--no-cache", "."]),
        ("mypy", ["uv", "run", "--no-sync", "mypy", "--no-incremental"]),
        *(check for check in direct_linters(project) if check[0] not in hooked),
    ]
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


# Two xdist workers: a generated project's tests spend most of their time waiting on
# the processes and timers they start, so two overlap those waits (16% faster here,
# measured over the five project runs) while the template's other worker runs.
PROJECT_TESTS = ["uv", "run", "--no-sync", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2"]


def sync_everything(project: Path) -> None:
    """Sync every package and dependency group (CI installs each group where a
    job needs it)."""
    run(["uv", "sync", "--all-packages", "--all-groups", "--quiet"], project)


def check_failures(project: Path, checks: list[tuple[str, list[str]]]) -> list[str]:
    """Run `checks` in the project and describe each one that failed."""
    failures = []
    for name, command in checks:
        result = run(command, project, check=False)
        if result.returncode != 0:
            failures.append(
                f"== {name} exited {result.returncode}: {' '.join(command)}\n"
                f"{result.stdout[-4000:]}{result.stderr[-4000:]}"
            )
    return failures


def tracked_digest(project: Path) -> dict[str, str]:
    """Path -> sha256 of every file git would commit, except the lock file
    (`uv sync` writes it in the laddered project only)."""
    listed = run(["git", "ls-files", "-co", "--exclude-standard", "-z"], project).stdout
    return {
        path: hashlib.sha256((project / path).read_bytes()).hexdigest()
        for path in listed.split("\0")
        if path and path != "uv.lock"
    }


def commit_the_lock(project: Path, message: str) -> None:
    """Lock the project's dependencies and commit uv.lock, as `make upgrade` does."""
    run(["uv", "lock", "--quiet"], project)
    run(["git", "add", "uv.lock"], project)
    run(["git", "commit", "-q", "--no-verify", "--allow-empty", "-m", message], project)


def walk_the_ladder(copier: CopierFixture, root: Path) -> None:
    """Level 1 with free-typed answers and an owner's edits, then 2, 3 and 4 one
    update at a time, each level's project kept as root/level-N/my-bot."""
    project = root / "walk" / "my-bot"
    copier.copy(project, maturity_level=1, **LADDER_ANSWERS)
    git_commit_all(project, "Generate at level 1")
    make_user_edits(project)
    git_commit_all(project, "Our own changes")
    commit_the_lock(project, "Lock at level 1")
    shutil.copytree(project, root / "level-1" / "my-bot", symlinks=True)
    for level in LEVELS[1:]:
        copier.update(project, maturity_level=level, **LADDER_ANSWERS_FROM_LEVEL.get(level, {}))
        git_commit_all(project, f"Upgrade to level {level}")
        if level == 2:
            edit_testing_workflow(project)
            git_commit_all(project, "More time for the tests")
        commit_the_lock(project, f"Lock after level {level}")
        shutil.copytree(project, root / f"level-{level}" / "my-bot", symlinks=True)


@pytest.fixture(scope="session")
def ladder(
    copier_template: Path, tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> dict[int, Path]:
    """The laddered project at each level, walked once for all xdist workers
    (the first to ask walks it under a lock; the others wait and reuse it)."""
    shared = tmp_path_factory.getbasetemp()
    root = (shared if worker_id == "master" else shared.parent) / "ladder"
    root.mkdir(exist_ok=True)
    with (root / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / "walked").exists():
            copier = CopierFixture(copier_template, {}, pytest.MonkeyPatch())
            walk_the_ladder(copier, root)
            (root / "walked").touch()
    return {level: root / f"level-{level}" / "my-bot" for level in LEVELS}


@pytest.mark.slow
def test_ladder_walk_keeps_edits_at_each_level_and_equals_a_fresh_copy(
    ladder: dict[int, Path], render: Callable[..., Path]
) -> None:
    """After each update the level's answers, files and the owner's edits are
    there with no conflict left; at the end the tree equals a straight level-4
    copy with the same answers and edits."""
    for level in LEVELS:
        project = ladder[level]
        assert answers(project)["maturity_level"] == level
        assert evolution(project)["current_level"] == level
        missing = sorted(p for p in added_by(level) if not (project / p).is_file())
        assert not missing, f"update to level {level} did not add {missing}"
        assert_user_edits_kept(project, level)
        assert leftover_conflicts(project) == []

    same_answers = {
        key: value
        for key, value in answers(ladder[4]).items()
        if not key.startswith("_") and key != "maturity_level"
    }
    fresh = render(4, name="fresh", **same_answers)
    make_user_edits(fresh)
    edit_testing_workflow(fresh)
    git_commit_all(fresh, "Generate at level 4 with the same edits")
    laddered, direct = tracked_digest(ladder[4]), tracked_digest(fresh)
    assert sorted(set(laddered) ^ set(direct)) == []
    # Each xdist worker renders from its own clone of the template, and the ladder
    # may have been walked on another worker: the answers may differ in _src_path only.
    assert without_source(answers(ladder[4])) == without_source(answers(fresh))
    differing = [path for path in laddered if laddered[path] != direct[path]]
    assert [path for path in differing if path != ".copier-answers.yml"] == []


def without_source(recorded: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in recorded.items() if key != "_src_path"}


def synced_copy(ladder: dict[int, Path], level: int, into: Path) -> Path:
    """A synced copy of the laddered project at `level` (a copy, so the walk's
    snapshots stay as the walk left them)."""
    project = into / "my-bot"
    shutil.copytree(ladder[level], project, symlinks=True)
    sync_everything(project)
    return project


@pytest.mark.slow
@pytest.mark.parametrize("level", LEVELS)
def test_laddered_project_passes_its_own_tests_at_level(
    ladder: dict[int, Path], tmp_path: Path, level: int
) -> None:
    project = synced_copy(ladder, level, tmp_path)
    assert check_failures(project, [("pytest", PROJECT_TESTS)]) == []


@pytest.mark.slow
@pytest.mark.parametrize("level", LEVELS)
def test_laddered_project_passes_every_linter_at_level(
    ladder: dict[int, Path], tmp_path: Path, level: int
) -> None:
    """ruff, mypy, zizmor, the quality gate, the docs build and the project's
    pre-commit hooks, which lint YAML, workflows, Dockerfiles, shell scripts
    and (from level 2) CloudFormation."""
    project = synced_copy(ladder, level, tmp_path)
    # CloudFormation, and with it the cfn-lint hook, comes at level 2.
    expected = HOOKED_LINTERS if level >= 2 else HOOKED_LINTERS - {"cfn-lint"}
    assert expected <= hook_ids(project)
    failures = check_failures(project, project_checks(project))
    assert not failures, f"level {level}:\n" + "\n".join(failures)


def checkov_job(project: Path) -> tuple[str, list[str]]:
    """The checkov version that quality.yml's checkov job runs, and its arguments."""
    workflow = yaml.safe_load((project / ".github" / "workflows" / "quality.yml").read_text())
    job = workflow["jobs"]["checkov"]
    [script] = [step["run"] for step in job["steps"] if " checkov " in step.get("run", "")]
    words = shlex.split(script)
    assert words[:4] == ["uvx", "--from", "checkov==${CHECKOV_VERSION}", "checkov"], script
    return job["env"]["CHECKOV_VERSION"], words[4:]


def checkov_reports(project: Path) -> list[dict[str, Any]]:
    """checkov's JSON report of each framework that found something to check."""
    command = [tool("checkov"), *CHECKOV_ARGUMENTS, "--output", "json"]
    result = run(command, project, check=False)
    assert result.returncode in (0, 1), result.stderr[-4000:]
    reports = json.loads(result.stdout)
    return reports if isinstance(reports, list) else [reports]


@pytest.mark.slow
@pytest.mark.parametrize("level", [2, 3, 4])
def test_checkov_finds_nothing_that_is_not_suppressed_with_a_reason(
    render: Callable[..., Path], level: int
) -> None:
    """Every level with infrastructure scans clean: each finding is fixed, or
    suppressed where it is with the reason why it does not apply."""
    project = render(level, name="checkov")
    if level >= 3:
        assert checkov_job(project) == (importlib.metadata.version("checkov"), CHECKOV_ARGUMENTS)

    reports = {report["check_type"]: report["results"] for report in checkov_reports(project)}
    unread = [path for results in reports.values() for path in results["parsing_errors"]]
    assert not unread, f"checkov could not parse {unread}"
    assert reports["cloudformation"]["passed_checks"], "checkov read no CloudFormation"
    failed = [
        f"{kind}: {check['check_id']} {check['resource']} in {check['file_path']}"
        for kind, results in reports.items()
        for check in results["failed_checks"]
    ]
    assert not failed, "checkov findings:\n" + "\n".join(failed)
    unexplained = [
        f"{kind}: {check['check_id']} {check['resource']} in {check['file_path']}"
        for kind, results in reports.items()
        for check in results["skipped_checks"]
        if check["check_result"].get("suppress_comment", CHECKOV_NO_REASON).strip()
        in ("", CHECKOV_NO_REASON)
    ]
    assert not unexplained, "suppressed without a reason:\n" + "\n".join(unexplained)
