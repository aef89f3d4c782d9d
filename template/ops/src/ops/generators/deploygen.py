"""Each service's environment file for staging or production.

From ``config/<environment>.env`` (or the committed ``config/<environment>.env.example``):
the non-secret settings, split per service by its ``# --- <service>`` sections, and the
names of the secrets (``# NAME  AWS Secrets Manager: <name>``), which must be there but
are never written. Every value is checked; each problem is one line, and any problem
means exit code 2. The task definitions themselves are the app stack's
(infrastructure/aws/cloudformation/app.yml).
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

SERVICES = {"market-data": "MARKET_DATA_PORT", "telegram-bot": "BOT_PORT"}
ENVIRONMENTS = ("staging", "production")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_SECTION = re.compile(r"^#\s*---\s*(.+?)\s*$")
# `# TELEGRAM_BOT_TOKEN  AWS Secrets Manager: slug/staging/telegram-bot-token`
_SECRET = re.compile(r"^#\s*([A-Z][A-Z0-9_]*)\s+AWS Secrets Manager:")
_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
_SYMBOL = re.compile(r"^[A-Z0-9]{2,10}-[A-Z0-9]{2,10}$")


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
        target = (
            parsed.per_service.setdefault(section, {}) if section in SERVICES else parsed.shared
        )
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


def validate_settings(env: EnvFile, environment: str) -> list[str]:
    """One message per invalid or missing setting."""
    problems: list[str] = []

    def where(name: str) -> str:
        line = env.lines.get(name)
        return f"{env.path.name}:{line}" if line else env.path.name

    def need(name: str) -> str | None:
        value = env.value(name)
        if value in (None, ""):
            problems.append(f"{env.path.name}: {name} is required")
            return None
        return value

    if (value := need("ENVIRONMENT")) is not None and value != environment:
        problems.append(f"{where('ENVIRONMENT')}: ENVIRONMENT is {value!r}, not {environment!r}")
    for service, port_name in SERVICES.items():
        port = env.for_service(service).get(port_name)
        if port is None:
            problems.append(f"{env.path.name}: {port_name} is required (section {service})")
        elif not (port.isdigit() and 1 <= int(port) <= 65535):
            problems.append(f"{where(port_name)}: {port_name} must be a port from 1 to 65535")
    provider = need("MARKET_DATA_PROVIDER")
    if provider is not None and provider not in ("sample", "exchange"):
        problems.append(
            f"{where('MARKET_DATA_PROVIDER')}: MARKET_DATA_PROVIDER must be sample or exchange"
        )
    if provider == "exchange" and env.value("EXCHANGE_ID") not in ("binance", "okx"):
        problems.append(f"{where('EXCHANGE_ID')}: EXCHANGE_ID must be binance or okx")
    mode = need("BOT_MODE")
    if mode is not None and mode not in ("polling", "webhook"):
        problems.append(f"{where('BOT_MODE')}: BOT_MODE must be polling or webhook")
    if mode == "webhook" and "TELEGRAM_WEBHOOK_SECRET" not in env.secrets:
        problems.append(
            f"{env.path.name}: BOT_MODE=webhook needs the secret TELEGRAM_WEBHOOK_SECRET"
        )
    if "TELEGRAM_BOT_TOKEN" not in env.secrets:
        problems.append(f"{env.path.name}: the secret TELEGRAM_BOT_TOKEN is not named")
    url = need("MARKET_DATA_URL")
    if url is not None and not re.match(r"^https?://[^\s/]+", url):
        problems.append(f"{where('MARKET_DATA_URL')}: MARKET_DATA_URL must be an http(s) URL")
    level = env.value("LOG_LEVEL")
    if level is not None and level.upper() not in LOG_LEVELS:
        problems.append(f"{where('LOG_LEVEL')}: LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
    log_format = env.value("LOG_FORMAT")
    if log_format is not None and log_format not in ("auto", "json", "console"):
        problems.append(f"{where('LOG_FORMAT')}: LOG_FORMAT must be auto, json or console")
    symbols = env.value("DEFAULT_SYMBOLS")
    if symbols is not None:
        bad = [s for s in symbols.split(",") if not _SYMBOL.match(s.strip())]
        if bad:
            problems.append(
                f"{where('DEFAULT_SYMBOLS')}: DEFAULT_SYMBOLS must be BASE-QUOTE pairs such as "
                f"BTC-USDT, not {', '.join(bad)}"
            )
    return problems


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
        problems = validate_settings(env, args.environment)
    except DeploymentError as error:
        problems = error.problems
    for problem in problems:
        print(f"generate-deployment: {problem}", file=sys.stderr)
    if problems:
        return 2
    output.mkdir(parents=True, exist_ok=True)
    for service in SERVICES:
        (output / f"{service}.env").write_text(
            render_env(env, args.environment, service), encoding="utf-8"
        )
    print(f"wrote {', '.join(str(output / f'{service}.env') for service in SERVICES)}")
    return 0
