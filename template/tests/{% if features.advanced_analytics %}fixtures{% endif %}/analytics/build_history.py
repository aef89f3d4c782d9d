#!/usr/bin/env python3
"""Build the git repository that deployments.jsonl beside this file deploys from.

    uv run python tests/fixtures/analytics/build_history.py DESTINATION

Each commit of commits.json is made at its time by a fixed author with git's own
configuration ignored, so the commits get the same SHAs on every machine; the
build stops (exit 1) when one does not, as the log refers to them by SHA.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
COMMITS = HERE / "commits.json"
LOG = HERE / "deployments.jsonl"


def git(repo: Path, *args: str, date: str = "") -> str:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(repo),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "Fixture Author",
        "GIT_AUTHOR_EMAIL": "author@example.com",
        "GIT_COMMITTER_NAME": "Fixture Author",
        "GIT_COMMITTER_EMAIL": "author@example.com",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
    }
    result = subprocess.run(
        ["git", "-C", str(repo), *args], env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def build(destination: Path) -> list[str]:
    """Create the repository in `destination` (an empty or missing folder); its SHAs."""
    destination.mkdir(parents=True, exist_ok=True)
    git(destination, "init", "-q", "--object-format=sha1", "-b", "main")
    shas = []
    for commit in json.loads(COMMITS.read_text(encoding="utf-8")):
        with (destination / "CHANGES.md").open("a", encoding="utf-8") as changes:
            changes.write(f"- {commit['message']}\n")
        git(destination, "add", "CHANGES.md")
        when = datetime.fromisoformat(commit["time"].replace("Z", "+00:00"))
        date = f"{int(when.timestamp())} +0000"
        git(destination, "commit", "-q", "--no-verify", "-m", commit["message"], date=date)
        sha = git(destination, "rev-parse", "HEAD")
        if sha != commit["sha"]:
            raise SystemExit(f"{commit['message']!r} got {sha}, commits.json says {commit['sha']}")
        shas.append(sha)
    return shas


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: build_history.py DESTINATION")
    target = Path(sys.argv[1])
    if target.exists() and any(target.iterdir()):
        raise SystemExit(f"{target} is not empty")
    build(target)
    print(f"built {target} ({len(json.loads(COMMITS.read_text(encoding='utf-8')))} commits)")
