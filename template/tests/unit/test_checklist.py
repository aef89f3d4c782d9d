"""scripts/generate-checklist.sh: each item of a level checked against the files."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest
from evolution.checklist import (
    EXIT_CONFIG_ERROR,
    EXIT_MISSING,
    EXIT_OK,
    ITEMS,
    check_level,
    main,
)

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "generate-checklist.sh"

QUALITY = """
on: [push]
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - run: uv run ruff check .
      - run: uv run mypy
  unit-tests:
    runs-on: ubuntu-latest
    steps:
      - run: uv run pytest tests/unit
"""
PRODUCTION = """
on:
  workflow_dispatch:
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment:
      name: production
      url: ${{ vars.PRODUCTION_URL }}
    steps:
      - run: uv run python scripts/deploy/ecs_deploy.py deploy --environment production
      - name: Roll back to the previous task definition
        if: failure()
        run: uv run python scripts/deploy/ecs_deploy.py rollback --environment production
      - run: curl -X POST "$HOOK"
        env:
          HOOK: ${{ secrets.SLACK_WEBHOOK_URL }}
"""
SECURITY = """
on: [pull_request]
jobs:
  security:
    runs-on: ubuntu-latest
    steps:
      - run: uv run bandit -r services
      - run: uv run pip-audit --strict
      - run: uvx zizmor --offline .github/workflows
      - run: gitleaks detect --no-banner
"""


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def level_1_tree(root: Path, level: int = 1) -> None:
    write(
        root,
        {
            "config/evolution.yml": f"current_level: {level}\n",
            "infrastructure/docker/market-data.Dockerfile": "FROM python:3.11-slim\n",
            "infrastructure/docker/telegram-bot.Dockerfile": "FROM python:3.11-slim\n",
            "services/common/src/app_common/settings.py": "X = 1\n",
            "services/market-data/src/app_market_data/app.py": (
                '@app.get("/health")\n@app.get("/v1/price/{symbol:path}")\n'
            ),
            "services/telegram-bot/src/app_telegram_bot/webhook.py": 'ROUTE = "/health"\n',
            "tests/unit/test_formatting.py": (
                "from app_telegram_bot.formatting import format_price\n\n"
                "def test_price() -> None:\n    assert format_price(1) == '1.0000'\n"
            ),
            ".github/workflows/quality.yml": QUALITY,
        },
    )


def checked(root: Path, level: int) -> dict[str, bool]:
    return {text: result.done for text, result in check_level(root, level)}


def test_level_1_marks_what_is_there_and_what_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    level_1_tree(tmp_path)

    assert main(["--project-dir", str(tmp_path)]) == EXIT_OK
    output = capsys.readouterr().out

    assert output.startswith("## Level 1 (Basic) checklist of ")
    assert "- [x] Add health endpoints to all services (/health in market-data, telegram-bot)" in (
        output
    )
    assert "- [x] Create basic unit tests for formatting functions" in output
    assert "- [ ] Create unit tests for the ATR calculation" in output
    assert "- [x] Set up GitHub Actions quality pipeline (quality.yml jobs: lint, unit-tests)" in (
        output
    )
    assert "- [ ] Create environment configuration files" in output
    assert "- [ ] Document API endpoints (docs/api/ is empty: run uv run python" in output
    assert output.endswith("3 of 6 done.\n")
    assert main(["--project-dir", str(tmp_path), "--strict"]) == EXIT_MISSING


def test_level_1_items_follow_the_files(tmp_path: Path) -> None:
    level_1_tree(tmp_path)
    write(tmp_path, {"docs/api/market-data.md": "## GET /health\n"})
    assert checked(tmp_path, 1)["Document API endpoints"] is False  # /v1/price missing
    write(
        tmp_path,
        {
            "docs/api/market-data.md": "## GET /health\n## GET /v1/price/{symbol}\n",
            "config/staging.env.example": "ENVIRONMENT=staging\n",
            "tests/unit/test_atr.py": "from app.atr import wilder_atr\n\ndef test_a(): ...\n",
        },
    )
    assert all(checked(tmp_path, 1).values())

    write(tmp_path, {"services/telegram-bot/src/app_telegram_bot/webhook.py": "X = 1\n"})
    assert checked(tmp_path, 1)["Add health endpoints to all services"] is False
    write(tmp_path, {".github/workflows/quality.yml": QUALITY.replace("pytest", "echo")})
    assert checked(tmp_path, 1)["Set up GitHub Actions quality pipeline"] is False


def level_3_tree(root: Path) -> None:
    level_1_tree(root, level=3)
    write(
        root,
        {
            ".github/workflows/production.yml": PRODUCTION,
            ".github/workflows/security.yml": SECURITY,
            ".pre-commit-config.yaml": "repos:\n  - repo: local\n    hooks:\n      - id: gitleaks\n"
            "        entry: gitleaks protect --staged\n",
            "infrastructure/aws/cloudformation/monitoring.yml": (
                "Resources:\n  Errors:\n    Type: AWS::CloudWatch::Alarm\n"
            ),
            "infrastructure/monitoring/prometheus.yml": "scrape_configs:\n  - job_name: md\n",
            "infrastructure/monitoring/grafana/dashboard.json": '{"panels": []}\n',
            "docs/deployment/environments.md": "Set PRODUCTION_URL in the environment.\n",
            "SECURITY.md": "Report vulnerabilities privately.\n",
        },
    )


def test_level_3_marks_what_is_there_and_what_is_missing(tmp_path: Path) -> None:
    level_3_tree(tmp_path)

    assert checked(tmp_path, 3) == {
        "Create production deployment workflow with manual approval": True,
        "Roll back automatically when production health fails": True,
        "Set up CloudWatch alarms and dashboard": False,  # no dashboard
        "Set up Prometheus scraping and a Grafana dashboard": True,
        "Integrate security scanning (bandit, pip-audit, zizmor)": True,
        "Scan for committed secrets": True,
        "Publish a security policy": True,
        "Document the production secrets": False,  # SLACK_WEBHOOK_URL undocumented
        "Build the documentation site": False,
    }


def test_level_3_is_complete_once_the_missing_items_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    level_3_tree(tmp_path)
    write(
        tmp_path,
        {
            "infrastructure/aws/cloudformation/dashboard.yml": (
                "Resources:\n  Board:\n    Type: AWS::CloudWatch::Dashboard\n"
            ),
            "docs/deployment/secrets.md": "SLACK_WEBHOOK_URL: the team channel's webhook.\n",
            "mkdocs.yml": "site_name: docs\n",
        },
    )

    assert main(["--project-dir", str(tmp_path), "--strict"]) == EXIT_OK
    output = capsys.readouterr().out
    assert output.count("- [x]") == len(ITEMS[3])
    assert "- [ ]" not in output
    assert "2 secrets and variables documented in docs/deployment/" in output


def test_another_level_is_checked_with_level(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    level_1_tree(tmp_path)
    assert main(["--project-dir", str(tmp_path), "--level", "2"]) == EXIT_OK
    output = capsys.readouterr().out
    assert output.startswith("## Level 2 (Automated) checklist")
    assert "- [ ] Create staging deployment workflow" in output


def test_bad_usage_and_missing_configuration_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--project-dir", str(tmp_path)]) == EXIT_CONFIG_ERROR
    assert "evolution.yml not found" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["--level", "7"])
    assert usage.value.code == EXIT_CONFIG_ERROR


def test_the_script_reports_this_project_and_exits_0() -> None:
    result = subprocess.run([str(SCRIPT)], capture_output=True, text=True, check=False)
    assert result.returncode == EXIT_OK, result.stderr
    items = [line for line in result.stdout.splitlines() if line.startswith("- [")]
    assert items
    assert all(line.startswith(("- [x] ", "- [ ] ")) for line in items)
    strict = subprocess.run([str(SCRIPT), "--strict"], capture_output=True, check=False)
    assert strict.returncode == (EXIT_MISSING if "- [ ]" in result.stdout else EXIT_OK)
