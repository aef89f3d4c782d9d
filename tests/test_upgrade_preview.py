"""`upgrade.py N --dry-run` foresees an upgrade without touching the project."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import git_commit_all, run, tree_digest
from owner_edits import make_user_edits
from test_update import upgrade_script

LEVEL_1_LINE = "This project is at **level 1 (Basic)**"


@pytest.fixture
def edited_level_1(render: Callable[..., Path]) -> Path:
    project = render(1, name="preview")
    git_commit_all(project, "Generate at level 1")
    make_user_edits(project)
    git_commit_all(project, "Our own changes")
    return project


def previewed_additions(output: str) -> set[str]:
    """The paths listed under "Files that would be added", group headers left out."""
    section = output.split("Files that would be added", 1)[1].split("\nFiles that would change")[0]
    return set(re.findall(r"^    (\S+)$", section, flags=re.MULTILINE))


def files_added_since_head(project: Path) -> set[str]:
    status = run(["git", "status", "--porcelain", "--untracked-files=all"], project).stdout
    return {line[3:] for line in status.splitlines() if line.startswith("??")}


@pytest.mark.parametrize("level", [2, 4])
def test_preview_lists_exactly_the_files_the_update_adds_and_changes_nothing(
    copier, edited_level_1: Path, level: int
) -> None:
    (edited_level_1 / ".env").write_text("TELEGRAM_BOT_TOKEN=ignored-by-git\n")
    before = tree_digest(edited_level_1)

    result = upgrade_script(edited_level_1, str(level), "--dry-run")

    assert result.returncode == 0, result.stdout + result.stderr
    assert tree_digest(edited_level_1) == before
    assert f"level {level}" in result.stdout
    assert "Likely conflicts (0)" in result.stdout
    previewed = previewed_additions(result.stdout)
    assert previewed

    copier.update(edited_level_1, maturity_level=level)
    assert previewed == files_added_since_head(edited_level_1)


def test_preview_names_an_overlapping_edit_as_a_likely_conflict(
    edited_level_1: Path,
) -> None:
    readme = edited_level_1 / "README.md"
    readme.write_text(readme.read_text().replace(LEVEL_1_LINE, "We call this stage our MVP"))
    before = tree_digest(edited_level_1)

    result = upgrade_script(edited_level_1, "2", "--dry-run")

    assert result.returncode == 3, result.stdout + result.stderr
    conflicts = result.stdout.split("Likely conflicts", 1)[1].split("\nNew questions")[0]
    assert "README.md" in conflicts
    assert tree_digest(edited_level_1) == before


def test_preview_shows_the_template_diff_and_the_new_questions(edited_level_1: Path) -> None:
    result = upgrade_script(edited_level_1, "2", "--dry-run")

    assert result.returncode == 0, result.stderr
    changes = result.stdout.split("Files that would change", 1)[1]
    assert f"    -{LEVEL_1_LINE}" in changes
    questions = result.stdout.split("New questions at level 2", 1)[1]
    assert "aws_region:" in questions


def test_preview_refuses_a_downgrade_like_the_upgrade(render: Callable[..., Path]) -> None:
    project = render(3, name="preview-down")
    git_commit_all(project, "Generate at level 3")
    result = upgrade_script(project, "2", "--dry-run")
    assert result.returncode == 2
    assert "downgrades are not supported" in result.stderr


def test_preview_lists_new_questions_with_their_answers_and_how_to_choose(
    edited_level_1: Path,
) -> None:
    defaults = upgrade_script(edited_level_1, "3", "--dry-run")
    assert defaults.returncode == 0, defaults.stderr
    assert "aws_region: us-east-1  (default)" in defaults.stdout
    assert "notification_channel: none  (default)" in defaults.stdout
    assert 'make upgrade LEVEL=3 DATA="aws_region=... notification_channel=..."' in defaults.stdout

    chosen = upgrade_script(edited_level_1, "3", "--dry-run", "--data", "aws_region=eu-west-1")
    assert "aws_region: eu-west-1  (your DATA)" in chosen.stdout
    assert 'make upgrade LEVEL=3 DATA="notification_channel=..."' in chosen.stdout
