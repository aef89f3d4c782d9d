"""The rename migration that `_migrations` runs moves a user's file once and
never overwrites anything."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT

SCRIPT = ROOT / "migrations" / "move_files.py"


def load_module() -> Any:
    spec = importlib.util.spec_from_file_location("move_files", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


OLD, NEW = "docs/old.md", "docs/guide/new.md"
BASE = "# Old title\n\nThe template's words.\n"


@pytest.fixture
def move_files(monkeypatch: pytest.MonkeyPatch) -> Any:
    module = load_module()
    monkeypatch.setitem(module.RENAMES, "9.9.9", [(OLD, NEW)])
    return module


def files(**texts: str) -> Callable[[str], str | None]:
    """A rendering that has only the given files (keyword: the old path's stem)."""
    by_path = {OLD: texts.get("old"), NEW: texts.get("new")}
    return lambda relative: by_path.get(relative)


def test_migration_writes_the_owners_file_when_nothing_was_rendered_there(
    move_files: Any, tmp_path: Path
) -> None:
    report = move_files.move_files(tmp_path, "9.9.9", files(old="the user's words\n"), files())
    assert report == [f"moved {OLD} -> {NEW}"]
    assert (tmp_path / NEW).read_text() == "the user's words\n"


def test_migration_drops_an_unedited_file_that_a_later_version_removed(
    move_files: Any, tmp_path: Path
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / OLD).write_text(BASE)
    report = move_files.move_files(tmp_path, "9.9.9", files(old=BASE), files(old=BASE))
    assert report == [f"removed {OLD}: unedited, and the template no longer has {NEW}"]
    assert not (tmp_path / OLD).exists()
    assert not (tmp_path / NEW).exists()


def test_migration_merges_the_owners_edit_into_the_renamed_file(
    move_files: Any, tmp_path: Path
) -> None:
    (tmp_path / "docs/guide").mkdir(parents=True)
    (tmp_path / NEW).write_text(BASE.replace("Old title", "New title"))
    ours = BASE + "Our own paragraph.\n"
    report = move_files.move_files(tmp_path, "9.9.9", files(old=ours), files(old=BASE))
    assert report == [f"moved {OLD} -> {NEW} (merged your edits)"]
    merged = (tmp_path / NEW).read_text()
    assert merged == "# New title\n\nThe template's words.\nOur own paragraph.\n"


def test_migration_leaves_markers_where_both_changed_the_same_line(
    move_files: Any, tmp_path: Path
) -> None:
    (tmp_path / "docs/guide").mkdir(parents=True)
    (tmp_path / "docs/old.md").write_text("left over by the update\n")
    (tmp_path / NEW).write_text(BASE.replace("Old title", "New title"))
    ours = BASE.replace("Old title", "Our title")
    report = move_files.move_files(tmp_path, "9.9.9", files(old=ours), files(old=BASE))
    assert report == [f"moved {OLD} -> {NEW} (CONFLICT: resolve the markers)"]
    merged = (tmp_path / NEW).read_text()
    assert "<<<<<<< before updating" in merged
    assert "# Our title" in merged and "# New title" in merged
    assert not (tmp_path / OLD).exists()


def test_migration_keeps_the_new_rendering_when_the_owner_never_edited(
    move_files: Any, tmp_path: Path
) -> None:
    (tmp_path / "docs/guide").mkdir(parents=True)
    (tmp_path / NEW).write_text("rendered by the new version\n")
    report = move_files.move_files(tmp_path, "9.9.9", files(old=BASE), files(old=BASE))
    assert report == [f"moved {OLD} -> {NEW} (unchanged by you)"]
    assert (tmp_path / NEW).read_text() == "rendered by the new version\n"


def test_migration_of_another_version_changes_nothing(move_files: Any, tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / OLD).write_text("old\n")
    assert move_files.move_files(tmp_path, "1.0.0", files(old="old\n"), files()) == []
    assert (tmp_path / OLD).exists()


def test_migration_cli_reports_bad_usage() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "usage: move_files.py PROJECT_DIR VERSION"


def test_every_migration_is_versioned_and_runs_this_script() -> None:
    config = yaml.safe_load((ROOT / "copier.yml").read_text())
    migrations = config["_migrations"]
    assert migrations
    for migration in migrations:
        module = load_module()
        assert migration["version"] in module.RENAMES.keys() | module.REMOVED.keys()
        assert "migrations/move_files.py" in " ".join(migration["command"])
