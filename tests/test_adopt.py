"""`scripts/adopt.py` brings cica into an existing repository without overwriting anything."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT, answers, git_commit_all, project_files, run, tree_digest
from expectations import added_by, expected_at
from owner_edits import leftover_conflicts
from test_update import upgrade_script

FIXTURE = Path(__file__).parent / "fixtures" / "existing-bot"
# Files the fixture has and the template renders with other content.
KEPT = {".gitignore", "Makefile", "README.md", "pyproject.toml"}
# A file the owner copied from cica earlier: identical to what the template renders.
IDENTICAL = ".dockerignore"
LEVEL_2_WORKFLOWS = ("quality.yml", "testing.yml", "staging.yml")


def adopt(target: Path, template: Path, *args: str) -> subprocess.CompletedProcess[str]:
    script = ROOT / "scripts" / "adopt.py"
    command = [sys.executable, str(script), str(target), *args, "--template", str(template)]
    return run(command, target.parent, check=False)


def digest(path: Path) -> dict[str, str]:
    return {name: sha for name, sha in tree_digest(path).items() if not name.startswith(".git/")}


@pytest.fixture
def existing_bot(tmp_path: Path) -> Path:
    """The fixture repository with its own history, plus one file it once copied from cica."""
    project = tmp_path / "existing-bot"
    shutil.copytree(FIXTURE, project, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(ROOT / "template" / IDENTICAL, project / IDENTICAL)
    git_commit_all(project, "Our bot, before cica")
    return project


@dataclass
class Adopted:
    project: Path
    original: dict[str, str]
    stdout: str


@pytest.fixture
def adopted(existing_bot: Path, copier_template: Path) -> Adopted:
    """The fixture adopted at level 2, with the digest of its original files."""
    original = digest(existing_bot)
    result = adopt(existing_bot, copier_template, "--level", "2", "--data", "github_owner=team")
    assert result.returncode == 0, result.stdout + result.stderr
    return Adopted(existing_bot, original, result.stdout)


def assert_originals_kept(project: Path, original: dict[str, str], names: set[str]) -> None:
    now = digest(project)
    changed = sorted(name for name in names if now.get(name) != original[name])
    assert changed == [], f"adoption or update changed original files {changed}"


def test_adoption_keeps_every_original_file_and_adds_the_level_2_pipelines(
    adopted: Adopted, copier_template: Path
) -> None:
    project, original = adopted.project, adopted.original

    assert_originals_kept(project, original, set(original))
    for workflow in LEVEL_2_WORKFLOWS:
        assert (project / ".github/workflows" / workflow).is_file()
    files = {str(f.relative_to(project)) for f in project_files(project)}
    assert sorted(expected_at(2) - files) == []
    assert {name for name in files if name.endswith(".cica-new")} == {
        f"{name}.cica-new" for name in KEPT
    }
    makefile_new = (project / "Makefile.cica-new").read_text()
    assert "upgrade: ## Move up the maturity ladder" in makefile_new
    recorded = answers(project)
    assert recorded["maturity_level"] == 2
    assert recorded["_src_path"] == str(copier_template)
    assert recorded["_commit"] == "99.99.99"
    assert recorded["project_name"] == "existing-bot"
    assert recorded["github_owner"] == "team"


def test_summary_names_the_files_to_merge_by_hand(adopted: Adopted) -> None:
    to_merge = adopted.stdout.split("Files you keep, to merge by hand (4):", 1)[1]
    for name in KEPT:
        assert f"  {name}  <-  {name}.cica-new" in to_merge
    assert f"{IDENTICAL}  <-" not in adopted.stdout
    assert "Files identical to the template's, left alone: 1" in adopted.stdout
    assert "make upgrade LEVEL=N" in adopted.stdout


@pytest.mark.parametrize("delete_cica_new", [True, False], ids=["deleted", "kept"])
def test_update_to_level_3_after_adoption_keeps_the_owners_files(
    copier, adopted: Adopted, delete_cica_new: bool
) -> None:
    project, original = adopted.project, adopted.original
    if delete_cica_new:
        for name in KEPT:
            (project / f"{name}.cica-new").unlink()
    cica_new = {name: sha for name, sha in digest(project).items() if name.endswith(".cica-new")}
    git_commit_all(project, "Adopt cica level 2")

    copier.update(project, maturity_level=3)

    assert answers(project)["maturity_level"] == 3
    missing = sorted(name for name in added_by(3) if not (project / name).is_file())
    assert missing == []
    bot_files = {name for name in original if name.startswith("bot/")}
    assert_originals_kept(project, original, {*bot_files, "CHANGELOG.md", IDENTICAL})
    # The kept files look like the owner's edits of the template's version: the
    # update merges the template's changes into them, with conflict markers
    # where both changed, and every line of the owner's stays.
    for name in KEPT:
        lines = set((project / name).read_text().splitlines())
        lost = [line for line in (FIXTURE / name).read_text().splitlines() if line not in lines]
        assert lost == [], f"{name} lost {lost}"
    assert not [name for name in leftover_conflicts(project) if name not in KEPT]
    # copier does not know the .cica-new files: an update leaves them as they were.
    after = digest(project)
    assert {name: after.get(name) for name in cica_new} == cica_new


def test_merged_adoption_upgrades_cleanly_with_make_upgrade_script(adopted: Adopted) -> None:
    project, original = adopted.project, adopted.original
    own_target = "\nbot: ## Run our own bot\n\tpython -m bot\n"
    for name in KEPT:
        merged = (project / f"{name}.cica-new").read_text()
        if name == "Makefile":
            merged += own_target
        elif name == "README.md":
            merged += "\n## price-pal\n\nAsk @alice for the token.\n"
        elif name == ".gitignore":
            merged += (FIXTURE / ".gitignore").read_text()
        (project / name).write_text(merged)
        (project / f"{name}.cica-new").unlink()
    git_commit_all(project, "Adopt cica level 2, merged")

    result = upgrade_script(project, "3")

    assert result.returncode == 0, result.stdout + result.stderr
    assert answers(project)["maturity_level"] == 3
    assert (project / ".github/workflows/production.yml").is_file()
    assert (project / "Makefile").read_text().endswith(own_target)
    assert "Ask @alice for the token." in (project / "README.md").read_text()
    assert leftover_conflicts(project) == []
    assert_originals_kept(project, original, {n for n in original if n.startswith("bot/")})


def test_dry_run_lists_the_plan_and_writes_nothing(
    existing_bot: Path, copier_template: Path
) -> None:
    before = tree_digest(existing_bot)
    result = adopt(existing_bot, copier_template, "--level", "3", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "Files you keep, to merge by hand (4):" in result.stdout
    # Level 3 renders a CHANGELOG.md, which the template leaves to an owner who has one.
    assert "CHANGELOG.md.cica-new" not in result.stdout
    assert "leaves to you when you have them" in result.stdout.split("CHANGELOG.md")[0]
    assert "Nothing was written" in result.stdout
    assert tree_digest(existing_bot) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--level", "5"], "level 5 does not exist"),
        (["--level", "two"], "invalid int value"),
        (["--level", "2", "--data", "project_slug=Not A Slug"], "project_slug must start with"),
        (["--level", "2", "--data", "colour=blue"], "the template asks no question colour"),
        (["--level", "2", "--data", "maturity_level=3"], "with --level"),
    ],
)
def test_bad_arguments_are_refused_and_nothing_is_written(
    existing_bot: Path, copier_template: Path, args: list[str], message: str
) -> None:
    before = tree_digest(existing_bot)
    result = adopt(existing_bot, copier_template, *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert tree_digest(existing_bot) == before


def test_a_dirty_tree_is_refused(existing_bot: Path, copier_template: Path) -> None:
    with (existing_bot / "bot" / "prices.py").open("a") as module:
        module.write("# work in progress\n")
    before = tree_digest(existing_bot)
    result = adopt(existing_bot, copier_template, "--level", "2")
    assert result.returncode == 2
    assert "uncommitted changes" in result.stderr
    assert tree_digest(existing_bot) == before


def test_a_project_already_generated_is_refused(existing_bot: Path, copier_template: Path) -> None:
    (existing_bot / ".copier-answers.yml").write_text("_src_path: gh:someone/cica\n")
    git_commit_all(existing_bot, "Generated long ago")
    before = tree_digest(existing_bot)
    result = adopt(existing_bot, copier_template, "--level", "2")
    assert result.returncode == 2
    assert "already has .copier-answers.yml" in result.stderr
    assert tree_digest(existing_bot) == before


def test_a_missing_target_or_one_without_git_is_refused(
    tmp_path: Path, copier_template: Path
) -> None:
    missing = tmp_path / "nowhere"
    result = adopt(missing, copier_template, "--level", "2")
    assert result.returncode == 2
    assert "is not a directory" in result.stderr
    assert not missing.exists()

    plain = tmp_path / "plain"
    shutil.copytree(FIXTURE, plain, ignore=shutil.ignore_patterns("__pycache__"))
    before = tree_digest(plain)
    result = adopt(plain, copier_template, "--level", "2")
    assert result.returncode == 2
    assert "is not a git repository" in result.stderr
    assert tree_digest(plain) == before
