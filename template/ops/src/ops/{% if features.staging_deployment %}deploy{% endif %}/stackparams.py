"""Parameters of an app stack update: the committed file, plus what only AWS knows.

`aws cloudformation deploy --parameter-overrides file://...` takes the file as it is.
Two values must not come from a committed file: the image tag (the one running now,
so that a stack update never rolls the services back to an older image) and, until
the bot's token is in Secrets Manager, a bot desired count of 0 (a bot without its
token exits at once, and the stack would wait for it in vain).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ops.project import project_root

from .errors import ConfigError

PLACEHOLDERS = {
    "DomainName": ("example.com", "example.org", "example.net"),
    "CertificateArn": (":123456789012:", "00000000-0000-0000-0000-000000000000"),
}


@dataclass(frozen=True)
class StackParameters:
    """The values to deploy, and notes for the person deploying them."""

    values: dict[str, str]
    notes: tuple[str, ...]

    def to_json(self) -> str:
        """The CodePipeline-style file that `aws cloudformation deploy` reads."""
        return json.dumps({"Parameters": self.values}, indent=2, sort_keys=True) + "\n"


def default_path(environment: str) -> Path:
    """infrastructure/aws/parameters/ENVIRONMENT.json of the project."""
    return project_root() / "infrastructure" / "aws" / "parameters" / f"{environment}.json"


def load(path: Path) -> dict[str, str]:
    """The `Parameters` object of a parameter file, values as strings."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path} not found") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path} is not valid JSON: {exc}") from None
    parameters = data.get("Parameters") if isinstance(data, dict) else None
    if not isinstance(parameters, dict):
        raise ConfigError(f'{path} must be a JSON object with a "Parameters" object in it')
    bad = [key for key, value in parameters.items() if isinstance(value, dict | list)]
    if bad:
        raise ConfigError(f"{path}: {', '.join(bad)} must be strings, numbers or booleans")
    return {
        str(key): str(value).lower() if isinstance(value, bool) else str(value)
        for key, value in parameters.items()
    }


def placeholders(values: Mapping[str, str]) -> list[str]:
    """Parameters that still hold the example values of the generated file."""
    return [
        name
        for name, markers in PLACEHOLDERS.items()
        if any(marker in values.get(name, "") for marker in markers)
    ]


def build(
    path: Path,
    environment: str,
    image_tag: str,
    bot_can_start: bool,
) -> StackParameters:
    """The parameters to deploy: the file's, `image_tag`, and the bot held at 0 tasks
    unless `bot_can_start` (its token is in Secrets Manager)."""
    values = load(path)
    named = values.get("EnvironmentName", environment)
    if named != environment:
        raise ConfigError(f"{path} is for EnvironmentName {named}, not {environment}")
    values["EnvironmentName"] = environment
    left = placeholders(values)
    if left:
        raise ConfigError(
            f"{path}: {' and '.join(left)} still hold the example values; set your "
            "domain and its ACM certificate (docs/deployment/aws.md)"
        )
    values["ImageTag"] = image_tag
    notes = []
    if not bot_can_start and values.get("TelegramBotDesiredCount", "1") != "0":
        values["TelegramBotDesiredCount"] = "0"
        notes.append(
            "the bot's token is not in Secrets Manager yet: the bot stays at 0 tasks; "
            "put the token there (docs/deployment/aws.md), then run this again"
        )
    return StackParameters(values, tuple(notes))
