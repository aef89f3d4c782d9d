"""Moving a generated project up the ladder keeps every edit its owner made."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import answers, evolution, git_commit_all, project_files, run, tree_digest
from expectations import added_by, expected_at

CONFLICT_MARKERS = ("<<<<<<< ", ">>>>>>> ")

README_NOTE = "\nOur team runs this bot for the #trading channel. Ask @alice for access.\n"
SERVICE_NOTE = (
    "\n\ndef team_motto() -> str:\n"
    '    """Printed on the team dashboard."""\n'
    '    return "HODL responsibly"\n'
)
MAKE_TARGET = "\nbackup: ## Copy the SQLite database aside\n\tcp -r .data .data.bak\n"
TESTING_STEP_BEFORE = "timeout-minutes: 15"
CUSTOM_FLAG = (
    "  weekend_digest:\n"
    "    enabled: true\n"
    '    description: "Our own flag: send a weekly digest on Saturdays"\n\n'
)


def bot_package(project: Path) -> Path:
    prefix = answers(project)["package_prefix"]
    return project / "services/telegram-bot/src" / f"{prefix}_telegram_bot" / "__init__.py"


def make_user_edits(project: Path) -> None:
    """What an owner typically changes: a service, the README, a flag, the Makefile."""
    with bot_package(project).open("a") as module:
        module.write(SERVICE_NOTE)
    with (project / "Makefile").open("a") as makefile:
        makefile.write(MAKE_TARGET)
    readme = project / "README.md"
    lines = readme.read_text().splitlines(keepends=True)
    readme.write_text("".join([*lines[:3], README_NOTE, *lines[3:]]))
    flags = project / "config" / "feature-flags.yml"
    flags.write_text(flags.read_text().replace("environments:\n", CUSTOM_FLAG + "environments:\n"))


def edit_testing_workflow(project: Path) -> None:
    """A level-2 owner gives the unit tests more time."""
    workflow = project / ".github/workflows/testing.yml"
    text = workflow.read_text()
    assert TESTING_STEP_BEFORE in text
    workflow.write_text(text.replace(TESTING_STEP_BEFORE, "timeout-minutes: 25", 1))


def assert_user_edits_kept(project: Path, level: int) -> None:
    assert bot_package(project).read_text().endswith(SERVICE_NOTE)
    assert (project / "Makefile").read_text().endswith(MAKE_TARGET)
    if level >= 3:
        assert "timeout-minutes: 25" in (project / ".github/workflows/testing.yml").read_text()
    assert README_NOTE in (project / "README.md").read_text()
    assert CUSTOM_FLAG + "environments:\n" in (project / "config/feature-flags.yml").read_text()


def leftover_conflicts(project: Path) -> list[str]:
    found = []
    for file in project_files(project):
        if file.suffix == ".rej":
            found.append(str(file.relative_to(project)))
            continue
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError:
            continue
        if any(line.startswith(CONFLICT_MARKERS) for line in lines):
            found.append(str(file.relative_to(project)))
    return found


def without_git(digest: dict[str, str]) -> dict[str, str]:
    return {path: sha for path, sha in digest.items() if not path.startswith(".git/")}


def test_update_1_to_4_keeps_user_edits_and_equals_a_fresh_level_4_copy(
    copier, render: Callable[..., Path]
) -> None:
    project = render(1, name="ladder")
    git_commit_all(project, "Generate at level 1")
    make_user_edits(project)
    git_commit_all(project, "Our own changes")

    for level in (2, 3, 4):
        copier.update(project, maturity_level=level)
        assert answers(project)["maturity_level"] == level
        assert evolution(project)["current_level"] == level
        missing = sorted(p for p in added_by(level) if not (project / p).is_file())
        assert not missing, f"update to level {level} did not add {missing}"
        assert_user_edits_kept(project, level)
        assert leftover_conflicts(project) == []
        git_commit_all(project, f"Upgrade to level {level}")
        if level == 2:
            edit_testing_workflow(project)
            git_commit_all(project, "More time for the tests")

    same_answers = {
        key: value
        for key, value in answers(project).items()
        if not key.startswith("_") and key != "maturity_level"
    }
    fresh = render(4, name="fresh", **same_answers)
    make_user_edits(fresh)
    edit_testing_workflow(fresh)
    laddered, direct = without_git(tree_digest(project)), without_git(tree_digest(fresh))
    assert sorted(set(laddered) ^ set(direct)) == []
    assert [path for path in laddered if laddered[path] != direct[path]] == []


def upgrade_script(project: Path, *args: str) -> object:
    env = {**os.environ, "COPIER_CMD": f"{sys.executable} -m copier"}
    env = {k: v for k, v in env.items() if not k.startswith(("PYTEST_", "VIRTUAL_ENV"))}
    return run([sys.executable, "scripts/setup/upgrade.py", *args], project, check=False, env=env)


@pytest.fixture
def committed_level_1(render: Callable[..., Path]) -> Path:
    project = render(1, name="upgrade")
    git_commit_all(project, "Generate at level 1")
    return project


def test_upgrade_script_refuses_a_dirty_tree(committed_level_1: Path) -> None:
    (committed_level_1 / "notes.txt").write_text("work in progress\n")
    result = upgrade_script(committed_level_1, "2")
    assert result.returncode == 2
    assert "uncommitted changes" in result.stderr
    assert answers(committed_level_1)["maturity_level"] == 1


@pytest.mark.parametrize(("level", "message"), [("5", "level 5 does not exist"), ("0", "level 0")])
def test_upgrade_script_refuses_a_level_off_the_ladder(
    committed_level_1: Path, level: str, message: str
) -> None:
    result = upgrade_script(committed_level_1, level)
    assert result.returncode == 2
    assert message in result.stderr


def test_upgrade_script_moves_to_level_2_and_locks(committed_level_1: Path) -> None:
    result = upgrade_script(committed_level_1, "2")
    assert result.returncode == 0, result.stderr
    assert answers(committed_level_1)["maturity_level"] == 2
    assert (committed_level_1 / "uv.lock").is_file()
    assert expected_at(2) <= {
        str(f.relative_to(committed_level_1)) for f in project_files(committed_level_1)
    }


def test_upgrade_script_fails_loudly_when_the_update_conflicts(committed_level_1: Path) -> None:
    readme = committed_level_1 / "README.md"
    readme.write_text(
        readme.read_text().replace(
            "This project is at **level 1 (Basic)**", "We call this stage our MVP"
        )
    )
    git_commit_all(committed_level_1, "Our wording")
    result = upgrade_script(committed_level_1, "2")
    assert result.returncode == 1
    assert "README.md" in result.stderr
    text = readme.read_text()
    assert "We call this stage our MVP" in text
    assert "This project is at **level 2 (Automated)**" in text


def test_upgrade_script_refuses_a_downgrade(copier, render: Callable[..., Path]) -> None:
    project = render(3, name="downgrade")
    git_commit_all(project, "Generate at level 3")
    result = upgrade_script(project, "2")
    assert result.returncode == 2
    assert "at level 3 (Professional); downgrades are not supported" in result.stderr
