"""This project's own facts, read at run time from its files.

The ops commands run from anywhere inside the project: its root is the nearest
folder, from the working directory up, that holds `.copier-answers.yml`. The
answers (slug, region, package prefix) come from that file, the level and the
ladder from `config/evolution.yml`, so no value is baked into the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ANSWERS_FILE = ".copier-answers.yml"
EVOLUTION_FILE = "config/evolution.yml"


class ProjectError(Exception):
    """The project's files are missing or do not say what the ops commands need."""


def project_root(start: Path | None = None) -> Path:
    """The nearest folder from `start` (default: the working directory) up with the answers file."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / ANSWERS_FILE).is_file():
            return folder
    raise ProjectError(f"no {ANSWERS_FILE} in {here} or above: run this inside the project")


def _mapping(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ProjectError(f"cannot read {path}: {error}") from None
    if not isinstance(data, dict):
        raise ProjectError(f"{path} must be a YAML mapping")
    return data


@dataclass(frozen=True)
class Project:
    """The answers the project was generated with, and its place on the ladder."""

    root: Path
    slug: str
    region: str
    package_prefix: str
    level: int
    levels: dict[int, tuple[str, tuple[str, ...]]]  # level -> (name, the features it adds)

    def level_name(self, level: int | None = None) -> str:
        """`Basic`, `Automated`... of `level` (default: the project's)."""
        return self.levels[self.level if level is None else level][0]

    def features(self, level: int | None = None) -> dict[str, bool]:
        """Every feature of the ladder: on when `level` (default: the project's) has it."""
        at = self.level if level is None else level
        return {
            feature: first <= at for first, (_, adds) in self.levels.items() for feature in adds
        }

    def has(self, feature: str) -> bool:
        """Whether the project's level has `feature` (such as production_deployment)."""
        return self.features().get(feature, False)


def load_project(root: Path) -> Project:
    """The project at `root`, read from its answers file and config/evolution.yml."""
    answers = _mapping(root / ANSWERS_FILE)
    evolution = _mapping(root / EVOLUTION_FILE)
    ladder = evolution.get("levels")
    if not isinstance(ladder, dict) or not ladder:
        raise ProjectError(f"{root / EVOLUTION_FILE}: `levels:` is missing: run make upgrade")
    levels = {
        int(level): (str(entry["name"]), tuple(entry.get("adds") or ()))
        for level, entry in ladder.items()
    }
    try:
        return Project(
            root=root,
            slug=str(answers["project_slug"]),
            region=str(answers.get("aws_region") or ""),  # asked from level 2 on
            package_prefix=str(answers["package_prefix"]),
            level=int(evolution["current_level"]),
            levels=levels,
        )
    except (KeyError, ValueError) as error:
        raise ProjectError(f"{root}: the answers or config/evolution.yml lack {error}") from None


@cache
def current_project() -> Project:
    """The project around the working directory (read once per process)."""
    return load_project(project_root())
