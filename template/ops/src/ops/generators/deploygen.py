"""Each service's environment file for staging or production.

From ``config/<environment>.env`` (or the committed ``config/<environment>.env.example``):
the non-secret settings, split per service by its ``# --- <service>`` sections, and the
names of the secrets (``# NAME  AWS Secrets Manager: <name>``), which must be there but
are never written. Every value is checked by the services' own settings classes, and
what a deployment needs besides; each problem is one line, and any problem means exit
code 2. The task definitions themselves are the app stack's
(infrastructure/aws/cloudformation/app.yml).
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ops.project import ProjectError, load_project

# Each service's settings class: its rules check the values (services/*/src/*/settings.py).
MODELS = {
    "market-data": ("market_data", "MarketDataSettings"),
    "telegram-bot": ("telegram_bot", "BotSettings"),
}
ENVIRONMENTS = ("staging", "production")
# What a deployment must set, though the services have defaults for local runs.
REQUIRED = (
    "ENVIRONMENT",
    "MARKET_DATA_PORT",
    "MARKET_DATA_PROVIDER",
    "BOT_PORT",
    "BOT_MODE",
    "MARKET_DATA_URL",
)
_SECTION = re.compile(r"^#\s*---\s*(.+?)\s*$")
# `# TELEGRAM_BOT_TOKEN  AWS Secrets Manager: slug/staging/telegram-bot-token`
_SECRET = re.compile(r"^#\s*([A-Z][A-Z0-9_]*)\s+AWS Secrets Manager:")
_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


class DeploymentError(Exception):
    """Invalid or missing values; one line per problem (exit code 2)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class EnvFile:
    """A parsed config/<environment>.env: shared and per-service values, secrets, line numbers."""

    path: Path
    shared: dict[str, str] = field(default_factory=dict)
    per_service: dict[str, dict[str, str]] = field(default_factory=dict)
    secrets: set[str] = field(default_factory=set)  # the secrets' variable names
    lines: dict[str, int] = field(default_factory=dict)  # variable -> line number

    def for_service(self, service: str) -> dict[str, str]:
        """The variables one service gets: the shared ones, then its own section's."""
        return {**self.shared, **self.per_service.get(service, {})}

    def value(self, name: str) -> str | None:
        """The value of `name` in any section; None when it is not set."""
        for values in (self.shared, *self.per_service.values()):
            if name in values:
                return values[name]
        return None


def parse_env_file(path: Path) -> EnvFile:
    """KEY=value lines; `# --- <service>` starts that service's section."""
    parsed = EnvFile(path)
    section = ""
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        heading = _SECTION.match(line)
        if heading:
            section = heading[1].lower()
            continue
        secret = _SECRET.match(line)
        if secret:
            parsed.secrets.add(secret[1])
            continue
        if not line or line.startswith("#"):
            continue
        assignment = _ASSIGNMENT.match(line)
        if assignment is None:
            raise DeploymentError([f"{path}:{number}: expected KEY=value, got {line!r}"])
        name, value = assignment[1], assignment[2].strip().strip("'\"")
        target = parsed.per_service.setdefault(section, {}) if section in MODELS else parsed.shared
        target[name] = value
        parsed.lines[name] = number
    return parsed


def environment_file(root: Path, environment: str) -> Path:
    """config/<environment>.env, else its .env.example; DeploymentError without either."""
    for name in (f"config/{environment}.env", f"config/{environment}.env.example"):
        if (root / name).is_file():
            return root / name
    raise DeploymentError(
        [
            f"config/{environment}.env.example not found: deployments to AWS start at level 2 "
            "(make upgrade LEVEL=2)"
        ]
    )


def settings_models(root: Path) -> dict[str, Any]:
    """Each service's settings class, from the packages of the project at `root`."""
    try:
        prefix = load_project(root).package_prefix
        return {
            service: getattr(importlib.import_module(f"{prefix}_{package}.settings"), name)
            for service, (package, name) in MODELS.items()
        }
    except (ProjectError, ImportError, AttributeError) as error:
        raise DeploymentError([f"cannot load the services' settings: {error}"]) from None


def validate_settings(env: EnvFile, environment: str, models: dict[str, Any]) -> list[str]:
    """One message per invalid or missing setting: what a deployment needs, then what
    the services' own settings classes refuse (their rules, not a copy of them)."""
    problems = [f"{env.path.name}: {name} is required" for name in REQUIRED if not env.value(name)]
    value = env.value("ENVIRONMENT")
    if value in ENVIRONMENTS and value != environment:
        wrong = f"ENVIRONMENT is {value!r}, not {environment!r}"
        problems.append(f"{where(env, 'ENVIRONMENT')}: {wrong}")
    webhook = env.value("BOT_MODE") == "webhook"
    for secret in ["TELEGRAM_BOT_TOKEN", *(["TELEGRAM_WEBHOOK_SECRET"] if webhook else [])]:
        if secret not in env.secrets:
            problems.append(f"{env.path.name}: the secret {secret} is not named")
    refused: dict[str, str] = {}  # variable -> the first refusal (shared ones are checked twice)
    for service, model in models.items():
        values = {name.lower(): value for name, value in env.for_service(service).items()}
        try:
            model.model_validate(values)
        except ValidationError as error:
            for item in error.errors():
                refused.setdefault(*refusal(env, model, item))
    return problems + list(refused.values())


def refusal(env: EnvFile, model: Any, error: Any) -> tuple[str, str]:
    """The variable a settings class refused, and one line: where, and what it accepts."""
    name = str(error["loc"][0]).upper() if error["loc"] else "settings"
    info = model.model_fields.get(name.lower())
    if info is None or not info.description:
        return name, f"{where(env, name)}: {name}: {error['msg']}"
    shown = f" (got {error['input']!r})" if isinstance(error["input"], str) else ""
    return name, f"{where(env, name)}: {name} must be {info.description}{shown}"


def where(env: EnvFile, name: str) -> str:
    """`file:line` of the variable `name`, or the file's name when it is not set."""
    line = env.lines.get(name)
    return f"{env.path.name}:{line}" if line else env.path.name


def render_env(env: EnvFile, environment: str, service: str) -> str:
    """A service's environment file: its non-secret variables, sorted."""
    values = env.for_service(service)
    lines = [
        f"# {service} in {environment}: generated by "
        f"scripts/generators/generate-deployment.py from {env.path.name}.",
        "# Secrets are not here: the task definition reads them from AWS Secrets Manager.",
        *[f"{name}={value}" for name, value in sorted(values.items())],
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None, root: Path | None = None) -> int:
    """The `generate-deployment` command; returns its exit code (2: a missing or bad value)."""
    root = root or Path.cwd()
    parser = argparse.ArgumentParser(
        prog="generate-deployment.py",
        description=(
            "Render each service's environment file for staging or production from "
            "config/<environment>.env(.example), checking every value."
        ),
        epilog="exit codes: 0 written, 2 a value is missing or invalid (one line each).",
    )
    parser.add_argument("--environment", required=True, choices=ENVIRONMENTS)
    parser.add_argument("--output-dir", type=Path, help="default: build/deployment/<environment>")
    args = parser.parse_args(argv)
    output = args.output_dir or root / "build" / "deployment" / args.environment
    try:
        env = parse_env_file(environment_file(root, args.environment))
        problems = validate_settings(env, args.environment, settings_models(root))
    except DeploymentError as error:
        problems = error.problems
    for problem in problems:
        print(f"generate-deployment: {problem}", file=sys.stderr)
    if problems:
        return 2
    output.mkdir(parents=True, exist_ok=True)
    for service in MODELS:
        (output / f"{service}.env").write_text(
            render_env(env, args.environment, service), encoding="utf-8"
        )
    print(f"wrote {', '.join(str(output / f'{service}.env') for service in MODELS)}")
    return 0
