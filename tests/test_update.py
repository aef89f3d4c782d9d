"""`make upgrade LEVEL=N` (scripts/setup/upgrade.py): refuses what it must,
updates and locks, and fails loudly on conflicts.

The ladder itself, with every check after each step, is in
test_generated_project.py."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import answers, git_commit_all, project_files, run
from expectations import expected_at


def upgrade_script(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
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
    # The conflicts and what to do are the last word; nothing claims success.
    last_lines = result.stderr.strip().splitlines()[-3:]
    assert last_lines[0].endswith("is not finished: these files have conflicts:")
    assert last_lines[1].strip() == "README.md"
    assert last_lines[2].startswith("Resolve the <<<<<<< markers")
    assert "Upgraded" not in result.stdout + result.stderr
    assert "is now at level" not in result.stdout + result.stderr
    text = readme.read_text()
    assert "We call this stage our MVP" in text
    assert "This project is at **level 2 (Automated)**" in text


def test_upgrade_script_refuses_a_downgrade(copier, render: Callable[..., Path]) -> None:
    project = render(3, name="downgrade")
    git_commit_all(project, "Generate at level 3")
    result = upgrade_script(project, "2")
    assert result.returncode == 2
    assert "at level 3 (Professional); downgrades are not supported" in result.stderr


def test_upgrade_script_answers_the_new_levels_questions_from_data(committed_level_1: Path) -> None:
    result = upgrade_script(
        committed_level_1,
        "3",
        "--data",
        "aws_region=eu-west-1",
        "--data",
        "notification_channel=slack",
    )
    assert result.returncode == 0, result.stderr
    recorded = answers(committed_level_1)
    assert (recorded["aws_region"], recorded["notification_channel"]) == ("eu-west-1", "slack")
    assert result.stdout.strip().splitlines()[-1].startswith("First deploy to AWS, step by step:")
    assert "with no conflicts" in result.stdout


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("aws_region", "--data takes key=value, such as aws_region=eu-west-1"),
        ("maturity_level=3", "maturity_level is the LEVEL argument"),
    ],
)
def test_upgrade_script_refuses_malformed_data_and_changes_nothing(
    committed_level_1: Path, pair: str, message: str
) -> None:
    result = upgrade_script(committed_level_1, "2", "--data", pair)
    assert result.returncode == 2
    assert message in result.stderr.strip().splitlines()[-1]
    assert answers(committed_level_1)["maturity_level"] == 1


def test_upgrade_script_refuses_a_bad_data_answer_with_the_templates_message(
    committed_level_1: Path,
) -> None:
    result = upgrade_script(committed_level_1, "2", "--data", "aws_region=mars-east-1")
    assert result.returncode == 1
    assert "aws_region must be an AWS region code" in result.stdout + result.stderr
    assert answers(committed_level_1)["maturity_level"] == 1
