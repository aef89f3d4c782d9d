#!/usr/bin/env python3
"""Move this project up the maturity ladder: ``python3 scripts/setup/upgrade.py N``.

Runs ``copier update`` for level N (through ``uvx``, so the project needs no
copier install and no ``uv sync``), fails loudly when the update left conflicts
(which copier itself reports with exit code 0), and otherwise runs ``uv lock``
so the new level's dependencies are locked.

Standard library only: it must work in a project that was never synced.

Exit codes: 0 upgraded cleanly; 1 the update ran but left conflicts or a step
failed; 2 refused (bad level, downgrade, dirty work tree).
Set COPIER_CMD to use another copier (for example ``copier`` from your PATH).
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from pathlib import Path

ANSWERS_FILE = ".copier-answers.yml"
LEVELS = {1: "Basic", 2: "Automated", 3: "Professional", 4: "Enterprise"}
# copier and the two plugins the template loads, pinned so every run is the same.
UVX_COPIER = [
    "uvx",
    "--with",
    "copier-template-extensions==0.3.4",
    "--with",
    "jinja2-time==0.2.0",
    "copier==9.19.1",
]
CONFLICT_MARKERS = ("<<<<<<< ", ">>>>>>> ")


class UpgradeError(Exception):
    """A refusal with the one-line reason shown to the user (exit code 2)."""

    exit_code = 2


class StepFailedError(UpgradeError):
    """copier or uv failed while upgrading (exit code 1)."""

    exit_code = 1


def copier_command() -> list[str]:
    """How to run copier: COPIER_CMD when set (split like a shell), else uvx copier."""
    override = os.environ.get("COPIER_CMD")
    return shlex.split(override) if override else list(UVX_COPIER)


def read_answers(project: Path) -> dict[str, str]:
    """Top-level ``key: value`` pairs of the answers file (enough for scalars)."""
    path = project / ANSWERS_FILE
    if not path.is_file():
        raise UpgradeError(f"{ANSWERS_FILE} not found: run this from the project root")
    answers: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith((" ", "#", "-")) or ":" not in line:
            continue
        key, _, value = line.partition(":")
        answers[key.strip()] = value.strip().strip("'\"")
    return answers


def current_level(project: Path) -> int:
    """The project's maturity_level from its answers file (1 when absent)."""
    value = read_answers(project).get("maturity_level", "1")
    try:
        return int(value)
    except ValueError as error:
        raise UpgradeError(f"maturity_level in {ANSWERS_FILE} is {value!r}, not 1-4") from error


def git(project: Path, *args: str) -> str:
    """Output of a git command in `project`; UpgradeError with git's message when it fails."""
    result = subprocess.run(
        ["git", *args], cwd=project, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise UpgradeError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def require_clean_tree(project: Path) -> None:
    """Refuse to upgrade over uncommitted changes, so the upgrade can be reviewed and undone."""
    status = git(project, "status", "--porcelain")
    if status.strip():
        raise UpgradeError(
            "the work tree has uncommitted changes: commit or stash them first, "
            "so the upgrade can be reviewed and undone"
        )


def check_level(target: int, current: int) -> None:
    """Refuse a level that does not exist or is below the current one."""
    if target not in LEVELS:
        raise UpgradeError(f"level {target} does not exist: choose 1, 2, 3 or 4")
    if target < current:
        raise UpgradeError(
            f"this project is at level {current} ({LEVELS[current]}); downgrades are not supported"
        )


def changed_files(project: Path) -> list[str]:
    """Files changed or added since HEAD, tracked or not (ignored files left out)."""
    tracked = git(project, "diff", "--name-only", "HEAD").splitlines()
    untracked = git(project, "ls-files", "--others", "--exclude-standard").splitlines()
    return sorted({*tracked, *untracked})


def leftover_conflicts(project: Path, files: list[str]) -> list[str]:
    """Files holding ``.rej`` hunks or inline conflict markers after the update."""
    found: set[str] = set()
    for name in files:
        path = project / name
        if name.endswith(".rej"):
            found.add(name)
            continue
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if any(line.startswith(CONFLICT_MARKERS) for line in text.splitlines()):
            found.add(name)
    # .rej files can be ignored by .gitignore, so look for them directly too.
    for rej in project.rglob("*.rej"):
        if ".git" not in rej.parts and ".venv" not in rej.parts:
            found.add(str(rej.relative_to(project)))
    return sorted(found)


def run(command: list[str], project: Path) -> None:
    """Run a command in `project`, echoing it; StepFailedError when it fails."""
    print("+", shlex.join(command), flush=True)
    result = subprocess.run(command, cwd=project, check=False)
    if result.returncode != 0:
        raise StepFailedError(f"{command[0]} exited with {result.returncode}")


def upgrade(project: Path, target: int) -> list[str]:
    """copier update to `target`, then uv lock; returns the files left with conflicts."""
    current = current_level(project)
    check_level(target, current)
    require_clean_tree(project)
    run(
        [
            *copier_command(),
            "update",
            "--trust",
            "--defaults",
            "--data",
            f"maturity_level={target}",
        ],
        project,
    )
    conflicts = leftover_conflicts(project, changed_files(project))
    if not conflicts:
        run(["uv", "lock"], project)
    return conflicts


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line: the level to move to."""
    parser = argparse.ArgumentParser(
        description="Move this project up the maturity ladder with copier update.",
        epilog="Levels: " + ", ".join(f"{n} {name}" for n, name in LEVELS.items()),
    )
    parser.add_argument("level", type=int, help="the level to move to (1-4)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """The `make upgrade` command; returns its exit code."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    project = Path.cwd()
    try:
        conflicts = upgrade(project, args.level)
    except UpgradeError as error:
        print(f"upgrade: {error}", file=sys.stderr)
        return error.exit_code
    if conflicts:
        print(
            "upgrade: the update left conflicts; merge these by hand, delete the .rej files, "
            "then run `uv lock && make test` and commit:",
            file=sys.stderr,
        )
        for name in conflicts:
            print(f"  {name}", file=sys.stderr)
        return 1
    print(f"Upgraded to level {args.level} ({LEVELS[args.level]}). Review `git diff`, then commit.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
