"""Property: whatever an owner edits, a level-up never loses it silently.

Hypothesis draws random edits to a committed level-1 project (append to a
file, replace one of its lines, delete a file, add a file), commits them and
updates to a random higher level. Every edit must survive, or be visibly in
conflict: its text between copier's inline markers or in a `.rej` file.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import git_commit_all, project_files, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from owner_edits import leftover_conflicts

EXAMPLES = int(os.environ.get("CICA_PROPERTY_EXAMPLES", "6"))
# Not hand edits: copier owns the answers file, and binary files are not edited by hand.
NOT_EDITED = {".copier-answers.yml"}


@dataclass(frozen=True)
class Edit:
    kind: str  # append | replace | delete | add
    path: str
    line: int = 0

    def token(self, index: int) -> str:
        return f"owner edit {index}: {self.kind} {self.path}"


@pytest.fixture(scope="module")
def level_1_project(
    tmp_path_factory: pytest.TempPathFactory, copier_template: Path, copier_bin: list[str]
) -> Path:
    project = tmp_path_factory.mktemp("safety") / "base"
    copy = [*copier_bin, "copy", "--trust", "--defaults", str(copier_template), str(project)]
    run(copy, project.parent)
    git_commit_all(project, "Generate at level 1")
    return project


def editable_files(project: Path) -> list[str]:
    files = []
    for file in project_files(project):
        relative = str(file.relative_to(project))
        if relative in NOT_EDITED:
            continue
        try:
            file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        files.append(relative)
    return files


def edits_for(files: list[str]) -> st.SearchStrategy[list[Edit]]:
    existing = st.builds(
        Edit,
        kind=st.sampled_from(["append", "replace", "delete"]),
        path=st.sampled_from(files),
        line=st.integers(min_value=0, max_value=400),
    )
    added = st.builds(
        Edit,
        kind=st.just("add"),
        path=st.sampled_from(["notes/ideas.md", "services/telegram-bot/TODO.txt", "ops/run.sh"]),
    )
    return st.lists(st.one_of(existing, added), min_size=1, max_size=4, unique_by=lambda e: e.path)


def apply(edit: Edit, token: str, project: Path) -> None:
    file = project / edit.path
    if edit.kind == "delete":
        file.unlink()
    elif edit.kind == "add":
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(token + "\n")
    elif edit.kind == "append":
        with file.open("a") as handle:
            handle.write(f"\n{token}\n")
    else:
        lines = file.read_text().splitlines(keepends=True) or ["\n"]
        lines[edit.line % len(lines)] = token + "\n"
        file.write_text("".join(lines))


def visible_somewhere(token: str, edit: Edit, project: Path) -> bool:
    for candidate in (project / edit.path, project / f"{edit.path}.rej"):
        if candidate.is_file() and token in candidate.read_text():
            return True
    return False


def surviving_problems(edits: list[Edit], project: Path) -> list[str]:
    problems = []
    conflicted = set(leftover_conflicts(project))
    for index, edit in enumerate(edits):
        token = edit.token(index)
        if edit.kind == "delete":
            came_back = (project / edit.path).exists()
            if came_back and edit.path not in conflicted:
                problems.append(f"{edit.path} was deleted by its owner and came back silently")
        elif not visible_somewhere(token, edit, project):
            problems.append(f"{edit.kind} of {edit.path} was lost")
    return problems


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.slow
@given(data=st.data())
def test_level_up_never_loses_an_owners_edit_silently(
    data: st.DataObject, level_1_project: Path, copier_bin: list[str], tmp_path: Path
) -> None:
    edits = data.draw(edits_for(editable_files(level_1_project)), label="edits")
    level = data.draw(st.sampled_from([2, 3, 4]), label="level")
    project = Path(tmp_path, f"example-{len(list(tmp_path.iterdir()))}")
    shutil.copytree(level_1_project, project, symlinks=True)
    for index, edit in enumerate(edits):
        apply(edit, edit.token(index), project)
    git_commit_all(project, "Owner's edits")

    update = [*copier_bin, "update", "--trust", "--defaults", "--conflict", "inline"]
    run([*update, "--data", f"maturity_level={level}"], project)

    assert surviving_problems(edits, project) == []
