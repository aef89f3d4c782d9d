"""Deterministic percentage rollouts and A/B variant assignment, and the flags file's schema.

A subject (a Telegram user id, say) falls in a bucket in [0, 1) computed from
SHA-256 of the flag's name, a purpose and the subject, so the answer is the same
in every process, on every machine and after every restart (Python's `hash()`
is salted per process and would not be). The rollout and the variant draw use
different purposes, so who is in a 10% rollout says nothing about their variant.

Pure code: no I/O, no framework beyond pydantic for the schema.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

ENVIRONMENTS = ("local", "staging", "production")
_SCALE = float(1 << 64)

Percentage = Annotated[float, Field(ge=0, le=100, strict=True, allow_inf_nan=False)]
Weight = Annotated[float, Field(ge=0, strict=True, allow_inf_nan=False)]


def bucket(name: str, subject: int | str, purpose: str = "rollout") -> float:
    """Where `subject` falls for flag `name`, uniformly in [0, 1), stable across processes."""
    digest = hashlib.sha256(f"{name}\x1f{purpose}\x1f{subject}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


def in_rollout(name: str, subject: int | str, percentage: float) -> bool:
    """Whether `subject` is in the first `percentage` % of flag `name`'s buckets.

    Raising the percentage only adds subjects: whoever was in stays in.
    """
    return bucket(name, subject, "rollout") * 100 < percentage


def choose_variant(name: str, subject: int | str, weights: Mapping[str, float]) -> str:
    """The variant of experiment `name` for `subject`, drawn with the given relative weights."""
    total = math.fsum(weights.values())
    if total <= 0:
        raise ValueError(f"{name}: variant weights must add up to more than 0")
    point = bucket(name, subject, "variant") * total
    cumulative = 0.0
    chosen = ""
    for variant, weight in weights.items():
        if weight <= 0:
            continue
        chosen = variant
        cumulative += weight
        if point < cumulative:
            return variant
    return chosen  # rounding left `point` at the very top: the last weighted variant


def _variant_names_are_text(value: Any) -> Any:
    if isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str) or not key:
                raise ValueError(
                    f"variant names must be text, not {key!r} (quote on/off/yes/no in YAML)"
                )
    return value


def _some_weight(value: dict[str, float]) -> dict[str, float]:
    if math.fsum(value.values()) <= 0:
        raise ValueError("variant weights must add up to more than 0")
    return value


Variants = Annotated[
    dict[str, Weight], BeforeValidator(_variant_names_are_text), AfterValidator(_some_weight)
]


class FlagSpec(BaseModel):
    """One entry of `features:`.

    A flag with `variants` is an experiment; `rollout_percentage` is the share of
    subjects that get the flag (or enter the experiment) while it is enabled.
    """

    model_config = ConfigDict(extra="forbid")

    enabled: Annotated[bool, Field(strict=True)] = False
    rollout_percentage: Percentage = 100.0
    variants: Variants | None = None
    description: str = ""
    trigger: str = ""


class FlagOverride(BaseModel):
    """What an environment may change of a flag: on/off, its rollout, its variants."""

    model_config = ConfigDict(extra="forbid")

    enabled: Annotated[bool, Field(strict=True)] | None = None
    rollout_percentage: Percentage | None = None
    variants: Variants | None = None


def _as_mapping(value: Any) -> Any:
    """`name: true` is short for `name: {enabled: true}`."""
    return {"enabled": value} if isinstance(value, bool) else value


def _short_forms(value: Any) -> Any:
    """A section of flags (or nothing), with each `name: true|false` spelled out."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return {key: _as_mapping(item) for key, item in value.items()}
    return value


class EnvironmentSection(BaseModel):
    """`environments.<name>`: the overrides of one environment."""

    model_config = ConfigDict(extra="forbid")

    override: dict[str, FlagOverride] = Field(default_factory=dict)

    @field_validator("override", mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        return _short_forms(value)


class FlagsDocument(BaseModel):
    """The whole `config/feature-flags.yml`."""

    model_config = ConfigDict(extra="forbid")

    features: dict[str, FlagSpec] = Field(default_factory=dict)
    environments: dict[str, EnvironmentSection] = Field(
        default_factory=dict, json_schema_extra={"propertyNames": {"enum": list(ENVIRONMENTS)}}
    )

    @field_validator("features", mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        return _short_forms(value)

    @field_validator("environments", mode="before")
    @classmethod
    def _known_environments(cls, value: Any) -> Any:
        if value is None:
            return {}
        if isinstance(value, Mapping):
            for key in value:
                if key not in ENVIRONMENTS:
                    raise ValueError(
                        f"unknown environment {key!r} (expected {', '.join(ENVIRONMENTS)})"
                    )
            return {key: item if item is not None else {} for key, item in value.items()}
        return value

    def resolve(self, environment: str) -> dict[str, FlagSpec]:
        """Every flag with `environment`'s overrides applied; ValueError for a bad name."""
        if environment not in ENVIRONMENTS:
            raise ValueError(
                f"unknown environment {environment!r} (expected {', '.join(ENVIRONMENTS)})"
            )
        resolved = dict(self.features)
        section = self.environments.get(environment)
        for name, override in (section.override if section else {}).items():
            base = resolved.get(name, FlagSpec())
            changes = override.model_dump(exclude_none=True)
            resolved[name] = base.model_copy(update=changes)
        return resolved


def flags_json_schema() -> dict[str, Any]:
    """The JSON Schema of a flags document in its spelled-out form (`model_dump`), which
    AWS AppConfig checks each published configuration against.

    Titles and descriptions are left out: the models' docstrings say those.
    """
    schema: dict[str, Any] = _without_annotations(FlagsDocument.model_json_schema())
    return schema


def _without_annotations(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: _without_annotations(value)
            for key, value in node.items()
            if not (key in ("title", "description") and isinstance(value, str))
        }
    if isinstance(node, list):
        return [_without_annotations(value) for value in node]
    return node


FLAG_MAPS = ("features", "override")
_MESSAGES = {
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping",
    "model_attributes_type": "must be a mapping",
    "extra_forbidden": "is not a known key",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "string_type": "must be text",
}


def describe_error(error: ValidationError) -> str:
    """The first problem of a validation report as `where: what` on one line."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    kind = first["type"]
    if kind in ("greater_than_equal", "less_than_equal") and "rollout_percentage" in where:
        what = "must be a number from 0 to 100"
    elif kind == "greater_than_equal":
        what = "must not be negative"
    elif kind == "model_type" and len(first["loc"]) >= 2 and first["loc"][-2] in FLAG_MAPS:
        what = "must be true, false or a mapping"
    elif kind == "value_error":
        what = str(first["ctx"]["error"]) if "ctx" in first else first["msg"]
    else:
        what = _MESSAGES.get(kind, first["msg"])
    if kind == "extra_forbidden":
        known = "enabled, rollout_percentage, variants, description, trigger"
        if where.startswith("environments.") and ".override." in where:
            known = "enabled, rollout_percentage, variants"
        elif where.startswith("environments."):
            known = "override"
        elif "." not in where:
            known = "features, environments"
        what = f"{what} (expected {known})"
    if not where:
        return what
    return f"{where}: {what}" if kind == "value_error" else f"{where} {what}"
