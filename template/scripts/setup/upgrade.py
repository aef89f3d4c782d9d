#!/usr/bin/env python3
"""Move this project up the maturity ladder: ``python3 scripts/setup/upgrade.py N``.

Runs ``copier update`` for level N (through ``uvx``, so the project needs no
copier install and no ``uv sync``) with the copier and plugin versions recorded
in pyproject.toml's ``[tool.cica] upgrade-with``, fails loudly when the update
left conflicts (which copier itself reports with exit code 0), and otherwise
runs ``uv lock`` so the new level's dependencies are locked.

``--data key=value`` (repeatable; ``make upgrade LEVEL=N DATA="k=v k2=v2"``)
answers the questions the new level asks instead of taking their defaults.

``--release latest`` (``make template-update``; the Template update workflow
runs it every week) updates to the newest release tag of the template source
(``_src_path`` in .copier-answers.yml, read with ``git ls-remote``) and keeps the
level unless N is given; ``--release vX.Y.Z`` takes that release. It changes
nothing when the project has that release or a newer one already. ``--report
FILE`` writes what it did as Markdown (the update pull request's description).

With ``--dry-run`` it changes nothing: it renders the project at its current
level and at level N into a temporary directory and prints the files the
upgrade would add and change, the likely conflicts with your edits and the new
questions (``--full`` shows whole diffs).

Standard library only: it must work in a project that was never synced.

Exit codes: 0 upgraded cleanly or already up to date (or, with --dry-run, would apply cleanly);
1 the update ran but left conflicts or a step failed; 2 refused (bad level,
downgrade, dirty work tree); 3 --dry-run found likely conflicts.
Set COPIER_CMD to use another copier (for example ``copier`` from your PATH).
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shlex
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ANSWERS_FILE = ".copier-answers.yml"
EVOLUTION_FILE = "config/evolution.yml"
# One entry of the `levels:` table that cica writes into config/evolution.yml.
LADDER_ENTRY = re.compile(r"^  (\d+): \{name: ([A-Za-z]+)")
FIRST_DEPLOY_GUIDE = "docs/deployment/first-deploy.md"
DATA_PAIR = re.compile(r"[a-z_][a-z0-9_]*=.*")
CONFLICT_MARKERS = ("<<<<<<< ", ">>>>>>> ")
PREVIEW_DIFF_LINES = 40
LIKELY_CONFLICTS_EXIT = 3
SKIPPED_DIRS = {".git", ".venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
# Groups for the files an upgrade adds, first match wins; the rest is "other".
FILE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("workflows", (".github/",)),
    ("infrastructure", ("infrastructure/", "deploy/", "docker", "Dockerfile", "compose")),
    ("tests", ("tests/",)),
    ("docs", ("docs/", "mkdocs.yml")),
    (
        "config",
        ("config/", ".pre-commit", ".markdownlint", "pyproject.toml", ".copier-answers.yml"),
    ),
)


class UpgradeError(Exception):
    """A refusal with the one-line reason shown to the user (exit code 2)."""

    exit_code = 2


class StepFailedError(UpgradeError):
    """copier or uv failed while upgrading (exit code 1)."""

    exit_code = 1


def copier_command(project: Path) -> list[str]:
    """How to run copier: COPIER_CMD when set (split like a shell), else uvx with
    the copier and plugins pinned in pyproject.toml's [tool.cica] upgrade-with."""
    override = os.environ.get("COPIER_CMD")
    if override:
        return shlex.split(override)
    try:
        pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
        pins = list(pyproject["tool"]["cica"]["upgrade-with"])
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as error:
        raise UpgradeError(
            "pyproject.toml has no [tool.cica] upgrade-with list of copier pins: "
            "restore it from the template, or set COPIER_CMD"
        ) from error
    copier = [pin for pin in pins if pin.startswith("copier==")]
    plugins = [pin for pin in pins if not pin.startswith("copier==")]
    if len(copier) != 1:
        raise UpgradeError("pyproject.toml's [tool.cica] upgrade-with must pin copier==X.Y.Z")
    return ["uvx", *(arg for plugin in plugins for arg in ("--with", plugin)), copier[0]]


def check_data(pairs: list[str]) -> dict[str, str]:
    """``key=value`` answers for the update, refused with a one-line reason when malformed."""
    data: dict[str, str] = {}
    for pair in pairs:
        if not DATA_PAIR.fullmatch(pair):
            raise UpgradeError(
                f"--data takes key=value, such as aws_region=eu-west-1 (got {pair!r})"
            )
        key, _, value = pair.partition("=")
        if key == "maturity_level":
            raise UpgradeError("maturity_level is the LEVEL argument, not --data")
        data[key] = value
    return data


def data_args(data: dict[str, str]) -> list[str]:
    """--data arguments for copier."""
    return [arg for key, value in data.items() for arg in ("--data", f"{key}={value}")]


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


def ladder(project: Path) -> dict[int, str]:
    """Level -> name, from the `levels:` table of config/evolution.yml (empty when it has none)."""
    try:
        text = (project / EVOLUTION_FILE).read_text(encoding="utf-8")
    except OSError:
        return {}
    entries = (LADDER_ENTRY.match(line) for line in text.split("\nlevels:\n", 1)[-1].splitlines())
    return {int(entry[1]): entry[2] for entry in entries if entry}


def level_name(project: Path, level: int) -> str:
    """`level 2 (Automated)`, or `level 2` when the project's ladder does not name it."""
    name = ladder(project).get(level)
    return f"level {level} ({name})" if name else f"level {level}"


def check_level(project: Path, target: int, current: int) -> None:
    """Refuse a level that is not on the project's ladder or is below the current one."""
    levels = sorted(ladder(project)) or [1, 2, 3, 4]
    if target not in levels:
        choices = ", ".join(map(str, levels[:-1])) + f" or {levels[-1]}"
        raise UpgradeError(f"level {target} does not exist: choose {choices}")
    if target < current:
        raise UpgradeError(
            f"this project is at {level_name(project, current)}; downgrades are not supported"
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


# What copier records as _commit for a release tag (v0.1.0, 1.2): anything else
# (0.1.0.post2.dev0+66b2f0e, a bare hash) is an unreleased commit of the template.
RELEASE = re.compile(r"v?\d+(\.\d+)*")
# A release tag that --release latest considers (pre-releases such as v1.2.0rc1 are not),
# and the release a _commit is or descends from (0.1.0.post2.dev0+66b2f0e: 0.1.0).
RELEASE_TAG = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")
# copier's abbreviations of git hosts in _src_path.
SOURCE_SHORTCUTS = {"gh:": "https://github.com/", "gl:": "https://gitlab.com/"}
LS_REMOTE_TIMEOUT = 120


def template_ref(project: Path) -> list[str]:
    """Which template version the update moves to: copier's default, the newest
    release, for a project generated from a release; the template's HEAD for one
    generated from an unreleased commit (the newest release would be older, and
    copier refuses to go back)."""
    commit = read_answers(project).get("_commit", "")
    return [] if not commit or RELEASE.fullmatch(commit) else ["--vcs-ref", "HEAD"]


def template_source(project: Path) -> str:
    """Where git finds the template: _src_path, with copier's gh:/gl: shortcuts expanded
    and a local path resolved against the project."""
    source = read_answers(project).get("_src_path", "")
    if not source:
        raise UpgradeError(f"{ANSWERS_FILE} has no _src_path: cannot find the template")
    for shortcut, url in SOURCE_SHORTCUTS.items():
        if source.startswith(shortcut):
            return url + source.removeprefix(shortcut)
    if "://" in source or ":" in source.split("/")[0]:
        return source.removeprefix("git+")
    local = project / Path(source).expanduser()
    if not local.exists():
        raise UpgradeError(
            f"the template source {source} ({ANSWERS_FILE} _src_path) is not here: "
            "set _src_path to the template's git URL, such as gh:OWNER/cica"
        )
    return str(local.resolve())


def release_version(name: str) -> tuple[int, int, int] | None:
    """(1, 2, 0) for the release tag v1.2.0 or 1.2.0; None for any other name."""
    found = RELEASE_TAG.fullmatch(name)
    return (int(found[1]), int(found[2]), int(found[3])) if found else None


def newest_release(source: str) -> str:
    """The highest vX.Y.Z tag of the template repository at `source`."""
    try:
        result = subprocess.run(
            ["git", "ls-remote", "--tags", "--refs", source],
            capture_output=True,
            text=True,
            check=False,
            timeout=LS_REMOTE_TIMEOUT,
        )
    except subprocess.TimeoutExpired as error:
        raise StepFailedError(f"git ls-remote {source} timed out") from error
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or ["no output"]
        raise StepFailedError(f"git ls-remote {source} failed: {lines[-1]}")
    tags = {}
    for line in result.stdout.splitlines():
        name = line.partition("\t")[2].removeprefix("refs/tags/")
        version = release_version(name)
        if version:
            tags[version] = name
    if not tags:
        raise UpgradeError(f"the template at {source} has no release tags (vX.Y.Z)")
    return tags[max(tags)]


@dataclass
class ReleaseUpdate:
    """A same-template update to a release tag: from which version, to which, and how."""

    source: str
    recorded: str
    tag: str
    conflicts: list[str] = field(default_factory=list)

    @property
    def due(self) -> bool:
        """Whether `tag` is newer than the release the project was generated from."""
        target = release_version(self.tag)
        found = RELEASE_TAG.match(self.recorded)
        recorded = (int(found[1]), int(found[2]), int(found[3])) if found else None
        return target is None or recorded is None or target > recorded


def release_notes_url(source: str, tag: str) -> str | None:
    """The release page of `tag` when the template is on GitHub."""
    prefix = SOURCE_SHORTCUTS["gh:"]
    if not source.startswith(prefix):
        return None
    return f"{source.removesuffix('/').removesuffix('.git')}/releases/tag/{tag}"


def release_report(update: ReleaseUpdate, level: int) -> str:
    """The update in Markdown: versions, where from, conflicts and what to do."""
    if not update.due:
        return (
            f"This project has cica `{update.recorded}`; the newest release, "
            f"`{update.tag}`, is not newer: nothing to update.\n"
        )
    lines = [
        f"Updates this project from cica `{update.recorded or 'unknown'}` to `{update.tag}` "
        f"with `copier update`, keeping its answers (level {level}).",
        "",
        f"Template: `{update.source}`",
    ]
    notes = release_notes_url(update.source, update.tag)
    if notes:
        lines.append(f"Release notes: {notes}")
    lines += ["", f"### Conflicts ({len(update.conflicts)})", ""]
    if update.conflicts:
        lines += [f"- `{name}`" for name in update.conflicts]
        lines += [
            "",
            "Resolve the `<<<<<<<` markers and apply or delete each `.rej` file "
            "on this branch, then run `uv lock && make test`.",
        ]
    else:
        lines.append("None: the template's changes merged with this project's edits.")
    return "\n".join(lines) + "\n"


def release_update(
    project: Path, ref: str, level: int | None, data: dict[str, str]
) -> ReleaseUpdate:
    """copier update to the release `ref` (latest: the newest tag) when it is newer."""
    source = template_source(project)
    tag = newest_release(source) if ref == "latest" else ref
    update = ReleaseUpdate(source, read_answers(project).get("_commit", ""), tag)
    if update.due:
        target = current_level(project) if level is None else level
        update.conflicts = upgrade(project, target, data, ref=tag)
    return update


def upgrade(project: Path, target: int, data: dict[str, str], ref: str | None = None) -> list[str]:
    """copier update to `target` (at the template version `ref` when given), then uv lock;
    returns the files left with conflicts."""
    current = current_level(project)
    check_level(project, target, current)
    require_clean_tree(project)
    run(
        [
            *copier_command(project),
            "update",
            "--trust",
            "--defaults",
            *(["--vcs-ref", ref] if ref else template_ref(project)),
            "--data",
            f"maturity_level={target}",
            *data_args(data),
        ],
        project,
    )
    conflicts = leftover_conflicts(project, changed_files(project))
    if not conflicts:
        run(["uv", "lock"], project)
    return conflicts


@dataclass
class Preview:
    """What an upgrade would do, computed without touching the project."""

    added: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)
    new_answers: dict[str, str] = field(default_factory=dict)
    given: set[str] = field(default_factory=set)


def answers_data(project: Path, level: int) -> str:
    """The answers file as YAML data for copier: no ``_`` keys, maturity_level set to `level`."""
    text = (project / ANSWERS_FILE).read_text(encoding="utf-8")
    kept: list[str] = []
    skipping = False
    for line in text.splitlines():
        if line.startswith(("#", " ", "-")) or not line.strip():
            if not skipping:
                kept.append(line)
            continue
        key = line.partition(":")[0].strip()
        skipping = key.startswith("_") or key == "maturity_level"
        if not skipping:
            kept.append(line)
    kept.append(f"maturity_level: {level}")
    return "\n".join(kept) + "\n"


def render_at(project: Path, level: int, workdir: Path, data: dict[str, str]) -> Path:
    """Render the project's template version with its answers (and `data`) at `level`."""
    answers = read_answers(project)
    source = answers.get("_src_path")
    if not source:
        raise UpgradeError(f"{ANSWERS_FILE} has no _src_path: cannot find the template")
    local = project / source
    if "://" not in source and ":" not in source.split("/")[0] and local.exists():
        source = str(local.resolve())
    data_file = workdir / f"answers-{level}.yml"
    data_file.write_text(answers_data(project, level), encoding="utf-8")
    destination = workdir / f"level-{level}"
    command = [*copier_command(project), "copy", "--trust", "--defaults", "--quiet"]
    command += ["--data-file", str(data_file), *data_args(data)]
    if answers.get("_commit"):
        command += ["--vcs-ref", answers["_commit"]]
    command += [source, str(destination)]
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr.strip() or result.stdout.strip()).splitlines()
        raise StepFailedError(
            f"copier could not render level {level}: {detail[-1] if detail else 'no output'}"
        )
    if not (destination / ANSWERS_FILE).is_file():
        raise StepFailedError(f"copier rendered no {ANSWERS_FILE} from {source}")
    return destination


def tree_files(root: Path) -> set[str]:
    """Relative paths of the files under `root`, caches and .git left out."""
    return {
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and not SKIPPED_DIRS.intersection(path.relative_to(root).parts)
    }


def read_lines(path: Path) -> list[str] | None:
    """The file's lines, or None for a binary file."""
    try:
        return path.read_text(encoding="utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return None


def changed_ranges(before: list[str], after: list[str]) -> list[tuple[int, int]]:
    """Line ranges of `before` that `after` replaces, deletes or inserts at."""
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    return [(i1, i2) for tag, i1, i2, _, _ in matcher.get_opcodes() if tag != "equal"]


def ranges_overlap(ours: Iterable[tuple[int, int]], theirs: list[tuple[int, int]]) -> bool:
    """True when two sets of changes touch the same lines (an insertion touches its neighbours)."""
    for start, end in ours:
        for other_start, other_end in theirs:
            if start < other_end and other_start < end:
                return True
            if (start == end or other_start == other_end) and (
                start <= other_end and other_start <= end
            ):
                return True
    return False


def preview(project: Path, target: int, workdir: Path, data: dict[str, str]) -> Preview:
    """Compare the renders at the current and the target level with the working tree."""
    current = current_level(project)
    check_level(project, target, current)
    old_root = render_at(project, current, workdir, {})
    new_root = render_at(project, target, workdir, data)
    old_files, new_files = tree_files(old_root), tree_files(new_root)
    result = Preview()
    result.added = sorted(name for name in new_files - old_files if not (project / name).exists())
    for name in sorted(new_files & old_files):
        if not (project / name).is_file():
            continue
        old_lines, new_lines = read_lines(old_root / name), read_lines(new_root / name)
        mine = read_lines(project / name)
        if old_lines is None or new_lines is None or mine is None:
            if (old_root / name).read_bytes() != (new_root / name).read_bytes():
                result.changed[name] = ["Binary file changed\n"]
            continue
        if old_lines == new_lines:
            continue
        result.changed[name] = list(
            difflib.unified_diff(old_lines, new_lines, f"a/{name}", f"b/{name}")
        )
        template_change = changed_ranges(old_lines, new_lines)
        if mine != old_lines and ranges_overlap(changed_ranges(old_lines, mine), template_change):
            result.conflicts.append(name)
    old_answers, new_answers = read_answers(old_root), read_answers(new_root)
    result.new_answers = {
        key: value
        for key, value in new_answers.items()
        if key not in old_answers and not key.startswith("_")
    }
    result.given = set(data) & set(result.new_answers)
    return result


def group_of(name: str) -> str:
    """What an added file is for, by its path."""
    for group, markers in FILE_GROUPS:
        if any(name.startswith(marker) or f"/{marker}" in name for marker in markers):
            return group
    return "other"


def report(result: Preview, target: int, full: bool) -> None:
    """Print the preview: added files by group, diffs, likely conflicts, new questions."""
    print(f"Preview of the upgrade to {level_name(Path.cwd(), target)}; nothing was changed.")
    print(f"\nFiles that would be added ({len(result.added)}):")
    groups: dict[str, list[str]] = {}
    for name in result.added:
        groups.setdefault(group_of(name), []).append(name)
    for group in [*(name for name, _ in FILE_GROUPS), "other"]:
        if group in groups:
            print(f"  {group}:")
            for name in groups[group]:
                print(f"    {name}")
    print(f"\nFiles that would change ({len(result.changed)}):")
    for name, diff in result.changed.items():
        print(f"  {name}")
        shown = diff if full else diff[:PREVIEW_DIFF_LINES]
        for line in shown:
            print(f"    {line.rstrip()}")
        if len(shown) < len(diff):
            print(f"    ... {len(diff) - len(shown)} more lines (--full shows them)")
    print(f"\nLikely conflicts ({len(result.conflicts)}):")
    for name in result.conflicts:
        print(f"  {name}: the template changes lines you edited")
    print(f"\nNew questions at level {target}, and the answers the upgrade will give:")
    for key, value in result.new_answers.items():
        print(f"  {key}: {value}  ({'your DATA' if key in result.given else 'default'})")
    if not result.new_answers:
        print("  none")
    defaulted = [key for key in result.new_answers if key not in result.given]
    if defaulted:
        example = " ".join(f"{key}=..." for key in defaulted)
        print(f'  To choose other values: make upgrade LEVEL={target} DATA="{example}"')
    if result.conflicts:
        print("\nMerge these by hand after `make upgrade`, or prepare them first.")
    else:
        print(f"\nThe upgrade would apply cleanly: make upgrade LEVEL={target}")


def dry_run(project: Path, target: int, full: bool, data: dict[str, str]) -> int:
    """The preview command; returns 0 when the upgrade would apply cleanly, 3 otherwise."""
    with tempfile.TemporaryDirectory(prefix="cica-preview-") as workdir:
        result = preview(project, target, Path(workdir), data)
    report(result, target, full)
    return LIKELY_CONFLICTS_EXIT if result.conflicts else 0


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line: the level to move to, and whether only to preview."""
    parser = argparse.ArgumentParser(
        description="Move this project up the maturity ladder with copier update.",
        epilog="Levels: " + ", ".join(f"{n} {name}" for n, name in ladder(Path.cwd()).items()),
    )
    parser.add_argument(
        "level",
        type=int,
        nargs="?",
        help="the level to move to (1-4); with --release it defaults to the current level",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="show what the upgrade would add, change and conflict with; change nothing",
    )
    parser.add_argument("--full", action="store_true", help="with --dry-run: show whole diffs")
    parser.add_argument(
        "--release",
        metavar="TAG",
        help="update to this release tag of the template (latest: the newest one)",
    )
    parser.add_argument(
        "--report",
        type=Path,
        metavar="FILE",
        help="with --release: write what the update did to FILE as Markdown",
    )
    parser.add_argument(
        "--data",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="answer a question of the new level, such as aws_region=eu-west-1 (repeatable)",
    )
    args = parser.parse_args(argv)
    if args.level is None and not args.release:
        parser.error("the following arguments are required: level")
    if args.release and args.dry_run:
        parser.error("--dry-run previews a level upgrade: leave out --release")
    if args.report and not args.release:
        parser.error("--report goes with --release")
    return args


def report_conflicts(heading: str, conflicts: list[str]) -> None:
    """On stderr: `heading`, each conflicted file, and how to finish."""
    print(f"\n{heading}", file=sys.stderr)
    for conflicted in conflicts:
        print(f"  {conflicted}", file=sys.stderr)
    print(
        "Resolve the <<<<<<< markers and apply or delete each .rej file, "
        "then run `uv lock && make test` and commit.",
        file=sys.stderr,
    )


def release_main(project: Path, args: argparse.Namespace, data: dict[str, str]) -> int:
    """The `make template-update` command: update to a template release, report, exit code."""
    update = release_update(project, args.release, args.level, data)
    level = current_level(project)
    if args.report:
        args.report.write_text(release_report(update, level), encoding="utf-8")
    if not update.due:
        print(f"Already at cica {update.recorded}; the newest release is {update.tag}.")
        return 0
    if update.conflicts:
        report_conflicts(f"The update to cica {update.tag} left conflicts in:", update.conflicts)
        return 1
    print(f"\nUpdated to cica {update.tag} with no conflicts. Review `git diff`, run `make test`.")
    return 0


def main(argv: list[str] | None = None) -> int:
    """The `make upgrade` command; returns its exit code."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    project = Path.cwd()
    try:
        data = check_data(args.data)
        if args.release:
            return release_main(project, args, data)
        if args.dry_run:
            return dry_run(project, args.level, args.full, data)
        conflicts = upgrade(project, args.level, data)
    except UpgradeError as error:
        print(f"upgrade: {error}", file=sys.stderr)
        return error.exit_code
    name = level_name(project, args.level)
    if conflicts:
        report_conflicts(
            f"The upgrade to {name} is not finished: these files have conflicts:", conflicts
        )
        return 1
    print(f"\nUpgraded to {name} with no conflicts. Review `git diff`, run `make test`, commit.")
    if (project / FIRST_DEPLOY_GUIDE).is_file():
        print(f"First deploy to AWS, step by step: {FIRST_DEPLOY_GUIDE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
