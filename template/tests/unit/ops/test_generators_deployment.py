"""scripts/generators/generate-deployment.py: each service's env file, every value checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from ops.generators.deploygen import main

from tests.fakes import copy_configuration

ROOT = Path(__file__).resolve().parents[3]
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


@pytest.fixture
def project(tmp_path: Path) -> Path:
    copy_configuration(tmp_path, level=2)  # the answers name the packages to check with
    (tmp_path / "config" / "staging.env.example").write_text(STAGING_ENV)
    return tmp_path


def render(project: Path) -> int:
    return main(["--environment", "staging"], root=project)


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
    assert "telegram-bot.env" in capsys.readouterr().out


def test_the_bot_token_secret_must_be_named(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = project / "config" / "staging.env.example"
    env.write_text(env.read_text().replace("# TELEGRAM_BOT_TOKEN", "# TELEGRAM_TOKEN"))

    assert render(project) == 2
    assert "the secret TELEGRAM_BOT_TOKEN is not named" in capsys.readouterr().err
    assert not (project / "build").exists()


def test_invalid_settings_are_reported_one_line_each(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = project / "config" / "staging.env.example"
    broken = (
        env.read_text()
        .replace("ENVIRONMENT=staging", "ENVIRONMENT=prod")
        .replace("MARKET_DATA_PORT=8080", "MARKET_DATA_PORT=http")
        .replace("BOT_MODE=webhook", "BOT_MODE=push")
        .replace("DEFAULT_SYMBOLS=BTC-USDT,ETH-USDT", "DEFAULT_SYMBOLS=BTC-USDT,B$")
        .replace("MARKET_DATA_URL=http://market-data.staging.demo.internal:8080\n", "")
    )
    env.write_text(broken)

    assert render(project) == 2
    errors = capsys.readouterr().err.splitlines()
    assert errors == [
        "generate-deployment: staging.env.example: MARKET_DATA_URL is required",
        "generate-deployment: staging.env.example:2: ENVIRONMENT must be one of local, staging, "
        "production (got 'prod')",
        "generate-deployment: staging.env.example:8: MARKET_DATA_PORT must be an integer "
        "from 1 to 65535 (got 'http')",
        "generate-deployment: staging.env.example:11: DEFAULT_SYMBOLS must be a comma-separated "
        "list of BASE-QUOTE symbols such as BTC-USDT (got 'BTC-USDT,B$')",
        "generate-deployment: staging.env.example:14: BOT_MODE must be polling or webhook "
        "(got 'push')",
    ]
    assert not (project / "build").exists()


@pytest.mark.parametrize(
    ("before", "after", "error"),
    [
        (  # a rule of the services' settings that this command does not repeat
            "MARKET_DATA_HOST=0.0.0.0",
            "MARKET_DATA_PRICE_TTL=0",
            "staging.env.example:8: MARKET_DATA_PRICE_TTL must be seconds, more than 0 and "
            "at most 3600 (got '0')",
        ),
        (
            "ENVIRONMENT=staging",
            "ENVIRONMENT=production",
            "staging.env.example:3: ENVIRONMENT is 'production', not 'staging'",
        ),
    ],
)
def test_the_services_own_rules_and_the_environment_are_checked(
    project: Path, capsys: pytest.CaptureFixture[str], before: str, after: str, error: str
) -> None:
    env = project / "config" / "staging.env.example"
    env.write_text(env.read_text().replace(before, f"{before}\n{after}"))
    assert render(project) == 2
    assert capsys.readouterr().err.splitlines() == [f"generate-deployment: {error}"]


def test_symbols_are_read_as_the_services_read_them(project: Path) -> None:
    env = project / "config" / "staging.env.example"
    env.write_text(env.read_text().replace("BTC-USDT,ETH-USDT", "btcusdt,ETH/USDT"))
    assert render(project) == 0


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
