"""The deployment audit trail: one JSON object per line in `.data/deployments.jsonl`."""

from __future__ import annotations

import getpass
import json
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .images import COMMIT_PATTERN


@dataclass(frozen=True)
class DeploymentRecord:
    """What happened to one environment: who did what, to which version, and how it went."""

    environment: str
    action: str
    outcome: str
    version: str
    image_tag: str | None
    commit: str
    who: str
    time: str
    services: dict[str, str] = field(default_factory=dict)
    detail: str = ""

    def to_json(self) -> str:
        """The record as one line of JSON."""
        return json.dumps(asdict(self), separators=(",", ":"), sort_keys=True)


def now_utc() -> str:
    """The current time in UTC, ISO 8601 with a Z, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def who(environ: Mapping[str, str]) -> str:
    """The GitHub user who triggered the workflow, or the local user."""
    for name in ("GITHUB_TRIGGERING_ACTOR", "GITHUB_ACTOR"):
        if environ.get(name):
            return environ[name]
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def commit(environ: Mapping[str, str], image_tag: str | None) -> str:
    """The commit deployed: the workflow's GITHUB_SHA, else an image tag that is a SHA."""
    if environ.get("GITHUB_SHA"):
        return environ["GITHUB_SHA"]
    if image_tag and COMMIT_PATTERN.match(image_tag):
        return image_tag
    return "unknown"


def project_version(pyproject: Path) -> str:
    """`[project] version` of the root pyproject.toml, or "unknown"."""
    try:
        with pyproject.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError):
        return "unknown"
    version = data.get("project", {}).get("version")
    return str(version) if version else "unknown"


def append(path: Path, record: DeploymentRecord) -> None:
    """Add `record` as the last line of `path` (created with its folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(record.to_json() + "\n")
