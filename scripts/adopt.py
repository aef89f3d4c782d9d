#!/usr/bin/env python3
# /// script
# requires-python = ">=3.11"
# dependencies = [
#     "copier==9.19.1",
#     "copier-template-extensions==0.3.4",
#     "jinja2-time==0.2.0",
# ]
# ///
"""Bring cica's CI/CD into a repository that already exists, without overwriting anything.

    uv run scripts/adopt.py ../my-bot --level 2 [--data key=value ...] [--template SRC]

copier has no such mode, so this script renders the template at the chosen
level with your answers into a temporary directory and copies the result into
the repository: a file that does not exist there is written; a file that
exists with the same content is left alone; a file that exists with other
content is kept as it is and the template's version is written beside it as
``<name>.cica-new``, for you to merge by hand. The answers file
(``.copier-answers.yml``, with ``_src_path`` and ``_commit``) is written too,
so later ``copier update`` runs (``make upgrade LEVEL=N``) work and treat the
files you kept as your own edits.

``uv run`` reads the dependencies above, so nothing has to be installed; any
Python 3.11+ that can import copier and the two plugins runs it as well.

Exit codes: 0 adopted (or, with --dry-run, would adopt); 1 copier failed;
2 refused (bad arguments or answers, missing target, not a git repository,
uncommitted changes, already generated from a template); nothing is written
unless the exit code is 0.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

ANSWERS_FILE = ".copier-answers.yml"
NEW_SUFFIX = ".cica-new"
# The template this script ships with: the repository it sits in.
HOME_TEMPLATE = Path(__file__).resolve().parents[1]


def _ladder() -> dict[int, str]:
    """The template's level names, from extensions/context.py (the one table)."""
    path = HOME_TEMPLATE / "extensions" / "context.py"
    spec = importlib.util.spec_from_file_location("cica_context", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    levels: dict[int, str] = module.LEVELS
    return levels


LEVELS = _ladder()


class AdoptError(Exception):
    """A refusal with the one-line reason shown to the user (exit code 2)."""

    exit_code = 2


class CopierFailedError(AdoptError):
    """copier could not render the template for a reason other than the answers (exit 1)."""

    exit_code = 1


@dataclass
class Plan:
    """What adoption does with each file the template renders (paths relative to the target)."""

    write: list[str] = field(default_factory=list)
    same: list[str] = field(default_factory=list)
    beside: list[str] = field(default_factory=list)
    yours: list[str] = field(default_factory=list)


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"adopt: {message} (see --help)\n")


def git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)


def check_target(target: Path) -> None:
    """Refuse a target that adoption could damage or that copier could not update later."""
    if not target.is_dir():
        raise AdoptError(f"{target} is not a directory")
    if git(target, "rev-parse", "--is-inside-work-tree").stdout.strip() != "true":
        raise AdoptError(f"{target} is not a git repository: run `git init` and commit your code")
    if git(target, "rev-parse", "--verify", "--quiet", "HEAD").returncode != 0:
        raise AdoptError(f"{target} has no commits yet: commit your code first")
    if git(target, "status", "--porcelain").stdout.strip():
        raise AdoptError(
            f"{target} has uncommitted changes: commit or stash them first, "
            "so the adoption can be reviewed and undone"
        )
    if (target / ANSWERS_FILE).exists():
        raise AdoptError(
            f"{target} already has {ANSWERS_FILE}: it is generated from a template; "
            "use `make upgrade LEVEL=N` or `copier update` instead"
        )


def parse_data(pairs: list[str], level: int, target: Path) -> dict[str, Any]:
    """The answers for copier: --data pairs, the level, and the target's name as project_name."""
    data: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise AdoptError(f"--data {pair!r} is not key=value")
        data[key.strip()] = value
    if "maturity_level" in data:
        raise AdoptError("give the level with --level, not --data maturity_level")
    if level not in LEVELS:
        raise AdoptError(f"level {level} does not exist: choose 1, 2, 3 or 4")
    data["maturity_level"] = level
    data.setdefault("project_name", target.name)
    return data


def template_source(template: str | None) -> str:
    """The template to render: --template as given (absolute when local), else this checkout."""
    if template is None:
        return str(HOME_TEMPLATE)
    local = Path(template).expanduser()
    if local.exists():
        return str(local.resolve())
    return template


def warn_if_dirty_template(source: str, vcs_ref: str | None) -> None:
    """Warn that a dirty local template records a commit `copier update` cannot find."""
    if vcs_ref is not None or not Path(source).is_dir():
        return
    status = git(Path(source), "status", "--porcelain")
    if status.returncode == 0 and status.stdout.strip():
        print(
            f"adopt: warning: the template checkout {source} has uncommitted changes; "
            "copier renders them, but `copier update` will only find committed versions",
            file=sys.stderr,
        )


def render(
    source: str, data: dict[str, Any], vcs_ref: str | None, destination: Path
) -> Callable[[Path], bool]:
    """Render the template into `destination`; AdoptError for answers copier refuses.

    Returns the template's ``_skip_if_exists`` matcher: files it leaves to an owner who has them.
    """
    try:
        from copier import run_copy
        from copier.errors import CopierError, DirtyLocalWarning
    except ImportError as error:
        raise CopierFailedError(
            f"cannot import copier ({error}): run this script with `uv run scripts/adopt.py`"
        ) from error
    # warn_if_dirty_template has said it in terms of what adoption records.
    warnings.simplefilter("ignore", DirtyLocalWarning)
    try:
        worker = run_copy(
            source,
            destination,
            data=data,
            vcs_ref=vcs_ref,
            defaults=True,
            unsafe=True,
            quiet=True,
            overwrite=True,
        )
    except ValueError as error:
        raise AdoptError(f"copier refused the answers: {error}") from error
    except CopierError as error:
        raise CopierFailedError(f"copier could not render {source}: {error}") from error
    except Exception as error:
        raise CopierFailedError(f"copier failed on {source}: {error}") from error
    questions = set(worker.template.questions_data)
    unknown = sorted(set(data) - questions)
    if unknown:
        raise AdoptError(
            f"the template asks no question {', '.join(unknown)}; "
            f"its questions are: {', '.join(sorted(questions))}"
        )
    skip: Callable[[Path], bool] = worker.match_skip
    return skip


def rendered_files(root: Path) -> list[str]:
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(root).parts
    )


def plan_adoption(rendered: Path, target: Path, skip: Callable[[Path], bool]) -> Plan:
    """Decide the fate of each rendered file; AdoptError when one cannot be placed at all."""
    plan = Plan()
    for name in rendered_files(rendered):
        mine = target / name
        for parent in Path(name).parents:
            if str(parent) != "." and (target / parent).exists() and not (target / parent).is_dir():
                raise AdoptError(
                    f"{parent} is a file in {target} but the template puts a directory there "
                    f"(for {name}): move it aside first"
                )
        if not mine.exists() and not mine.is_symlink():
            plan.write.append(name)
        elif mine.is_dir():
            raise AdoptError(
                f"{name} is a directory in {target} but the template puts a file there: "
                "move it aside first"
            )
        elif mine.is_file() and mine.read_bytes() == (rendered / name).read_bytes():
            plan.same.append(name)
        elif skip(Path(name)):
            plan.yours.append(name)
        elif (target / f"{name}{NEW_SUFFIX}").exists():
            raise AdoptError(f"{name}{NEW_SUFFIX} already exists in {target}: remove it first")
        else:
            plan.beside.append(name)
    return plan


def copy_file(source: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, destination)
    shutil.copymode(source, destination)


def apply_plan(plan: Plan, rendered: Path, target: Path) -> None:
    for name in plan.write:
        copy_file(rendered / name, target / name)
    for name in plan.beside:
        copy_file(rendered / name, target / f"{name}{NEW_SUFFIX}")


def ignored_by_git(target: Path, names: list[str]) -> list[str]:
    """Which of `names` the target's .gitignore hides (they would not be committed)."""
    if not names:
        return []
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin"],
        cwd=target,
        input="\n".join(names) + "\n",
        capture_output=True,
        text=True,
        check=False,
    )
    return sorted(result.stdout.split())


def report(plan: Plan, target: Path, level: int, source: str, dry_run: bool) -> None:
    title = "Adoption preview" if dry_run else "Adopted"
    print(f"{title}: cica level {level} ({LEVELS[level]}) into {target}, from {source}")
    print(f"\nNew files {'to write' if dry_run else 'written'}: {len(plan.write)}")
    print(f"Files identical to the template's, left alone: {len(plan.same)}")
    print(f"\nFiles you keep, to merge by hand ({len(plan.beside)}):")
    for name in plan.beside:
        print(f"  {name}  <-  {name}{NEW_SUFFIX} (the template's version)")
    if not plan.beside:
        print("  none")
    if plan.yours:
        print("\nFiles the template leaves to you when you have them (no .cica-new):")
        for name in plan.yours:
            print(f"  {name}")
    if dry_run:
        print("\nNothing was written (--dry-run).")
        return
    hidden = ignored_by_git(target, [*plan.write, *(f"{n}{NEW_SUFFIX}" for n in plan.beside)])
    if hidden:
        print(f"\nYour .gitignore hides {len(hidden)} new files; they will not be committed:")
        for name in hidden:
            print(f"  {name}")
    print(
        "\nNext steps:\n"
        f"  1. Merge each {NEW_SUFFIX} file into the file beside it (the workflows call the\n"
        "     `make` targets and `uv` commands of the template's Makefile and pyproject.toml),\n"
        f"     then delete the {NEW_SUFFIX} file: copier does not track it.\n"
        "  2. Delete the template files you do not want; later updates do not bring them back.\n"
        f'  3. git add -A && git commit -m "Adopt cica level {level}"\n'
        "  4. Later: make upgrade LEVEL=N (or copier update --trust --defaults --data\n"
        "     maturity_level=N). Where the template changes a file you kept, the update\n"
        "     leaves conflict markers for you to resolve; see docs/adopting.md."
    )
    if Path(source).is_dir():
        print(
            f"\n{ANSWERS_FILE} points at the local template {source}: keep that checkout "
            "for `copier update`, or adopt with --template <git URL>."
        )


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = OneLineParser(
        description=(
            "Bring cica's CI/CD into an existing git repository at a maturity level. "
            f"Existing files are never overwritten: the template's version goes beside "
            f"them as <name>{NEW_SUFFIX}."
        ),
        epilog="Levels: " + ", ".join(f"{n} {name}" for n, name in LEVELS.items()),
    )
    parser.add_argument("target", type=Path, help="the repository to adopt (its root directory)")
    parser.add_argument("--level", type=int, required=True, help="maturity level 1-4")
    parser.add_argument(
        "--data",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an answer to a template question (repeatable); project_name defaults to "
        "the target directory's name, the others to the template's defaults",
    )
    parser.add_argument(
        "--template",
        help="template to adopt from: a git URL such as gh:<owner>/cica or a local "
        "checkout (default: the checkout this script is in)",
    )
    parser.add_argument("--vcs-ref", help="template tag or commit to use (default: the latest tag)")
    parser.add_argument(
        "--dry-run", action="store_true", help="list what would be added and kept; write nothing"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    target = args.target.expanduser().resolve()
    source = template_source(args.template)
    try:
        data = parse_data(args.data, args.level, target)
        check_target(target)
        warn_if_dirty_template(source, args.vcs_ref)
        with tempfile.TemporaryDirectory(prefix="cica-adopt-") as workdir:
            rendered = Path(workdir) / target.name
            skip = render(source, data, args.vcs_ref, rendered)
            plan = plan_adoption(rendered, target, skip)
            if not args.dry_run:
                apply_plan(plan, rendered, target)
    except AdoptError as error:
        print(f"adopt: {error}", file=sys.stderr)
        return error.exit_code
    report(plan, target, args.level, source, args.dry_run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
