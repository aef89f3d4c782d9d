"""Shared fixtures: a committed and tagged clone of the template, and helpers
to render, commit and inspect generated projects."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LEVELS = (1, 2, 3, 4)
# Level-specific answers that are asked only from some level on.
IGNORED_DIRS = {".git", ".venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}


@pytest.fixture(scope="session")
def copier_template_paths() -> list[str]:
    """What pytest-copier copies into its committed, tagged template clone."""
    return ["copier.yml", "pyproject.toml", "extensions", "migrations", "template"]


def tool(name: str) -> str:
    """A linter installed in the template's own environment."""
    path = BIN / name
    return str(path) if path.exists() else name


def project_env() -> dict[str, str]:
    """Environment for commands run inside a generated project.

    Drops what this test run sets for itself (its virtualenv, pytest and
    coverage variables) so the project uses its own .venv, and keeps the
    shared uv cache so every rendered project syncs from it.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "COV_", "VIRTUAL_ENV", "UV_PROJECT"))
    }
    env.setdefault("UV_CACHE_DIR", str(Path.home() / ".cache" / "uv"))
    # A project's Python compiles its imports once into its own .venv and tests/, as on a
    # developer's machine; without bytecode every test process compiles them again.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["UV_NO_PROGRESS"] = "1"
    env["NO_COLOR"] = "1"
    return env


def run(
    args: list[str], cwd: Path, *, check: bool = True, timeout: float = 600, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        args,
        cwd=cwd,
        env=kwargs.pop("env", project_env()),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **kwargs,
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"`{' '.join(args)}` exited {result.returncode} in {cwd}\n"
            f"--- stdout\n{result.stdout[-6000:]}\n--- stderr\n{result.stderr[-6000:]}",
            pytrace=False,
        )
    return result


def git_commit_all(path: Path, message: str) -> None:
    if not (path / ".git").exists():
        run(["git", "init", "-q", "-b", "main"], path)
    run(["git", "add", "-A"], path)
    run(["git", "commit", "-q", "--no-verify", "-m", message], path)


def project_files(path: Path) -> list[Path]:
    return sorted(
        file
        for file in path.rglob("*")
        if file.is_file() and not IGNORED_DIRS.intersection(file.relative_to(path).parts)
    )


def tree_digest(path: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file (the whole tree, .git included)."""
    if not path.exists():
        return {}
    return {
        str(file.relative_to(path)): hashlib.sha256(file.read_bytes()).hexdigest()
        for file in sorted(path.rglob("*"))
        if file.is_file()
    }


def answers(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load((path / ".copier-answers.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def evolution(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load((path / "config" / "evolution.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture
def render(copier: Any, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """Render the template at a level into a fresh directory and return it."""

    def _render(level: int = 1, name: str = "project", **data: Any) -> Path:
        dst = tmp_path_factory.mktemp(f"{name}-l{level}") / "my-bot"
        copier.copy(dst, maturity_level=level, **data)
        return dst

    return _render


@pytest.fixture(scope="session")
def copier_bin() -> list[str]:
    return [sys.executable, "-m", "copier"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Start the slow tests first, so no worker is left running one alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
