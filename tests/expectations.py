"""What a generated project contains at each level: path -> first level that has it.

A level-L project has every path whose level is <= L and none of the others.
"""

from __future__ import annotations

INTRODUCED_AT: dict[str, int] = {
    # level 1: Basic (manual deployment, basic testing, one quality workflow)
    ".copier-answers.yml": 1,
    ".env.example": 1,
    ".gitignore": 1,
    ".pre-commit-config.yaml": 1,
    "LICENSE": 1,
    "Makefile": 1,
    "README.md": 1,
    "pyproject.toml": 1,
    "config/evolution.yml": 1,
    "config/feature-flags.yml": 1,
    ".github/workflows/quality.yml": 1,
    ".github/zizmor.yml": 1,
    ".github/PULL_REQUEST_TEMPLATE.md": 1,
    "services/common/pyproject.toml": 1,
    "services/market-data/pyproject.toml": 1,
    "services/telegram-bot/pyproject.toml": 1,
    "scripts/setup/upgrade.py": 1,
    "ops/pyproject.toml": 1,
    "ops/src/ops/__init__.py": 1,
    "ops/src/ops/project.py": 1,
    "ops/src/ops/cli.py": 1,
    "ops/src/ops/run_local.py": 1,
    "tests/__init__.py": 1,
    "scripts/deploy/README.md": 1,
    "infrastructure/docker/market-data.Dockerfile": 1,
    "infrastructure/docker/telegram-bot.Dockerfile": 1,
    "infrastructure/docker/docker-compose.yml": 1,
    # evolution toolkit: detector, checklist, generators (every level)
    "scripts/evolution_detector.py": 1,
    "ops/src/ops/evolution/__init__.py": 1,
    "ops/src/ops/evolution/detector.py": 1,
    "tests/unit/ops/test_evolution_triggers.py": 1,
    "tests/unit/ops/test_evolution_metrics.py": 1,
    "tests/integration/ops/test_evolution_detector.py": 1,
    "ops/src/ops/evolution/checklist.py": 1,
    "scripts/generate-checklist.sh": 1,
    "tests/unit/ops/test_checklist.py": 1,
    "ops/src/ops/generators/__init__.py": 1,
    "ops/src/ops/generators/testgen.py": 1,
    "scripts/generators/generate-tests.py": 1,
    "tests/unit/ops/test_generators_tests.py": 1,
    "ops/src/ops/generators/docgen.py": 1,
    "scripts/generators/generate-docs.py": 1,
    "tests/unit/ops/test_generators_docs.py": 1,
    "ops/src/ops/generators/deploygen.py": 1,
    "scripts/generators/generate-deployment.py": 1,
    "tests/unit/ops/test_generators_deployment.py": 1,
    "docs/development/evolution.md": 1,
    # level 2: Automated (CI, quality gates, staging deployment, GitFlow)
    ".github/workflows/evolution.yml": 2,
    ".github/workflows/testing.yml": 2,
    ".github/workflows/staging.yml": 2,
    ".github/CODEOWNERS": 2,
    ".github/dependabot.yml": 2,
    ".markdownlint-cli2.yaml": 2,
    "config/staging.env.example": 2,
    "config/production.env.example": 2,
    "docs/deployment/environments.md": 2,
    "docs/deployment/staging.md": 2,
    "docs/deployment/first-deploy.md": 2,
    # weekly template-update pull request (issue 18)
    ".github/workflows/template-update.yml": 2,
    "docs/development/template-updates.md": 2,
    # deploy rehearsal: the stacks and the deploy commands together in moto (issue 18)
    "tests/integration/test_deploy_rehearsal.py": 2,
    "tests/rehearsal_stacks.py": 2,
    "docs/development/branching.md": 2,
    "scripts/setup/apply-branch-protection.sh": 2,
    "ops/src/ops/deploy/smoke_test.py": 2,
    "tests/unit/ops/test_smoke_test.py": 2,
    "tests/unit/services/test_env_examples.py": 2,
    "tests/unit/ops/test_branch_protection.py": 2,
    # AWS infrastructure (issue 5): CloudFormation and parameter files
    "infrastructure/aws/cloudformation/bootstrap.yml": 2,
    "infrastructure/aws/cloudformation/network.yml": 2,
    "infrastructure/aws/cloudformation/app.yml": 2,
    "infrastructure/aws/parameters/bootstrap.json": 2,
    "infrastructure/aws/parameters/network.json": 2,
    "infrastructure/aws/parameters/staging.json": 2,
    "infrastructure/aws/parameters/production.json": 3,
    # AWS deploy command (issue 5): ecs-deploy, the ops.deploy package
    "ops/src/ops/deploy/cli.py": 2,
    "ops/src/ops/deploy/__init__.py": 2,
    "tests/unit/ops/test_ecs_deploy_units.py": 2,
    "tests/unit/ops/test_ecs_deploy_parameters.py": 2,
    "tests/unit/ops/test_load_balancer_edge.py": 2,
    "tests/integration/ops/test_ecs_deploy.py": 2,
    "tests/integration/ops/test_ecs_deploy_wait.py": 2,
    "docs/deployment/aws.md": 2,
    # scale-out (issue 10): webhook registration as a deploy step
    "ops/src/ops/deploy/telegram_webhook.py": 2,
    "tests/unit/ops/test_telegram_webhook_script.py": 2,
    # feature flags from AWS AppConfig: the publish command and the stack's resources
    "ops/src/ops/deploy/flags_publish.py": 2,
    "tests/unit/ops/test_flags_publish.py": 2,
    "tests/unit/ops/test_feature_flags_stack.py": 2,
    # least privilege (issue 17): the migration task in every environment, the services
    # on RDS as their own user with IAM tokens
    "ops/src/ops/deploy/migration.py": 2,
    "tests/integration/ops/test_ecs_deploy_migrate.py": 2,
    "tests/unit/ops/test_database_stack.py": 2,
    "tests/unit/services/test_common_database_login.py": 1,
    "tests/integration/services/test_database_app_user.py": 1,
    # scale-out (issue 10): flood limits and exactly-once alerts, every level
    "tests/integration/services/test_alert_delivery.py": 1,
    "tests/unit/services/test_bot_ratelimit.py": 1,
    "tests/unit/services/test_bot_metrics.py": 1,
    "tests/conftest.py": 1,
    "benchmarks/bench_alert_fanout.py": 1,
    # health in every mode (issue 16): the bot's /health and /readiness, polling too
    "tests/unit/services/test_bot_health.py": 1,
    "tests/integration/services/test_bot_health.py": 1,
    "tests/e2e/test_bot_health_e2e.py": 1,
    "tests/unit/ops/test_bot_health_wiring.py": 1,
    # charts (issue 16): /chart and its benchmark, every level
    "tests/unit/services/test_bot_chart.py": 1,
    "tests/unit/services/test_bot_chart_command.py": 1,
    "benchmarks/bench_chart.py": 1,
    # documentation site (issue 5, level 3): MkDocs + mkdocstrings, built by docs.yml
    "mkdocs.yml": 3,
    ".lycheeignore": 3,
    ".github/workflows/docs.yml": 3,
    "docs/index.md": 3,
    "docs/api/openapi.md": 3,
    "docs/reference/common.md": 3,
    "docs/reference/market-data.md": 3,
    "docs/reference/telegram-bot.md": 3,
    # production pipeline (issue 5, level 3): promotion, release
    "ops/src/ops/deploy/promotion.py": 3,
    "ops/src/ops/github_api.py": 3,
    "tests/unit/ops/test_promotion.py": 3,
    # security integration (issue 5, level 3): secret scan, policy
    "SECURITY.md": 3,
    ".secrets.baseline": 3,
    "docs/development/security.md": 3,
    # monitoring and alerting (issue 5, level 3)
    "infrastructure/aws/cloudformation/monitoring.yml": 3,
    "infrastructure/aws/parameters/monitoring-staging.json": 3,
    "infrastructure/aws/parameters/monitoring-production.json": 3,
    "infrastructure/monitoring/prometheus.yml": 3,
    "infrastructure/monitoring/alert-rules.yml": 3,
    "infrastructure/monitoring/alert-rules.test.yml": 3,
    "infrastructure/monitoring/grafana-dashboard.json": 3,
    "infrastructure/monitoring/grafana/datasources/prometheus.yml": 3,
    "infrastructure/monitoring/grafana/dashboards/dashboards.yml": 3,
    "ops/src/ops/monitoring/__init__.py": 2,
    "ops/src/ops/monitoring/health_check.py": 2,
    "tests/unit/ops/test_health_check.py": 2,
    "tests/unit/ops/test_monitoring_stack.py": 3,
    "tests/unit/ops/test_prometheus_config.py": 3,
    "tests/integration/ops/test_prometheus_queries.py": 3,
    "docs/deployment/monitoring.md": 3,
    ".github/workflows/production.yml": 3,
    "docs/deployment/production.md": 3,
    ".github/workflows/release.yml": 3,
    "CHANGELOG.md": 3,
    ".github/workflows/commits.yml": 3,
    "tests/unit/ops/test_release_commitizen.py": 3,
    "tests/unit/ops/test_production_environment.py": 3,
    # deployment analytics and performance benchmarks (issue 6, level 4)
    "ops/src/ops/monitoring/dashboard.py": 4,
    "ops/src/ops/monitoring/dora.py": 4,
    "tests/fixtures/analytics/build_history.py": 4,
    "tests/fixtures/analytics/commits.json": 4,
    "tests/fixtures/analytics/deployments.jsonl": 4,
    "tests/unit/ops/test_dora.py": 4,
    "tests/unit/ops/test_dashboard.py": 4,
    "tests/integration/ops/test_dashboard_aws.py": 4,
    "ops/src/ops/monitoring/github_deployments.py": 4,
    "tests/unit/ops/test_dora_github.py": 4,
    "tests/fixtures/github/deployments.page-1.json": 4,
    "benchmarks/test_bench_services.py": 4,
    ".github/workflows/performance.yml": 4,
    "docs/deployment/analytics.md": 4,
    # blue/green production deployments through CodeDeploy (issue 6, level 4)
    "tests/integration/ops/test_ecs_deploy_bluegreen.py": 4,
    "tests/unit/ops/test_bluegreen_units.py": 4,
    ".github/workflows/rollback.yml": 4,
    "docs/deployment/blue-green.md": 4,
    # feature flags, rollouts and A/B tests (issue 6): every level; analytics at level 4
    "tests/unit/services/test_common_experiments.py": 1,
    "tests/unit/services/test_bot_experiment.py": 1,
    "docs/development/feature-flags.md": 1,
    "ops/src/ops/analytics/__init__.py": 4,
    "ops/src/ops/analytics/experiments.py": 4,
    "tests/unit/ops/test_experiment_analytics.py": 4,
    # one request traceable across the services, optional error tracking (issue 19)
    "tests/integration/services/test_request_trace.py": 1,
    "tests/integration/services/test_error_tracking.py": 1,
    "tests/unit/services/test_common_error_tracking.py": 1,
    "docs/development/logs-and-errors.md": 1,
    # backups (issue 18): SQLite at every level, RDS snapshots from level 2
    "scripts/backup/sqlite.py": 1,
    "ops/src/ops/backup/sqlite.py": 1,
    "ops/src/ops/backup/cli.py": 1,
    "tests/unit/ops/test_backup_sqlite.py": 1,
    "docs/development/backups.md": 1,
    "scripts/backup/rds.py": 2,
    "ops/src/ops/backup/rds.py": 2,
    "ops/src/ops/backup/rds_cli.py": 2,
    "tests/unit/ops/test_backup_rds.py": 2,
}


def expected_at(level: int) -> set[str]:
    return {path for path, first in INTRODUCED_AT.items() if first <= level}


def absent_at(level: int) -> set[str]:
    return {path for path, first in INTRODUCED_AT.items() if first > level}


def added_by(level: int) -> set[str]:
    return {path for path, first in INTRODUCED_AT.items() if first == level}
