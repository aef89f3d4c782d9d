"""The rename migration that `_migrations` runs moves a user's file once and
never overwrites anything."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
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


@pytest.fixture
def move_files(monkeypatch: pytest.MonkeyPatch) -> Any:
    module = load_module()
    monkeypatch.setitem(module.RENAMES, "9.9.9", [("docs/old.md", "docs/guide/new.md")])
    return module


def test_migration_moves_the_file_with_the_users_content(move_files: Any, tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/old.md").write_text("the user's words\n")
    assert move_files.move_files(tmp_path, "9.9.9") == ["docs/old.md -> docs/guide/new.md"]
    assert (tmp_path / "docs/guide/new.md").read_text() == "the user's words\n"
    assert not (tmp_path / "docs/old.md").exists()


def test_migration_never_overwrites_an_existing_target(move_files: Any, tmp_path: Path) -> None:
    (tmp_path / "docs/guide").mkdir(parents=True)
    (tmp_path / "docs/old.md").write_text("old\n")
    (tmp_path / "docs/guide/new.md").write_text("already here\n")
    assert move_files.move_files(tmp_path, "9.9.9") == []
    assert (tmp_path / "docs/guide/new.md").read_text() == "already here\n"
    assert (tmp_path / "docs/old.md").read_text() == "old\n"


def test_migration_of_another_version_changes_nothing(move_files: Any, tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/old.md").write_text("old\n")
    assert move_files.move_files(tmp_path, "1.0.0") == []
    assert (tmp_path / "docs/old.md").exists()


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
        assert migration["version"] in load_module().RENAMES
        assert "migrations/move_files.py" in " ".join(migration["command"])
