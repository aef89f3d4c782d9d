"""Template releases are git tags: a project generated from an older tag takes
the newer release's fixes with a same-level update, and a versioned
`_migrations` step moves a renamed file without losing the owner's content.

copier runs migrations only between version tags, so the test builds its own
template clone with two tags: v0.1.0 (the template as it is) and v0.2.0 (a
release that fixes a Makefile line and moves a doc page).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import ROOT, answers, git_commit_all, run
from owner_edits import leftover_conflicts
from test_update import upgrade_script

OLD_DOC = "docs/development/evolution.md"
NEW_DOC = "docs/guide/evolution.md"
OWNER_NOTE = "\nOur team reviews these metrics every Monday.\n"
TITLE_BEFORE = "# Growing the project: evolution detector, checklists and generators"
TITLE_AFTER = "# Growing your project: the evolution detector, checklists and generators"
HELP_BEFORE = "help: ## List the targets"
HELP_AFTER = "help: ## List the targets and what each does"


def release_0_2_0(template: Path) -> None:
    """What the v0.2.0 release changes in the template and its migrations."""
    source = template / "template" / OLD_DOC
    target = template / "template" / NEW_DOC
    target.parent.mkdir(parents=True)
    source.rename(target)
    text = target.read_text()
    assert text.startswith(TITLE_BEFORE)
    target.write_text(text.replace(TITLE_BEFORE, TITLE_AFTER, 1))
    makefile = template / "template" / "Makefile.jinja"
    text = makefile.read_text()
    assert HELP_BEFORE in text
    makefile.write_text(text.replace(HELP_BEFORE, HELP_AFTER, 1))
    migrations = template / "migrations" / "move_files.py"
    text = migrations.read_text()
    empty_entry = '"0.2.0": [],'
    assert empty_entry in text
    migrations.write_text(text.replace(empty_entry, f'"0.2.0": [("{OLD_DOC}", "{NEW_DOC}")],'))


@pytest.fixture
def tagged_template(tmp_path: Path) -> Path:
    template = tmp_path / "cica"
    template.mkdir()
    for name in ("copier.yml", "pyproject.toml", "extensions", "migrations", "template"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, template / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, template / name)
    git_commit_all(template, "Release 0.1.0")
    run(["git", "tag", "v0.1.0"], template)
    release_0_2_0(template)
    git_commit_all(template, "Release 0.2.0: move the evolution guide, clearer make help")
    run(["git", "tag", "v0.2.0"], template)
    return template


def project_from_0_1_0(template: Path, copier_bin: list[str], tmp_path: Path) -> Path:
    project = tmp_path / "my-bot"
    copy = [*copier_bin, "copy", "--trust", "--defaults", "--vcs-ref", "v0.1.0"]
    run([*copy, str(template), str(project)], tmp_path)
    assert answers(project)["_commit"] == "v0.1.0"
    assert (project / OLD_DOC).is_file()
    git_commit_all(project, "Generate from cica 0.1.0")
    return project


def test_same_level_update_from_an_older_tag_takes_fixes_and_migrates_renamed_files(
    tagged_template: Path, copier_bin: list[str], tmp_path: Path
) -> None:
    project = project_from_0_1_0(tagged_template, copier_bin, tmp_path)
    with (project / OLD_DOC).open("a") as doc:
        doc.write(OWNER_NOTE)
    git_commit_all(project, "Our review habit")

    update = run([*copier_bin, "update", "--trust", "--defaults"], project)

    assert answers(project)["_commit"] == "v0.2.0"
    assert answers(project)["maturity_level"] == 1
    assert f"moved {OLD_DOC} -> {NEW_DOC} (merged your edits)" in update.stdout + update.stderr
    assert not (project / OLD_DOC).exists()
    moved = (project / NEW_DOC).read_text()
    assert moved.endswith(OWNER_NOTE)
    assert moved.startswith(TITLE_AFTER + "\n"), "the release's change to the file is kept too"
    assert HELP_AFTER in (project / "Makefile").read_text()
    assert leftover_conflicts(project) == []


def test_renamed_file_edited_where_the_release_changed_it_shows_both_sides(
    tagged_template: Path, copier_bin: list[str], tmp_path: Path
) -> None:
    project = project_from_0_1_0(tagged_template, copier_bin, tmp_path)
    ours = "# How our bot grows"
    doc = project / OLD_DOC
    doc.write_text(doc.read_text().replace(TITLE_BEFORE, ours, 1))
    git_commit_all(project, "Our title")

    update = run([*copier_bin, "update", "--trust", "--defaults"], project)

    assert "CONFLICT: resolve the markers" in update.stderr
    assert not doc.exists()
    moved = (project / NEW_DOC).read_text()
    assert leftover_conflicts(project) == [NEW_DOC]
    assert ours in moved and TITLE_AFTER in moved


def test_project_from_an_unreleased_commit_upgrades_from_the_template_head(
    tagged_template: Path, copier_bin: list[str], tmp_path: Path
) -> None:
    """After v0.2.0 the template moved on; a project generated from that newer,
    untagged commit must not be "downgraded" to v0.2.0 by `make upgrade`."""
    (tagged_template / "template" / "NOTES.md").write_text("Unreleased work.\n")
    git_commit_all(tagged_template, "Unreleased work after 0.2.0")
    project = tmp_path / "my-bot"
    copy = [*copier_bin, "copy", "--trust", "--defaults", "--vcs-ref", "HEAD"]
    run([*copy, str(tagged_template), str(project)], tmp_path)
    git_commit_all(project, "Generate from the template's HEAD")

    result = upgrade_script(project, "2")

    assert result.returncode == 0, result.stderr
    assert answers(project)["maturity_level"] == 2
    assert (project / "NOTES.md").is_file()
    assert answers(project)["_commit"] != "v0.2.0"
