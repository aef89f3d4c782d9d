#!/usr/bin/env python3
"""Set the next release's version and write its CHANGELOG.md section from the commits.

    python3 scripts/release/bump_version.py                    # version from the commits
    python3 scripts/release/bump_version.py --branch release/1.4.0
    python3 scripts/release/bump_version.py --version 2.0.0 --dry-run

The commits since the highest `vX.Y.Z` tag decide the version, by Conventional
Commits: a breaking change (`feat!:`, `fix(api)!:` or a `BREAKING CHANGE:` footer)
bumps the major version (the minor one while it is 0), a `feat` the minor one,
anything else the patch. A version in the branch name (`release/1.4.0`,
`hotfix/1.4.1`) or `--version` wins over that. Without any tag, the first release
is the version pyproject.toml holds.

It writes the version into the root pyproject.toml and every services/*/pyproject.toml
(then `uv lock --offline`, when there is a uv.lock), and puts the version's section
at the top of CHANGELOG.md: Breaking changes, Features, Bug fixes, Performance and
Other changes, one line per commit (merges and earlier release commits left out).
Running it again for the same version adds the commits the section lacks, so fixes
made on the release branch join it; lines reworded by hand stay as they are (a line
is known by its short SHA, and `<!-- abc1234 -->` keeps a commit out).

Prints `version=`, `previous=`, `tag=` and `changed=` lines (appended to
--github-output for GitHub Actions). Exit codes: 0 done (or nothing to change);
1 nothing to release (no commit since the last tag); 2 bad arguments or repository.
Standard library only.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import NoReturn

EXIT_OK, EXIT_NOTHING, EXIT_USAGE = 0, 1, 2
PROG = "bump_version.py"

SEMVER = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)$")
BRANCH_VERSION = re.compile(r"^(?:release|hotfix)/v?(\d+\.\d+\.\d+)$")
HEADER = re.compile(r"^(?P<type>[A-Za-z]+)(?:\((?P<scope>[^()]*)\))?(?P<bang>!)?: (?P<text>.+)$")
BREAKING_FOOTER = re.compile(r"^BREAKING[ -]CHANGE: ", re.MULTILINE)
VERSION_LINE = re.compile(r'^(version\s*=\s*)"([^"]*)"', re.MULTILINE)
SECTION = re.compile(r"^## \[(?P<version>[^\]]+)\]", re.MULTILINE)
RELEASE_SECTION = re.compile(r"^## \[\d", re.MULTILINE)

GROUPS = (
    ("breaking", "Breaking changes"),
    ("feat", "Features"),
    ("fix", "Bug fixes"),
    ("perf", "Performance"),
    ("other", "Other changes"),
)
CHANGELOG_INTRO = """\
# Changelog

All notable changes are recorded here. Versions follow
[Semantic Versioning](https://semver.org/spec/v2.0.0.html).
"""


class UsageError(Exception):
    """Bad arguments or repository (exit 2); `str()` is one line."""


class NothingToReleaseError(Exception):
    """No commit since the last release (exit 1)."""


@dataclass(frozen=True, order=True)
class Version:
    """A MAJOR.MINOR.PATCH version."""

    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> Version | None:
        """`1.4.0` or `v1.4.0` as a Version; None for anything else."""
        match = SEMVER.match(text.strip())
        if not match:
            return None
        major, minor, patch = (int(part) for part in match.groups())
        return cls(major, minor, patch)

    def bump(self, level: str) -> Version:
        """The next version at `level`: major, minor or patch."""
        if level == "major":
            return Version(self.major + 1, 0, 0)
        if level == "minor":
            return Version(self.major, self.minor + 1, 0)
        return Version(self.major, self.minor, self.patch + 1)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


@dataclass(frozen=True)
class Commit:
    """One commit since the last release, read as a Conventional Commit if it is one."""

    sha: str
    subject: str
    body: str

    @property
    def header(self) -> re.Match[str] | None:
        """The `type(scope)!: text` parts of the subject, if it has them."""
        return HEADER.match(self.subject)

    @property
    def kind(self) -> str:
        """The commit type in lower case (`feat`, `fix`, ...), or "" if not conventional."""
        return self.header["type"].lower() if self.header else ""

    @property
    def breaking(self) -> bool:
        """Whether the commit says it breaks compatibility."""
        return bool((self.header and self.header["bang"]) or BREAKING_FOOTER.search(self.body))

    @property
    def is_release(self) -> bool:
        """A version bump made by this script (`chore(release): ...`)."""
        header = self.header
        return bool(header and self.kind == "chore" and header["scope"] == "release")

    @property
    def group(self) -> str:
        """The changelog group of the commit."""
        if self.breaking:
            return "breaking"
        return self.kind if self.kind in ("feat", "fix", "perf") else "other"

    def line(self) -> str:
        """The changelog line: `- **scope:** text (sha)`."""
        header = self.header
        text = header["text"] if header else self.subject
        scope = f"**{header['scope']}:** " if header and header["scope"] else ""
        text = text.strip().replace("<", "\\<").replace(">", "\\>")
        return f"- {scope}{text} ({self.sha[:7]})"


def level_of(commits: Iterable[Commit], current: Version) -> str:
    """The bump the commits call for."""
    commits = list(commits)
    if any(commit.breaking for commit in commits):
        return "major" if current.major > 0 else "minor"
    if any(commit.kind == "feat" for commit in commits):
        return "minor"
    return "patch"


# ----------------------------------------------------------------------- git
def git(root: Path, *args: str) -> str:
    """Run git in `root`; its output, or a UsageError with git's first error line."""
    try:
        result = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=60, check=False
        )
    except FileNotFoundError:
        raise UsageError("git is not installed") from None
    if result.returncode != 0:
        first = (result.stderr.strip().splitlines() or ["failed"])[0]
        raise UsageError(f"git {args[0]}: {first}")
    return result.stdout


def last_release(root: Path) -> tuple[str, Version] | None:
    """The highest `vX.Y.Z` tag and its version, or None before the first release."""
    tagged = []
    for tag in git(root, "tag", "--list", "v*").split():
        version = Version.parse(tag)
        if version is not None and tag.startswith("v"):
            tagged.append((version, tag))
    if not tagged:
        return None
    version, tag = max(tagged)
    return tag, version


def commits_since(root: Path, tag: str | None) -> list[Commit]:
    """Commits on HEAD since `tag` (all without one), oldest first, without merges."""
    revision = f"{tag}..HEAD" if tag else "HEAD"
    output = git(root, "log", "--no-merges", "--reverse", "--format=%H%x1f%s%x1f%b%x1e", revision)
    commits = []
    for entry in output.split("\x1e"):
        parts = entry.strip("\n").split("\x1f")
        if len(parts) == 3 and parts[0]:
            commits.append(Commit(parts[0], parts[1], parts[2]))
    return commits


# --------------------------------------------------------------------- files
def project_version(path: Path) -> str:
    """`[project] version` of a pyproject.toml."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path} not found: run this from the project's root") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path} is not valid TOML: {exc}") from None
    version = data.get("project", {}).get("version")
    if not isinstance(version, str):
        raise UsageError(f"{path} has no [project] version")
    return version


def with_version(text: str, version: str) -> str:
    """pyproject.toml text with `version` in its [project] table (and nowhere else)."""
    start = re.search(r"^\[project\]\s*$", text, re.MULTILINE)
    if start is None:
        return text
    end = re.search(r"^\[", text[start.end() :], re.MULTILINE)
    stop = start.end() + end.start() if end else len(text)
    table = VERSION_LINE.sub(lambda m: f'{m[1]}"{version}"', text[start.end() : stop], count=1)
    return text[: start.end()] + table + text[stop:]


def pyprojects(root: Path) -> list[Path]:
    """The root pyproject.toml and the services'."""
    return [root / "pyproject.toml", *sorted((root / "services").glob("*/pyproject.toml"))]


PLACEHOLDER = "No user-visible changes."


def section(version: Version, commits: Sequence[Commit], day: date) -> str:
    """A new CHANGELOG.md section of `version`."""
    header = f"## [{version}] - {day.isoformat()}"
    return merged_section(f"{header}\n\n{PLACEHOLDER}\n", commits)


def merged_section(text: str, commits: Sequence[Commit]) -> str:
    """A section with a line for each commit it does not mention yet, in its group.

    Lines are known by their short SHA: wording edited by hand stays, and a commit
    named in an HTML comment (`<!-- abc1234 -->`) stays out.
    """
    preamble: list[str] = []
    blocks: list[tuple[str, list[str]]] = []
    for line in text.rstrip("\n").split("\n"):
        if line.startswith("### "):
            blocks.append((line[4:].strip(), []))
        elif blocks:
            blocks[-1][1].append(line)
        else:
            preamble.append(line)
    order = [title for _, title in GROUPS]
    added = False
    for group, title in GROUPS:
        missing = [c.line() for c in commits if c.group == group and c.sha[:7] not in text]
        if not missing:
            continue
        added = True
        found = next((i for i, (name, _) in enumerate(blocks) if name == title), None)
        if found is None:
            later = order[order.index(title) + 1 :]
            where = next((i for i, (name, _) in enumerate(blocks) if name in later), len(blocks))
            blocks.insert(where, (title, missing))
        else:
            blocks[found] = (title, _trimmed(blocks[found][1]) + missing)
    if not added:
        return text.rstrip("\n") + "\n"
    preamble = [line for line in preamble if line.strip() != PLACEHOLDER]
    lines = _trimmed(preamble)
    for title, body in blocks:
        lines += ["", f"### {title}", "", *_trimmed(body)]
    return "\n".join(lines) + "\n"


def _trimmed(lines: list[str]) -> list[str]:
    """`lines` without blank lines at either end (blank ones inside are kept)."""
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def with_release(changelog: str, version: Version, commits: Sequence[Commit], day: date) -> str:
    """CHANGELOG.md text with the section of `version`: completed if it exists, else new
    (above the earlier releases, below an `Unreleased` section)."""
    changelog = changelog or CHANGELOG_INTRO
    for match in SECTION.finditer(changelog):
        if match["version"] == str(version):
            following = SECTION.search(changelog, match.end())
            stop = following.start() if following else len(changelog)
            old = changelog[match.start() : stop].rstrip("\n") + "\n"
            new = merged_section(old, commits)
            if new == old:
                return changelog
            return changelog[: match.start()] + new + "\n" * bool(following) + changelog[stop:]
    text = section(version, commits, day)
    first = RELEASE_SECTION.search(changelog)
    if first is None:
        return changelog.rstrip("\n") + "\n\n" + text
    return changelog[: first.start()] + text + "\n" + changelog[first.start() :]


def update_lock(root: Path) -> str:
    """Bring uv.lock's own package versions in step; a note for the user, or "".

    Offline first (from uv's cache); a runner with an empty cache asks the index,
    which changes nothing else: the locked versions are kept.
    """
    if not (root / "uv.lock").exists():
        return ""
    for command in (["uv", "lock", "--offline"], ["uv", "lock"]):
        try:
            result = subprocess.run(
                command, cwd=root, capture_output=True, text=True, timeout=300, check=False
            )
        except FileNotFoundError:
            return "uv is not installed: run `uv lock` before committing"
        if result.returncode == 0:
            return ""
    return "`uv lock` failed: run it before committing"


# ---------------------------------------------------------------------- plan
@dataclass(frozen=True)
class Release:
    """What this run decided."""

    version: Version
    previous: str
    suggested: Version
    commits: tuple[Commit, ...]


def plan(root: Path, explicit: str | None, branch: str | None) -> Release:
    """The version to release and the commits that go into its section."""
    tagged = last_release(root)
    tag = tagged[0] if tagged else None
    commits = tuple(c for c in commits_since(root, tag) if not c.is_release)
    current = Version.parse(project_version(root / "pyproject.toml"))
    if tagged:
        if not commits:
            raise NothingToReleaseError(f"no commits since {tag}: nothing to release")
        suggested = tagged[1].bump(level_of(commits, tagged[1]))
    elif current is not None:
        suggested = current
    else:
        raise UsageError("pyproject.toml's version is not MAJOR.MINOR.PATCH: pass --version")
    requested = explicit
    if requested is None and branch:
        named = BRANCH_VERSION.match(branch.removeprefix("refs/heads/"))
        requested = named[1] if named else None
    version = suggested
    if requested is not None:
        parsed = Version.parse(requested)
        if parsed is None:
            raise UsageError(f"{requested!r} is not a version such as 1.4.0")
        if tagged and parsed <= tagged[1]:
            raise UsageError(f"{parsed} is not above the last release {tag}")
        version = parsed
    return Release(version, tag or "none", suggested, commits)


def apply(root: Path, release: Release, day: date | None, lock: bool) -> tuple[list[Path], str]:
    """Write the version and the changelog section; the files changed and a note.

    A section written before keeps its date and its lines; `day` dates a new one.
    """
    changed = []
    for path in pyprojects(root):
        text = path.read_text(encoding="utf-8")
        updated = with_version(text, str(release.version))
        if updated != text:
            path.write_text(updated, encoding="utf-8")
            changed.append(path)
    changelog = root / "CHANGELOG.md"
    old = changelog.read_text(encoding="utf-8") if changelog.exists() else ""
    day = day or datetime.now(UTC).date()
    new = with_release(old, release.version, release.commits, day)
    if new != old:
        changelog.write_text(new, encoding="utf-8")
        changed.append(changelog)
    note = update_lock(root) if lock and any(p.name == "pyproject.toml" for p in changed) else ""
    return changed, note


# ----------------------------------------------------------------------- CLI
class OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line (exit 2)."""

    def error(self, message: str) -> NoReturn:
        """Exit 2 with `message` on one line."""
        self.exit(EXIT_USAGE, f"{PROG}: error: {message} (see --help)\n")


def iso_day(value: str) -> date:
    """An argparse type: a YYYY-MM-DD date."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date such as 2026-08-20") from None


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = OneLineParser(
        prog=PROG,
        description="Set the next version and write its CHANGELOG.md section from the commits.",
        epilog="Exit codes: 0 done; 1 nothing to release; 2 bad arguments or repository.",
    )
    parser.add_argument("--version", help="release this version instead of the computed one")
    parser.add_argument(
        "--branch", help="the branch; release/X.Y.Z or hotfix/X.Y.Z name the version"
    )
    parser.add_argument(
        "--date",
        type=iso_day,
        help="the date of a new section (default: today, UTC)",
    )
    parser.add_argument("--dry-run", action="store_true", help="print, change nothing")
    parser.add_argument("--no-lock", action="store_true", help="leave uv.lock alone")
    parser.add_argument("--github-output", type=Path, help="append the outputs to this file")
    return parser


def main(argv: Sequence[str] | None = None, root: Path | None = None) -> int:
    """Run it; return the exit code."""
    args = build_parser().parse_args(argv)
    root = root or Path.cwd()
    try:
        release = plan(root, args.version, args.branch)
        if args.dry_run:
            changed: list[Path] = []
            note = "dry run: nothing written"
        else:
            changed, note = apply(root, release, args.date, lock=not args.no_lock)
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except NothingToReleaseError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_NOTHING
    print(
        f"release {release.version} (last release {release.previous}, "
        f"{len(release.commits)} commit{'s' * (len(release.commits) != 1)}; "
        f"the commits suggest {release.suggested})",
        file=sys.stderr,
    )
    for path in changed:
        print(f"  updated {path.relative_to(root)}", file=sys.stderr)
    if note:
        print(f"  note: {note}", file=sys.stderr)
    outputs = (
        f"version={release.version}\nprevious={release.previous}\n"
        f"tag=v{release.version}\nchanged={'true' if changed else 'false'}\n"
    )
    if args.github_output:
        with args.github_output.open("a", encoding="utf-8") as handle:
            handle.write(outputs)
    else:
        sys.stdout.write(outputs)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
