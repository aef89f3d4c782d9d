"""Feature flags from `config/feature-flags.yml`: on/off, percentage rollouts and experiments.

File format::

    features:
      enhanced_price_display: {enabled: true, description: "..."}
      price_display_experiment:
        enabled: true
        rollout_percentage: 100        # share of users in it (default 100)
        variants: {compact: 50, detailed: 50}
    environments:
      production:
        override:
          enhanced_price_display: false
          price_display_experiment: {rollout_percentage: 10}

An environment's override (a bool, or any of `enabled`, `rollout_percentage`,
`variants`) wins over the flag's own fields. A flag the file does not name
answers the caller's default (logged once per name); a missing file leaves every
flag at its default (logged once). Assignment to rollouts and variants is
deterministic per subject: see `experiments`.

`FeatureFlags` is one reading of the rules. The services evaluate flags through
OpenFeature (`openfeature_flags`), whose providers keep such a reading current:
the file, reread when it changes (`flag_providers`), or AWS AppConfig
(`appconfig_flags`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml
from pydantic import ValidationError

from .experiments import FlagsDocument, FlagSpec, choose_variant, describe_error, in_rollout
from .settings import SettingsError

log = logging.getLogger(__name__)


class FeatureFlagsError(SettingsError):
    """The flags file exists but cannot be read or has the wrong shape."""


class FlagReader(Protocol):
    """What the services ask of feature flags: on/off, per-subject rollouts, variants."""

    def is_enabled(self, name: str, default: bool = False) -> bool:
        """Whether flag `name` is on, `default` when it is not defined."""

    def is_enabled_for(self, name: str, subject: int | str, default: bool = False) -> bool:
        """Whether flag `name` is on for `subject` (within its rollout percentage)."""

    def variant(self, name: str, subject: int | str) -> str | None:
        """The variant of experiment `name` for `subject`; None when not in it."""


def read_document(text: str, source: Path | str) -> FlagsDocument:
    """The flags document in `text` (YAML, or JSON, which is YAML too); one-line errors."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise FeatureFlagsError(f"{source}: not valid YAML{at}") from None
    return check_document(data, source)


def check_document(data: Any, source: Path | str) -> FlagsDocument:
    """`data` (a parsed flags file) checked against the model; one-line errors."""
    if not isinstance(data, Mapping):
        raise FeatureFlagsError(f"{source}: expected a mapping with 'features'")
    try:
        return FlagsDocument.model_validate(data)
    except ValidationError as exc:
        raise FeatureFlagsError(f"{source}: {describe_error(exc)}") from None


def as_configuration(document: FlagsDocument) -> str:
    """`document` spelled out as JSON: what AWS AppConfig stores and validates with
    `experiments.flags_json_schema()`, and what `parse_flags` reads back as the same rules."""
    return json.dumps(document.model_dump(mode="json"), indent=2, sort_keys=True) + "\n"


def parse_flags(text: str, environment: str, source: Path | str) -> dict[str, FlagSpec]:
    """The flags of a flags file's `text` as `environment` sees them; one-line errors."""
    document = read_document(text, source)
    try:
        return document.resolve(environment)
    except ValueError as exc:
        raise FeatureFlagsError(f"{source}: {exc}") from None


@dataclass
class FeatureFlags:
    """Resolved flags for one environment.

    `values` is each flag's on/off; `specs` adds rollout percentages and variants.
    """

    values: dict[str, bool] = field(default_factory=dict)
    environment: str = "local"
    source: Path | str | None = None
    file_missing: bool = False
    specs: dict[str, FlagSpec] = field(default_factory=dict)
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
        return cls.parse(text, environment, path)

    @classmethod
    def parse(cls, text: str, environment: str, source: Path | str) -> FeatureFlags:
        """The flags in `text` (a flags file's content) for `environment`; `source` names it."""
        specs = parse_flags(text, environment, source)
        return cls(
            values={name: spec.enabled for name, spec in specs.items()},
            environment=environment,
            source=source,
            specs=specs,
        )

    def knows(self, name: str, default: bool = False) -> bool:
        """Whether the rules define flag `name` (an unknown name is logged once)."""
        return self._known(name, default)

    def _known(self, name: str, default: bool) -> bool:
        if name in self.values:
            return True
        if not self.file_missing and name not in self._reported:
            self._reported.add(name)
            log.info(
                "unknown feature flag; using its default",
                extra={"flag": name, "default": default, "flags_file": str(self.source)},
            )
        return False

    def is_enabled(self, name: str, default: bool = False) -> bool:
        """Whether flag `name` is on (for anyone); `default` for a flag the file does not name."""
        if not self._known(name, default):
            return default
        return self.values[name]

    def is_enabled_for(self, name: str, subject: int | str, default: bool = False) -> bool:
        """Whether flag `name` is on for `subject`: enabled, and `subject` within its rollout."""
        if not self._known(name, default):
            return default
        if not self.values[name]:
            return False
        spec = self.specs.get(name)
        return spec is None or in_rollout(name, subject, spec.rollout_percentage)

    def variant(self, name: str, subject: int | str) -> str | None:
        """The variant of experiment `name` that `subject` sees; None when `subject` is not in it.

        None also when the experiment is off, not defined, or has no variants.
        """
        spec = self.specs.get(name)
        if spec is None or not spec.variants or not self.is_enabled_for(name, subject):
            return None
        return choose_variant(name, subject, spec.variants)
