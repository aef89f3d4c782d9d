"""scripts/generators/generate-deployment.py: env files and ECS task definitions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from ops.generators.deploygen import main, output_key

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "210987654321"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/demo/staging/TaskExecutionRole-ABC"
STAGING_ENV = """\
# --- both services
ENVIRONMENT=staging
LOG_LEVEL=INFO
LOG_FORMAT=json

# --- market-data
MARKET_DATA_HOST=0.0.0.0
MARKET_DATA_PORT=8080
MARKET_DATA_PROVIDER=exchange
EXCHANGE_ID=okx
DEFAULT_SYMBOLS=BTC-USDT,ETH-USDT

# --- telegram-bot
BOT_MODE=webhook
BOT_PORT=8081
MARKET_DATA_URL=http://market-data.staging.demo.internal:8080

# --- secrets: names only, never values
# TELEGRAM_BOT_TOKEN       AWS Secrets Manager: demo/staging/telegram-bot-token
# TELEGRAM_WEBHOOK_SECRET  AWS Secrets Manager: demo/staging/telegram-webhook-secret
# DATABASE_PASSWORD        AWS Secrets Manager: the secret RDS creates for the database
"""
OUTPUTS = {
    "Stacks": [
        {
            "Outputs": [
                {
                    "OutputKey": "TelegramWebhookSecretArn",
                    "OutputValue": f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:"
                    "demo/staging/telegram-webhook-secret-Ab12Cd",
                },
                {
                    "OutputKey": "DatabasePasswordSecretArn",
                    "OutputValue": f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:"
                    "rds!db-1234-Xy98Zw",
                },
            ]
        }
    ]
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "staging.env.example").write_text(STAGING_ENV)
    shutil.copy(ROOT / "config" / "feature-flags.yml", tmp_path / "config" / "feature-flags.yml")
    (tmp_path / ".copier-answers.yml").write_text("project_slug: demo\naws_region: eu-west-1\n")
    parameters = tmp_path / "infrastructure" / "aws" / "parameters"
    parameters.mkdir(parents=True)
    (parameters / "staging.json").write_text(
        json.dumps({"Parameters": {"MarketDataCpu": "512", "MarketDataMemory": "1024"}})
    )
    (tmp_path / "outputs.json").write_text(json.dumps(OUTPUTS))
    return tmp_path


def render(project: Path, *extra: str) -> int:
    return main(["--environment", "staging", *extra], root=project)


def task_definition(project: Path, service: str) -> dict[str, Any]:
    path = project / "build" / "deployment" / "staging" / f"{service}.task-definition.json"
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def test_env_files_hold_each_services_settings(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert render(project) == 0
    output = project / "build" / "deployment" / "staging"
    market = (output / "market-data.env").read_text().splitlines()
    bot = (output / "telegram-bot.env").read_text().splitlines()
    assert {"ENVIRONMENT=staging", "MARKET_DATA_PORT=8080", "EXCHANGE_ID=okx"} <= set(market)
    assert not any(line.startswith("BOT_MODE=") for line in market)
    assert {"ENVIRONMENT=staging", "BOT_MODE=webhook", "BOT_PORT=8081"} <= set(bot)
    assert not any(line.startswith("MARKET_DATA_PORT=") for line in bot)
    assert sorted(path.name for path in output.iterdir()) == ["market-data.env", "telegram-bot.env"]
    assert "task definitions need --stack-outputs" in capsys.readouterr().out


def test_task_definitions_from_the_config_the_parameters_and_the_stack(project: Path) -> None:
    code = render(
        project,
        "--stack-outputs",
        str(project / "outputs.json"),
        "--execution-role-arn",
        ROLE,
        "--task-role-arn",
        f"telegram-bot=arn:aws:iam::{ACCOUNT}:role/bot",
        "--image-tag",
        "0123456789abcdef0123456789abcdef01234567",
    )
    assert code == 0

    market, bot = task_definition(project, "market-data"), task_definition(project, "telegram-bot")
    assert market["family"] == "demo-staging-market-data"
    assert (market["cpu"], market["memory"], bot["cpu"], bot["memory"]) == (
        "512",
        "1024",
        "256",
        "512",
    )
    container = market["containerDefinitions"][0]
    assert container["image"] == (
        f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/demo/market-data:"
        "0123456789abcdef0123456789abcdef01234567"
    )
    environment = {item["name"]: item["value"] for item in container["environment"]}
    assert environment["SERVICE_VERSION"] == "0123456789abcdef0123456789abcdef01234567"
    assert environment["MARKET_DATA_PROVIDER"] == "exchange"
    assert "BOT_MODE" not in environment
    assert container["secrets"] == [
        {
            "name": "DATABASE_PASSWORD",
            "valueFrom": OUTPUTS["Stacks"][0]["Outputs"][1]["OutputValue"] + ":password::",
        }
    ]
    assert (
        container["logConfiguration"]["options"]["awslogs-group"] == "/ecs/demo-staging/market-data"
    )
    assert "8080/health" in container["healthCheck"]["command"][-1]
    assert "taskRoleArn" not in market
    secrets = {
        item["name"]: item["valueFrom"] for item in bot["containerDefinitions"][0]["secrets"]
    }
    assert secrets["TELEGRAM_BOT_TOKEN"] == (
        f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:demo/staging/telegram-bot-token"
    )
    assert secrets["TELEGRAM_WEBHOOK_SECRET"].endswith("telegram-webhook-secret-Ab12Cd")
    assert bot["taskRoleArn"] == f"arn:aws:iam::{ACCOUNT}:role/bot"
    assert bot["executionRoleArn"] == ROLE


def test_a_polling_bot_or_disabled_health_endpoints_get_no_health_check(project: Path) -> None:
    env = project / "config" / "staging.env.example"
    env.write_text(env.read_text().replace("BOT_MODE=webhook", "BOT_MODE=polling"))
    args = ["--stack-outputs", str(project / "outputs.json"), "--execution-role-arn", ROLE]
    assert render(project, *args, "--image-tag", "v1") == 0
    assert "healthCheck" not in task_definition(project, "telegram-bot")["containerDefinitions"][0]
    assert "healthCheck" in task_definition(project, "market-data")["containerDefinitions"][0]

    (project / "config" / "feature-flags.yml").write_text(
        "features:\n  health_endpoints:\n    enabled: false\n"
    )
    assert render(project, *args, "--image-tag", "v1") == 0
    assert "healthCheck" not in task_definition(project, "market-data")["containerDefinitions"][0]


def test_invalid_settings_are_reported_one_line_each(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = project / "config" / "staging.env.example"
    broken = (
        env.read_text()
        .replace("ENVIRONMENT=staging", "ENVIRONMENT=prod")
        .replace("MARKET_DATA_PORT=8080", "MARKET_DATA_PORT=http")
        .replace("BOT_MODE=webhook", "BOT_MODE=push")
        .replace("DEFAULT_SYMBOLS=BTC-USDT,ETH-USDT", "DEFAULT_SYMBOLS=BTCUSDT")
        .replace("MARKET_DATA_URL=http://market-data.staging.demo.internal:8080\n", "")
    )
    env.write_text(broken)

    assert render(project) == 2
    errors = capsys.readouterr().err.splitlines()
    assert errors == [
        "generate-deployment: staging.env.example:2: ENVIRONMENT is 'prod', not 'staging'",
        "generate-deployment: staging.env.example:8: MARKET_DATA_PORT must be a port "
        "from 1 to 65535",
        "generate-deployment: staging.env.example:14: BOT_MODE must be polling or webhook",
        "generate-deployment: staging.env.example: MARKET_DATA_URL is required",
        "generate-deployment: staging.env.example:11: DEFAULT_SYMBOLS must be BASE-QUOTE pairs "
        "such as BTC-USDT, not BTCUSDT",
    ]
    assert not (project / "build").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "--execution-role-arn is required for task definitions"),
        (["--execution-role-arn", "admin"], "--execution-role-arn 'admin' is not an IAM role ARN"),
        (["--execution-role-arn", ROLE, "--image-tag", "bad tag"], "is not a valid image tag"),
        (["--execution-role-arn", ROLE, "--task-role-arn", "db=x"], "expected SERVICE=arn:aws:iam"),
    ],
)
def test_task_definitions_need_their_aws_values(
    project: Path, extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = render(
        project, "--stack-outputs", str(project / "outputs.json"), "--image-tag", "v1", *extra
    )
    assert code == 2
    assert message in capsys.readouterr().err


def test_a_secret_without_an_arn_is_an_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "outputs.json").write_text(json.dumps({"Stacks": [{"Outputs": []}]}))
    args = ["--stack-outputs", str(project / "outputs.json"), "--execution-role-arn", ROLE]
    assert render(project, *args, "--image-tag", "v1") == 2
    assert (
        "secret DATABASE_PASSWORD: no ARN: pass --stack-outputs with DatabasePasswordSecretArn"
        in (capsys.readouterr().err)
    )


def test_output_keys_follow_the_app_stack() -> None:
    assert output_key("TELEGRAM_BOT_TOKEN") == "TelegramBotTokenSecretArn"
    assert output_key("TELEGRAM_WEBHOOK_SECRET") == "TelegramWebhookSecretArn"
    assert output_key("DATABASE_PASSWORD") == "DatabasePasswordSecretArn"


def test_this_projects_committed_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The committed env examples pass the checks; at level 1 there are none yet."""
    for environment in ("staging", "production"):
        code = main(
            ["--environment", environment, "--output-dir", str(tmp_path / environment)], root=ROOT
        )
        if (ROOT / "config" / f"{environment}.env.example").is_file():
            assert code == 0, capsys.readouterr().err
            assert (tmp_path / environment / "telegram-bot.env").is_file()
        else:
            assert code == 2
            assert "deployments to AWS start at level 2" in capsys.readouterr().err
