"""scripts/generate-checklist.sh: each item of a level checked against the files."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from ops.evolution import checklist as checklist_module
from ops.evolution.checklist import (
    EXIT_CONFIG_ERROR,
    EXIT_MISSING,
    EXIT_OK,
    check_level,
    load_checklist,
    main,
)
from ops.project import load_project

from tests.fakes import ROOT, copy_configuration, edit_yaml, run_command, write

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


def deploy_workflow(environment: str, on: str, steps: str = "") -> str:
    """A workflow whose job `deploy` runs ecs-deploy in the GitHub environment."""
    url = "${{ vars." + environment.upper() + "_URL }}"
    return f"""
on:{on}
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment:
      name: {environment}
      url: {url}
    steps:
      - run: uv run ecs-deploy deploy --environment {environment}{steps}
"""


PRODUCTION = deploy_workflow(
    "production",
    "\n  workflow_dispatch:",
    """
      - name: Roll back to the previous task definition
        if: failure()
        run: uv run ecs-deploy rollback --environment production
      - run: curl -X POST "$HOOK"
        env:
          HOOK: ${{ secrets.SLACK_WEBHOOK_URL }}""",
)
SECURITY = """
on: [pull_request]
jobs:
  security:
    runs-on: ubuntu-latest
    steps:
      - run: uv run bandit -r services
      - run: uv run pip-audit --strict
      - run: uvx zizmor --offline .github/workflows
      - run: uvx --from checkov==3.3.30 checkov --directory . --skip-download
      - run: gitleaks detect --no-banner
"""


def level_1_tree(root: Path, level: int = 1) -> None:
    copy_configuration(root, level)
    write(
        root,
        {
            "infrastructure/docker/market-data.Dockerfile": "FROM python:3.11-slim\n",
            "infrastructure/docker/telegram-bot.Dockerfile": "FROM python:3.11-slim\n",
            "services/common/src/app_common/settings.py": "X = 1\n",
            "services/market-data/src/app_market_data/app.py": (
                '@app.get("/health")\n@app.get("/v1/price/{symbol:path}")\n'
            ),
            "services/telegram-bot/src/app_telegram_bot/webhook.py": 'ROUTE = "/health"\n',
            "tests/unit/services/test_formatting.py": (
                "from app_telegram_bot.formatting import format_price\n\n"
                "def test_price() -> None:\n    assert format_price(1) == '1.0000'\n"
            ),
            ".github/workflows/quality.yml": QUALITY,
        },
    )


def checklist(
    capsys: pytest.CaptureFixture[str], root: Path, *args: str, code: int = EXIT_OK
) -> str:
    """What `generate-checklist --project-dir ROOT ARGS` prints, once it exited with `code`."""
    assert main(["--project-dir", str(root), *args]) == code
    return capsys.readouterr().out


def checked(root: Path, level: int) -> dict[str, bool]:
    return {text: result.done for text, result in check_level(root, level)}


def test_level_1_marks_what_is_there_and_what_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    level_1_tree(tmp_path)

    output = checklist(capsys, tmp_path)

    slug = load_project(tmp_path).slug
    assert output.startswith(f"## Level 1 (Basic) checklist of {slug}\n")
    assert "- [x] Add health endpoints to all services (/health in market-data, telegram-bot)" in (
        output
    )
    assert "- [x] Create basic unit tests for formatting functions" in output
    assert "- [ ] Create unit tests for the ATR calculation" in output
    assert (
        "- [x] Set up GitHub Actions quality pipeline (ruff (quality.yml/lint), "
        "mypy (quality.yml/lint), pytest (quality.yml/unit-tests))"
    ) in output
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
            "tests/unit/services/test_atr.py": (  # the module imported from its package
                "from app_market_data import atr\n\ndef test_a(): ...\n"
            ),
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
        "Create production deployment workflow": True,
        "Roll back automatically when production health fails": True,
        "Set up CloudWatch alarms and dashboard": False,  # no dashboard
        "Set up Prometheus scraping and a Grafana dashboard": True,
        "Integrate security scanning (bandit, pip-audit, zizmor, checkov)": True,
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

    # --strict is about the repository: the items to confirm outside it cannot fail it.
    output = checklist(capsys, tmp_path, "--strict")
    level_3 = load_checklist()[3]
    assert output.count("- [x]") == len(level_3["repository"])
    assert output.count("- [ ]") == output.count("- [ ] to confirm: ") == len(level_3["outside"])
    assert "2 secrets and variables documented in docs/deployment/" in output


def test_another_level_is_checked_with_level(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    level_1_tree(tmp_path)
    output = checklist(capsys, tmp_path, "--level", "2")
    assert output.startswith("## Level 2 (Automated) checklist")
    assert "- [ ] Create staging deployment workflow" in output


STAGING = deploy_workflow(
    "staging",
    "\n  push:\n    branches: [develop]",
    """
        env:
          ROLE: ${{ vars.AWS_DEPLOY_ROLE_ARN }}""",
)


def level_2_tree(root: Path) -> None:
    """Every level-2 file in place, and nothing ever deployed."""
    level_1_tree(root, level=2)
    edit_yaml(root / ".copier-answers.yml", project_slug="demo", aws_region="eu-west-1")
    write(
        root,
        {
            ".github/workflows/staging.yml": STAGING,
            "infrastructure/aws/cloudformation/app.yml": (
                "Resources:\n  Service:\n    Type: AWS::ECS::Service\n"
            ),
            "infrastructure/aws/parameters/staging.json": "[]\n",
            "config/staging.env.example": "ENVIRONMENT=staging\n",
            "config/production.env.example": "ENVIRONMENT=production\n",
            "docs/deployment/environments.md": "Set STAGING_URL and AWS_DEPLOY_ROLE_ARN.\n",
        },
    )


def test_what_happens_outside_the_repository_is_to_confirm_never_ticked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    level_2_tree(tmp_path)

    output = checklist(capsys, tmp_path)

    assert (
        "- [x] Describe the staging environment in CloudFormation "
        "(infrastructure/aws/cloudformation/app.yml, infrastructure/aws/parameters/staging.json)"
    ) in output
    assert "- [x] Document the environment-specific settings and secrets" in output
    assert "- [ ] to confirm: Set up staging environment in AWS: `aws cloudformation " in output
    assert (
        "describe-stacks --region eu-west-1 --stack-name demo-staging "
        '--query "Stacks[0].StackStatus"` says CREATE_COMPLETE or UPDATE_COMPLETE'
    ) in output
    assert (
        "- [ ] to confirm: Configure environment-specific secrets: `gh variable list --env "
        "staging` lists AWS_DEPLOY_ROLE_ARN, STAGING_URL; `aws secretsmanager describe-secret "
        "--region eu-west-1 --secret-id demo/staging/telegram-bot-token"
    ) in output
    assert "- [ ] to confirm: Protect main and develop on GitHub: `gh api " in output
    outside = [item["item"] for item in load_checklist()[2]["outside"]]
    ticked = [line for line in output.splitlines() if line.startswith("- [x]")]
    assert not [line for line in ticked for text in outside if text in line]
    assert not [line for line in ticked if "AWS" in line.split("(")[0]]
    assert output.endswith(f"done in the repository; {len(outside)} to confirm outside it.\n")


def test_level_1_has_nothing_outside_the_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    level_1_tree(tmp_path)
    main(["--project-dir", str(tmp_path)])
    output = capsys.readouterr().out
    assert "to confirm" not in output
    assert "aws " not in output


def test_bad_usage_and_missing_configuration_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--project-dir", str(tmp_path)]) == EXIT_CONFIG_ERROR
    assert "evolution.yml not found" in capsys.readouterr().err
    assert main(["--project-dir", str(ROOT), "--level", "7"]) == EXIT_CONFIG_ERROR
    assert "invalid choice: 7 (choose from 1, 2, 3, 4)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("item", "error"),
    [
        ("{item: Ship it, check: teleport}", "'Ship it': `check` must be one of files, "),
        ("{item: Ship it, check: files, hint: x}", "'Ship it': missing a required argument"),
        ("{item: Ship it, check: files", "checklist.yml: expected ',' or '}'"),
    ],
)
def test_a_malformed_checklist_item_is_one_line_and_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    item: str,
    error: str,
) -> None:
    level_1_tree(tmp_path)
    items = tmp_path / "checklist.yml"
    items.write_text(f"1:\n  repository:\n    - {item}\n")
    monkeypatch.setattr(checklist_module, "CHECKLIST", items)
    assert main(["--project-dir", str(tmp_path)]) == EXIT_CONFIG_ERROR
    output = capsys.readouterr().err
    assert output.startswith("generate-checklist.sh: error: ") and error in output
    assert output.count("\n") == 1


def test_the_script_reports_this_project_and_exits_0() -> None:
    result = run_command([str(SCRIPT)])
    assert result.returncode == EXIT_OK, result.stderr
    items = [line for line in result.stdout.splitlines() if line.startswith("- [")]
    assert items
    assert all(line.startswith(("- [x] ", "- [ ] ")) for line in items)
    # Nothing outside the repository is ticked: AWS and GitHub settings are to confirm.
    to_confirm = [line for line in items if line.startswith("- [ ] to confirm: ")]
    assert not [line for line in items if line.startswith("- [x]") and "in AWS" in line]
    if (ROOT / "infrastructure" / "aws").is_dir():
        assert to_confirm
        assert all(re.search(r": `(aws|gh) [^`]+`", line) for line in to_confirm), to_confirm
    else:
        assert not to_confirm
    missing = [line for line in items if line.startswith("- [ ] ") and line not in to_confirm]
    strict = subprocess.run([str(SCRIPT), "--strict"], capture_output=True, check=False)
    assert strict.returncode == (EXIT_MISSING if missing else EXIT_OK)
