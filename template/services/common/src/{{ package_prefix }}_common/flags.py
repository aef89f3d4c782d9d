"""Feature flags from `config/feature-flags.yml`, with per-environment overrides.

File format::

    features:
      enhanced_price_display: {enabled: true, description: "..."}
    environments:
      production:
        override: {enhanced_price_display: false}

The override for the running environment wins over `enabled`. A flag the file
does not name answers the caller's default (logged once per name); a missing
file leaves every flag at its default (logged once).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .settings import SettingsError

log = logging.getLogger(__name__)


class FeatureFlagsError(SettingsError):
    """The flags file exists but cannot be read or has the wrong shape."""


def _bool_map(raw: Any, where: str, path: Path) -> dict[str, bool]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise FeatureFlagsError(f"{path}: {where} must be a mapping of flag names")
    result: dict[str, bool] = {}
    for name, value in raw.items():
        if isinstance(value, Mapping):
            value = value.get("enabled", False)
        if not isinstance(value, bool):
            raise FeatureFlagsError(f"{path}: {where}.{name} must be true or false")
        result[str(name)] = value
    return result


@dataclass
class FeatureFlags:
    """Resolved flag values for one environment."""

    values: dict[str, bool] = field(default_factory=dict)
    environment: str = "local"
    source: Path | None = None
    file_missing: bool = False
    _reported: set[str] = field(default_factory=set, repr=False)

    @classmethod
    def load(cls, path: Path, environment: str) -> FeatureFlags:
        """Read the flags file for `environment`; without the file every flag is at its default."""
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            log.warning(
                "feature flags file not found; every flag is at its default",
                extra={"path": str(path)},
            )
            return cls(environment=environment, source=path, file_missing=True)
        except OSError as exc:
            raise FeatureFlagsError(f"{path}: cannot read feature flags ({exc.strerror})") from None
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            at = f" at line {mark.line + 1}" if mark is not None else ""
            raise FeatureFlagsError(f"{path}: not valid YAML{at}") from None
        if not isinstance(data, Mapping):
            raise FeatureFlagsError(f"{path}: expected a mapping with 'features'")
        values = _bool_map(data.get("features"), "features", path)
        environments = data.get("environments") or {}
        if not isinstance(environments, Mapping):
            raise FeatureFlagsError(f"{path}: environments must be a mapping")
        env_section = environments.get(environment) or {}
        if not isinstance(env_section, Mapping):
            raise FeatureFlagsError(f"{path}: environments.{environment} must be a mapping")
        values.update(
            _bool_map(env_section.get("override"), f"environments.{environment}.override", path)
        )
        return cls(values=values, environment=environment, source=path)

    def is_enabled(self, name: str, default: bool = False) -> bool:
        """Whether flag `name` is on; `default` for a flag the file does not name."""
        if name in self.values:
            return self.values[name]
        if not self.file_missing and name not in self._reported:
            self._reported.add(name)
            log.info(
                "unknown feature flag; using its default",
                extra={"flag": name, "default": default, "flags_file": str(self.source)},
            )
        return default
