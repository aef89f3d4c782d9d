"""The Template update workflow (level 2 and up): its update step, run here as
the workflow runs it, moves a project generated from an older release to the
newest release tag of its template source, keeps the owner's edits, lists the
conflicts and changes nothing when the project is up to date.

The template clone with the tags v1.0.0 and v1.1.0 is test_releases.py's
(v1.1.0 changes a Makefile line and moves a doc page with a migration).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from conftest import answers, git_commit_all, project_env, run
from test_releases import HELP_AFTER, HELP_BEFORE, NEW_DOC, OLD_DOC, tagged_template

__all__ = ["tagged_template"]  # the fixture, used by name below

WORKFLOW = ".github/workflows/template-update.yml"
UPDATE_STEP = "Update to the newest template release"
OWNER_TARGET = "\nbackup-notes: ## Our own target\n\techo our notes\n"


def project_at_level_2(template: Path, copier_bin: list[str], tmp_path: Path) -> Path:
    project = tmp_path / "my-bot"
    copy = [*copier_bin, "copy", "--trust", "--defaults", "--vcs-ref", "v1.0.0"]
    run([*copy, "--data", "maturity_level=2", str(template), str(project)], tmp_path)
    assert answers(project)["_commit"] == "v1.0.0"
    git_commit_all(project, "Generate from cica 1.0.0 at level 2")
    return project


def update_step(project: Path) -> str:
    """The shell script of the workflow's update step, as GitHub runs it."""
    workflow = yaml.safe_load((project / WORKFLOW).read_text())
    steps = workflow["jobs"]["update"]["steps"]
    (step,) = [step for step in steps if step.get("name") == UPDATE_STEP]
    script = step["run"]
    assert isinstance(script, str)
    return script


def run_update_step(project: Path, runner: Path) -> tuple[dict[str, str], str]:
    """Run the update step with the variables GitHub sets (bash -eo pipefail, as
    `shell: bash` runs it); copier is this environment's instead of uvx's."""
    runner.mkdir(exist_ok=True)
    outputs, summary = runner / "output", runner / "summary"
    outputs.write_text("")
    env = {
        **project_env(),
        "GITHUB_REF_NAME": "main",
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(runner),
        "COPIER_CMD": f"{sys.executable} -m copier",
    }
    env = {key: value for key, value in env.items() if key != "VIRTUAL_ENV"}
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", update_step(project)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    pairs = (line.partition("=") for line in outputs.read_text().splitlines())
    return {key: value for key, _, value in pairs}, summary.read_text()


def test_update_step_moves_to_the_newest_release_keeping_the_owners_edits(
    tagged_template: Path, copier_bin: list[str], tmp_path: Path
) -> None:
    project = project_at_level_2(tagged_template, copier_bin, tmp_path)
    makefile = project / "Makefile"
    makefile.write_text(makefile.read_text() + OWNER_TARGET)
    git_commit_all(project, "Our own target")

    outputs, summary = run_update_step(project, tmp_path / "runner")

    assert outputs == {"changed": "true", "conflicts": "false", "tag": "v1.1.0"}
    recorded = answers(project)
    assert (recorded["_commit"], recorded["maturity_level"]) == ("v1.1.0", 2)
    text = makefile.read_text()
    assert HELP_AFTER in text, "the newer release's change is on the branch"
    assert text.endswith(OWNER_TARGET), "the owner's edit is kept"
    assert (project / NEW_DOC).is_file() and not (project / OLD_DOC).exists()
    assert "from cica `v1.0.0` to `v1.1.0`" in summary
    assert "### Conflicts (0)" in summary
    assert not list(project.rglob("*.rej"))

    git_commit_all(project, "Update to cica 1.1.0")
    outputs, summary = run_update_step(project, tmp_path / "runner-again")

    assert outputs == {"changed": "false", "conflicts": "false", "tag": "v1.1.0"}
    assert "nothing to update" in summary
    assert run(["git", "status", "--porcelain"], project).stdout == ""


def test_update_step_lists_the_conflicts_for_the_pull_request(
    tagged_template: Path, copier_bin: list[str], tmp_path: Path
) -> None:
    project = project_at_level_2(tagged_template, copier_bin, tmp_path)
    makefile = project / "Makefile"
    ours = "help: ## Our list of targets"
    makefile.write_text(makefile.read_text().replace(HELP_BEFORE, ours, 1))
    git_commit_all(project, "Our help line")

    outputs, summary = run_update_step(project, tmp_path / "runner")

    assert outputs == {"changed": "true", "conflicts": "true", "tag": "v1.1.0"}
    assert "### Conflicts (1)" in summary
    assert "- `Makefile`" in summary
    text = makefile.read_text()
    assert ours in text and HELP_AFTER in text and "<<<<<<< " in text
