"""Names shared with infrastructure/aws/cloudformation/ (keep the two in step)."""

from __future__ import annotations

from typing import Final

PROJECT_SLUG: Final = "{{ project_slug }}"
DEFAULT_REGION: Final = "{{ aws_region }}"
{%- if features.production_deployment %}
PACKAGE_PREFIX: Final = "{{ package_prefix }}"
{%- endif %}
{%- if features.production_deployment %}
ENVIRONMENTS: Final = ("staging", "production")
{%- else %}
ENVIRONMENTS: Final = ("staging",)
{%- endif %}
APPS: Final = ("market-data", "telegram-bot")


def cluster_name(environment: str) -> str:
    """The ECS cluster of `environment` (app.yml: Cluster)."""
    return f"{PROJECT_SLUG}-{environment}"


def service_name(environment: str, app: str) -> str:
    """The ECS service of `app` in `environment` (app.yml: *Service)."""
    return f"{PROJECT_SLUG}-{environment}-{app}"


def repository_name(app: str) -> str:
    """The ECR repository of `app` (bootstrap.yml)."""
    return f"{PROJECT_SLUG}/{app}"


def bot_token_secret_name(environment: str) -> str:
    """The secret that holds TELEGRAM_BOT_TOKEN (app.yml)."""
    return f"{PROJECT_SLUG}/{environment}/telegram-bot-token"


def alarm_prefix(environment: str) -> str:
    """The name prefix of the environment's CloudWatch alarms."""
    return f"{PROJECT_SLUG}-{environment}"
{%- if features.production_deployment %}


def migration_family(environment: str) -> str:
    """The task definition family of the one-off database migration task (bootstrap.yml)."""
    return f"{PROJECT_SLUG}-{environment}-migrate"
{%- endif %}
{%- if features.blue_green_deployment %}


# Blue/green (production): app.yml's CodeDeploy application, deployment groups and
# the security group of the test listener. Staging keeps rolling deploys.
BLUE_GREEN_ENVIRONMENTS: Final = ("production",)
CONTAINER_PORTS: Final = {"market-data": 8080, "telegram-bot": 8081}


def app_stack_name(environment: str) -> str:
    """The app stack of `environment` (app.yml; Makefile: make bootstrap)."""
    return f"{PROJECT_SLUG}-{environment}"


def codedeploy_application(environment: str) -> str:
    """The CodeDeploy application of `environment` (app.yml: CodeDeployApplication)."""
    return f"{PROJECT_SLUG}-{environment}"


def deployment_group(environment: str, app: str) -> str:
    """The CodeDeploy deployment group of `app` (app.yml: *DeploymentGroup)."""
    return f"{PROJECT_SLUG}-{environment}-{app}"


def listener_access_group(environment: str) -> str:
    """The security group of the test listener (app.yml: TestTrafficSecurityGroup)."""
    return f"{PROJECT_SLUG}-{environment}-test-traffic"
{%- endif %}
