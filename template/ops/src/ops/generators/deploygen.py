"""Environment files and ECS task definitions for staging or production.

Sources, in this order:
- ``config/<environment>.env`` (or the committed ``config/<environment>.env.example``):
  the non-secret settings, split per service by its ``# --- <service>`` sections, and
  the secrets it names (``# NAME  AWS Secrets Manager: <name>``);
- ``config/feature-flags.yml`` for that environment (``health_endpoints`` adds the
  container health checks);
- ``.copier-answers.yml`` (project slug, AWS region);
- ``infrastructure/aws/parameters/<environment>.json`` (CPU and memory of each task);
- for task definitions, what only AWS knows: ``--stack-outputs`` (the app stack's
  outputs, for the secret ARNs), ``--execution-role-arn`` and ``--image-tag``.

Every value is checked; each problem is one line, and any problem means exit code 2.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ops.evolution.metrics import git

SERVICES = {"market-data": "MARKET_DATA_PORT", "telegram-bot": "BOT_PORT"}
ENVIRONMENTS = ("staging", "production")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
CPU_MEMORY = {
    "market-data": ("MarketDataCpu", "MarketDataMemory"),
    "telegram-bot": ("TelegramBotCpu", "TelegramBotMemory"),
}
_SECTION = re.compile(r"^#\s*---\s*(.+?)\s*$")
# `# TELEGRAM_BOT_TOKEN  AWS Secrets Manager: slug/staging/telegram-bot-token`; a secret
# whose name the stack chooses (`...: the secret RDS creates`) has no name here.
_SECRET = re.compile(r"^#\s*([A-Z][A-Z0-9_]*)\s+AWS Secrets Manager:\s*([\w+=.@-]+/[\w/+=.@-]+)?")
_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
_SYMBOL = re.compile(r"^[A-Z0-9]{2,10}-[A-Z0-9]{2,10}$")
_IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/\S+$")
_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):(\d{12}):secret:\S+$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")


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
    secrets: dict[str, str | None] = field(default_factory=dict)  # name -> Secrets Manager name
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
            parsed.secrets[secret[1]] = secret[2]
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


def flags_for(root: Path, environment: str) -> dict[str, bool]:
    """Each flag's value in this environment: its override, else `enabled`."""
    path = root / "config" / "feature-flags.yml"
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:
        raise DeploymentError([f"{path.name} is not valid YAML"]) from None
    features = data.get("features") or {}
    overrides = ((data.get("environments") or {}).get(environment) or {}).get("override") or {}
    values = {
        str(name): bool(spec.get("enabled"))
        for name, spec in features.items()
        if isinstance(spec, dict)
    }
    values.update({str(name): bool(value) for name, value in overrides.items()})
    return values


def read_json(path: Path, what: str) -> Any:
    """The parsed JSON file; DeploymentError naming `what` when it is missing or invalid."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DeploymentError([f"{what} {path} not found"]) from None
    except ValueError as error:
        raise DeploymentError([f"{what} {path} is not JSON: {error}"]) from None


def stack_outputs(path: Path) -> dict[str, str]:
    """`aws cloudformation describe-stacks` output, or its Outputs list, as a dict."""
    data = read_json(path, "stack outputs")
    if isinstance(data, dict) and "Stacks" in data:
        data = data["Stacks"][0].get("Outputs", []) if data["Stacks"] else []
    if not isinstance(data, list):
        raise DeploymentError([f"{path}: expected the Outputs list of describe-stacks"])
    return {
        str(item["OutputKey"]): str(item["OutputValue"])
        for item in data
        if isinstance(item, dict) and "OutputKey" in item and "OutputValue" in item
    }


def output_key(secret: str) -> str:
    """TELEGRAM_BOT_TOKEN -> TelegramBotTokenSecretArn (the app stack's output names)."""
    camel = "".join(part.capitalize() for part in secret.split("_"))
    return camel.removesuffix("Secret") + "SecretArn"


def git_head(root: Path) -> str | None:
    """The commit checked out in `root`; None without git or a repository."""
    head = git(root, "rev-parse", "HEAD")
    return head.strip() if head else None


@dataclass(frozen=True)
class Deployment:
    """Everything validated that the files of one environment are rendered from."""

    root: Path
    environment: str
    slug: str
    region: str
    env: EnvFile
    flags: dict[str, bool]
    parameters: dict[str, str]


def load(root: Path, environment: str, region: str | None = None) -> Deployment:
    """The validated settings, answers and parameters of `environment`; all problems at once."""
    env = parse_env_file(environment_file(root, environment))
    problems = validate_settings(env, environment)
    answers_path = root / ".copier-answers.yml"
    answers = (
        yaml.safe_load(answers_path.read_text(encoding="utf-8")) if answers_path.is_file() else {}
    )
    answers = answers if isinstance(answers, dict) else {}
    slug = str(answers.get("project_slug") or root.resolve().name)
    region = region or answers.get("aws_region")
    if not isinstance(region, str) or not _REGION.match(region):
        problems.append(
            f"AWS region {region!r} is not a region code such as us-east-1: pass --region"
        )
        region = ""
    parameters_path = root / "infrastructure" / "aws" / "parameters" / f"{environment}.json"
    parameters: dict[str, str] = {}
    if parameters_path.is_file():
        data = read_json(parameters_path, "parameter file")
        raw = data.get("Parameters") if isinstance(data, dict) else None
        if isinstance(raw, dict):
            parameters = {str(key): str(value) for key, value in raw.items()}
        else:
            problems.append(parameters_path.name + ': expected {"Parameters": {...}}')
    if problems:
        raise DeploymentError(problems)
    return Deployment(
        root, environment, slug, region, env, flags_for(root, environment), parameters
    )


def render_env(deployment: Deployment, service: str) -> str:
    """A service's environment file: its non-secret variables, sorted."""
    values = deployment.env.for_service(service)
    lines = [
        f"# {service} in {deployment.environment}: generated by "
        f"scripts/generators/generate-deployment.py from {deployment.env.path.name}.",
        "# Secrets are not here: the task definition reads them from AWS Secrets Manager.",
        *[f"{name}={value}" for name, value in sorted(values.items())],
    ]
    return "\n".join(lines) + "\n"


def _secrets_for(service: str, names: list[str]) -> list[str]:
    # The bot owns the Telegram secrets; the others (the database password) go to both.
    return [name for name in names if service == "telegram-bot" or not name.startswith("TELEGRAM_")]


def render_task_definition(
    deployment: Deployment,
    service: str,
    *,
    image_tag: str,
    execution_role_arn: str,
    outputs: dict[str, str],
    task_role_arn: str | None = None,
) -> dict[str, Any]:
    """A service's ECS task definition: image, port, environment, secrets from Secrets Manager."""
    account = next(
        (match[2] for value in outputs.values() if (match := _SECRET_ARN.match(value))), None
    )
    if account is None:
        account = execution_role_arn.split(":")[4]
    values = deployment.env.for_service(service)
    port = int(values[SERVICES[service]])
    secrets = []
    problems = []
    for name in _secrets_for(service, sorted(deployment.env.secrets)):
        arn = outputs.get(output_key(name))
        documented = deployment.env.secrets[name]
        if arn is None and documented:
            arn = f"arn:aws:secretsmanager:{deployment.region}:{account}:secret:{documented}"
        if arn is None:
            problems.append(f"secret {name}: no ARN: pass --stack-outputs with {output_key(name)}")
            continue
        if name == "DATABASE_PASSWORD":
            arn += ":password::"  # the RDS-managed secret is JSON with username and password
        secrets.append({"name": name, "valueFrom": arn})
    if problems:
        raise DeploymentError(problems)
    family = f"{deployment.slug}-{deployment.environment}-{service}"
    cpu_key, memory_key = CPU_MEMORY[service]
    container: dict[str, Any] = {
        "name": service,
        "image": (
            f"{account}.dkr.ecr.{deployment.region}.amazonaws.com/{deployment.slug}/{service}:"
            f"{image_tag}"
        ),
        "essential": True,
        "portMappings": [{"containerPort": port, "protocol": "tcp"}],
        "environment": [
            {"name": name, "value": value}
            for name, value in sorted({**values, "SERVICE_VERSION": image_tag}.items())
        ],
        "secrets": secrets,
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": f"/ecs/{deployment.slug}-{deployment.environment}/{service}",
                "awslogs-region": deployment.region,
                "awslogs-stream-prefix": service,
            },
        },
    }
    serves_health = service != "telegram-bot" or values.get("BOT_MODE") == "webhook"
    if deployment.flags.get("health_endpoints", True) and serves_health:
        url = f"http://127.0.0.1:{port}/health"
        probe = f"import urllib.request; urllib.request.urlopen('{url}', timeout=4)"
        container["healthCheck"] = {
            "command": ["CMD", "python", "-c", probe],
            "interval": 30,
            "timeout": 5,
            "retries": 3,
            "startPeriod": 30,
        }
    definition: dict[str, Any] = {
        "family": family,
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "awsvpc",
        "cpu": deployment.parameters.get(cpu_key, "256"),
        "memory": deployment.parameters.get(memory_key, "512"),
        "runtimePlatform": {"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"},
        "executionRoleArn": execution_role_arn,
        "containerDefinitions": [container],
    }
    if task_role_arn:
        definition["taskRoleArn"] = task_role_arn
    return definition


def main(argv: list[str] | None = None, root: Path | None = None) -> int:
    """The `generate-deployment` command; returns its exit code (2: a missing or bad value)."""
    root = root or Path.cwd()
    parser = argparse.ArgumentParser(
        prog="generate-deployment.py",
        description=(
            "Render each service's environment file for staging or production from "
            "config/<environment>.env(.example), the feature flags and the answers; with "
            "--stack-outputs, also its ECS task definition (JSON for "
            "aws ecs register-task-definition --cli-input-json)."
        ),
        epilog="exit codes: 0 written, 2 a value is missing or invalid (one line each).",
    )
    parser.add_argument("--environment", required=True, choices=ENVIRONMENTS)
    parser.add_argument("--output-dir", type=Path, help="default: build/deployment/<environment>")
    parser.add_argument("--region", help="AWS region (default: aws_region of the answers)")
    parser.add_argument(
        "--stack-outputs",
        type=Path,
        help="JSON of `aws cloudformation describe-stacks --stack-name <app stack>`: "
        "renders the task definitions",
    )
    parser.add_argument("--execution-role-arn", help="the tasks' execution role (task definitions)")
    parser.add_argument(
        "--task-role-arn",
        action="append",
        default=[],
        metavar="SERVICE=ARN",
        help="a service's task role, such as market-data=arn:aws:iam::...; repeatable",
    )
    parser.add_argument(
        "--image-tag", help="the image tag to run (default: the commit checked out)"
    )
    args = parser.parse_args(argv)
    output = args.output_dir or root / "build" / "deployment" / args.environment
    try:
        deployment = load(root, args.environment, args.region)
        documents = {f"{service}.env": render_env(deployment, service) for service in SERVICES}
        if args.stack_outputs is not None:
            documents |= task_definitions(deployment, args, root)
    except DeploymentError as error:
        for problem in error.problems:
            print(f"generate-deployment: {problem}", file=sys.stderr)
        return 2
    output.mkdir(parents=True, exist_ok=True)
    for name, text in documents.items():
        (output / name).write_text(text, encoding="utf-8")
    print(f"wrote {', '.join(str(output / name) for name in documents)}")
    if args.stack_outputs is None:
        print("task definitions need --stack-outputs and --execution-role-arn (see --help)")
    return 0


def task_definitions(
    deployment: Deployment, args: argparse.Namespace, root: Path
) -> dict[str, str]:
    """The task definition JSON of every service, from the stack outputs and role ARNs."""
    problems = []
    outputs = stack_outputs(args.stack_outputs)
    role = args.execution_role_arn
    if not role:
        problems.append("--execution-role-arn is required for task definitions")
    elif not _ROLE_ARN.match(role):
        problems.append(f"--execution-role-arn {role!r} is not an IAM role ARN")
    task_roles: dict[str, str] = {}
    for item in args.task_role_arn:
        service, _, arn = item.partition("=")
        if service not in SERVICES or not _ROLE_ARN.match(arn):
            problems.append(
                f"--task-role-arn {item!r}: expected SERVICE=arn:aws:iam::<account>:role/<name>"
            )
        else:
            task_roles[service] = arn
    tag = args.image_tag or git_head(root)
    if not tag:
        problems.append("--image-tag is required outside a git checkout")
    elif not _IMAGE_TAG.match(tag):
        problems.append(f"--image-tag {tag!r} is not a valid image tag")
    if problems:
        raise DeploymentError(problems)
    return {
        f"{service}.task-definition.json": json.dumps(
            render_task_definition(
                deployment,
                service,
                image_tag=str(tag),
                execution_role_arn=role,
                outputs=outputs,
                task_role_arn=task_roles.get(service),
            ),
            indent=2,
        )
        + "\n"
        for service in SERVICES
    }
