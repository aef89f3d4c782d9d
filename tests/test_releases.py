"""Template releases are git tags: a project generated from an older tag takes
the newer release's fixes with a same-level update, and a versioned
`_migrations` step moves a renamed file without losing the owner's content.

copier runs migrations only between version tags, so these tests build their
own template clone with two tags past every real release: v1.0.0 (the template
as it is) and v1.1.0 (a release that fixes a Makefile line and moves a doc page).
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


def release_1_1_0(template: Path) -> None:
    """What the v1.1.0 release changes in the template and its migrations."""
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
    table = "RENAMES: dict[str, list[tuple[str, str]]] = {\n"
    assert table in text
    entry = f'    "1.1.0": [("{OLD_DOC}", "{NEW_DOC}")],\n'
    migrations.write_text(text.replace(table, table + entry))
    copier_yml = template / "copier.yml"
    text = copier_yml.read_text()
    start = text.index("  - version: ")
    step = text[start : text.index("\n\n", start)]
    copier_yml.write_text(text.replace(step, step + "\n" + step.replace('"0.2.0"', '"1.1.0"'), 1))


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
    git_commit_all(template, "Release 1.0.0")
    run(["git", "tag", "v1.0.0"], template)
    release_1_1_0(template)
    git_commit_all(template, "Release 1.1.0: move the evolution guide, clearer make help")
    run(["git", "tag", "v1.1.0"], template)
    return template


def project_from_1_0_0(template: Path, copier_bin: list[str], tmp_path: Path) -> Path:
    project = tmp_path / "my-bot"
    copy = [*copier_bin, "copy", "--trust", "--defaults", "--vcs-ref", "v1.0.0"]
    run([*copy, str(template), str(project)], tmp_path)
    assert answers(project)["_commit"] == "v1.0.0"
    assert (project / OLD_DOC).is_file()
    git_commit_all(project, "Generate from cica 1.0.0")
    return project


def test_same_level_update_from_an_older_tag_takes_fixes_and_migrates_renamed_files(
    tagged_template: Path, copier_bin: list[str], tmp_path: Path
) -> None:
    project = project_from_1_0_0(tagged_template, copier_bin, tmp_path)
    with (project / OLD_DOC).open("a") as doc:
        doc.write(OWNER_NOTE)
    git_commit_all(project, "Our review habit")

    update = run([*copier_bin, "update", "--trust", "--defaults"], project)

    assert answers(project)["_commit"] == "v1.1.0"
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
    project = project_from_1_0_0(tagged_template, copier_bin, tmp_path)
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
    """After v1.1.0 the template moved on; a project generated from that newer,
    untagged commit must not be "downgraded" to v1.1.0 by `make upgrade`."""
    (tagged_template / "template" / "NOTES.md").write_text("Unreleased work.\n")
    git_commit_all(tagged_template, "Unreleased work after 1.1.0")
    project = tmp_path / "my-bot"
    copy = [*copier_bin, "copy", "--trust", "--defaults", "--vcs-ref", "HEAD"]
    run([*copy, str(tagged_template), str(project)], tmp_path)
    git_commit_all(project, "Generate from the template's HEAD")

    result = upgrade_script(project, "2")

    assert result.returncode == 0, result.stderr
    assert answers(project)["maturity_level"] == 2
    assert (project / "NOTES.md").is_file()
    assert answers(project)["_commit"] != "v1.1.0"


PREVIOUS_RELEASE = "v0.1.0"
OWNER_FUNCTION = '''

def level_label(level: int) -> str:
    """How our dashboards name a level."""
    return f"level {level}"
'''


def next_major_tag(template: Path) -> str:
    """A tag above every release in `template`, for the working tree under test."""
    tags = run(["git", "tag", "-l", "v*"], template).stdout.split()
    majors = [int(tag[1:].split(".")[0]) for tag in tags if tag[1:].split(".")[0].isdigit()]
    return f"v{max(majors, default=0) + 1}.0.0"


@pytest.fixture
def released_template(tmp_path: Path) -> Path:
    """A clone of this repository with its real release tags, and this working
    tree committed on top as the newest release."""
    if not run(["git", "tag", "-l", PREVIOUS_RELEASE], ROOT).stdout.strip():
        pytest.skip(f"this clone has no {PREVIOUS_RELEASE} tag (git fetch --tags)")
    template = tmp_path / "cica"
    run(["git", "clone", "-q", str(ROOT), str(template)], tmp_path)
    for name in ("copier.yml", "pyproject.toml", "extensions", "migrations", "template"):
        source, target = ROOT / name, template / name
        if source.is_dir():
            shutil.rmtree(target)
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    run(["git", "add", "-A"], template)
    # Empty when this working tree is its last commit, as in CI.
    commit = ["git", "commit", "-q", "--no-verify", "--allow-empty"]
    run([*commit, "-m", "This working tree"], template)
    run(["git", "tag", next_major_tag(template)], template)
    return template


@pytest.mark.slow
def test_level_4_project_from_the_previous_release_moves_to_the_ops_package_with_its_edits(
    released_template: Path, copier_bin: list[str], tmp_path: Path
) -> None:
    project = tmp_path / "my-bot"
    copy = [*copier_bin, "copy", "--trust", "--defaults", "--vcs-ref", PREVIOUS_RELEASE]
    run([*copy, "--data", "maturity_level=4", str(released_template), str(project)], tmp_path)
    triggers = project / "scripts" / "evolution" / "triggers.py"
    triggers.write_text(triggers.read_text() + OWNER_FUNCTION)
    git_commit_all(project, "Generate from cica 0.1.0, with our level label")

    update = run([*copier_bin, "update", "--trust", "--defaults"], project)

    old, new = "scripts/evolution/triggers.py", "ops/src/ops/evolution/triggers.py"
    moved = f"moved {old} -> {new} (merged your edits)"
    assert moved in update.stdout + update.stderr
    moved_file = project / "ops" / "src" / "ops" / "evolution" / "triggers.py"
    assert moved_file.read_text().endswith(OWNER_FUNCTION)
    assert not (project / "scripts" / "evolution").exists()
    assert not (project / "scripts" / "deploy" / "ecs_deploy.py").exists()
    assert not (project / "ops" / "src" / "ops" / "evolution" / "words.py").exists(), (
        "0.2.0 moved words.py, which 0.3.0 removed and the owner never edited"
    )
    assert leftover_conflicts(project) == []
    run(["uv", "sync", "--all-packages", "--quiet"], project)
    label = [
        "uv", "run", "--no-sync", "python", "-c",
        "from ops.evolution.triggers import level_label; print(level_label(2))",
    ]  # fmt: skip
    assert run(label, project).stdout.strip() == "level 2"
    lint = run(["uv", "run", "--no-sync", "ruff", "check", "."], project, check=False)
    assert lint.returncode == 0, lint.stdout


@pytest.mark.slow
def test_level_4_project_from_0_2_0_keeps_edits_in_ops_modules_the_release_removed_or_rewrote(
    released_template: Path, copier_bin: list[str], tmp_path: Path
) -> None:
    """0.3.0 removed ops modules whose job other modules took over and rewrote
    others: an owner's edit to a removed module is written back and reported,
    an edit to a rewritten one is merged or left between conflict markers."""
    project = tmp_path / "my-bot"
    copy = [*copier_bin, "copy", "--trust", "--defaults", "--vcs-ref", "v0.2.0"]
    run([*copy, "--data", "maturity_level=4", str(released_template), str(project)], tmp_path)
    removed, rewritten = "ops/src/ops/evolution/words.py", "ops/src/ops/evolution/checklist.py"
    for path in (removed, rewritten):
        owned = project / path
        owned.write_text(owned.read_text() + OWNER_FUNCTION)
    ours = (project / removed).read_text()
    git_commit_all(project, "Generate from cica 0.2.0, with our level label in two modules")

    update = run([*copier_bin, "update", "--trust", "--defaults"], project)

    assert f"kept {removed}, which you edited: 0.3.0 removed it" in update.stderr
    assert (project / removed).read_text() == ours
    merged = (project / rewritten).read_text()
    assert OWNER_FUNCTION.strip() in merged
    assert leftover_conflicts(project) == ([rewritten] if "<<<<<<< " in merged else [])
