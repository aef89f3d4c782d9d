"""This project's own facts, read at run time from its files.

The ops commands run from anywhere inside the project: its root is the nearest
folder, from the working directory up, that holds `.copier-answers.yml`. The
answers (slug, region, package prefix) come from that file, the level and the
ladder from `config/evolution.yml`, so no value is baked into the code. Every
problem is a ProjectError whose message is one line naming the file (and the
key), for the commands to print before they exit 2.
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


def read_mapping(path: Path) -> dict[str, Any]:
    """The YAML mapping in `path` ({} when the file is empty)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProjectError(f"{path.name} not found at {path}") from None
    except OSError as error:
        raise ProjectError(f"cannot read {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise ProjectError(f"{path}: {problem}{where}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ProjectError(f"{path} must be a YAML mapping")
    return {str(key): value for key, value in data.items()}


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
    """The project at `root`, read from config/evolution.yml and its answers file."""
    evolution = read_mapping(root / EVOLUTION_FILE)
    answers = read_mapping(root / ANSWERS_FILE)
    ladder = evolution.get("levels")
    if not isinstance(ladder, dict) or not ladder:
        raise ProjectError(f"{EVOLUTION_FILE}: `levels:` is missing: run make upgrade")
    try:
        levels = {
            int(level): (str(entry["name"]), tuple(entry.get("adds") or ()))
            for level, entry in ladder.items()
        }
        slug, prefix = str(answers["project_slug"]), str(answers["package_prefix"])
    except (KeyError, TypeError, ValueError) as error:
        raise ProjectError(f"{root}: {ANSWERS_FILE} or {EVOLUTION_FILE} lacks {error}") from None
    level = evolution.get("current_level")
    if isinstance(level, bool) or level not in levels:
        choices = ", ".join(map(str, levels))
        raise ProjectError(
            f"{EVOLUTION_FILE}: current_level must be one of {choices}, got {level!r}"
        )
    answered = answers.get("maturity_level")
    if answered is not None and answered != level:
        raise ProjectError(
            f"{EVOLUTION_FILE} says current_level {level} but {ANSWERS_FILE} says "
            f"maturity_level {answered}: move levels with make upgrade LEVEL=N, not by hand"
        )
    region = str(answers.get("aws_region") or "")  # asked from level 2 on
    return Project(root, slug, region, prefix, level, levels)


@cache
def current_project() -> Project:
    """The project around the working directory (read once per process)."""
    return load_project(project_root())
