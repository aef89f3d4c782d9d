"""Names shared with infrastructure/aws/cloudformation/ (keep the two in step).

They are built at run time from the project's slug and level (ops.project), not
baked into the code: staging from level 2, production from level 3.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ops.project import current_project

APPS: Final = ("market-data", "telegram-bot")
# The port each app's container serves (app.yml: ContainerPort; blue/green AppSpecs).
CONTAINER_PORTS: Final = {"market-data": 8080, "telegram-bot": 8081}


def default_region(environ: Mapping[str, str]) -> str:
    """AWS_REGION, else AWS_DEFAULT_REGION, else the project's region."""
    return (
        environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or current_project().region
    )


def environments() -> tuple[str, ...]:
    """The environments the project deploys to: staging, and production from level 3."""
    if current_project().has("production_deployment"):
        return ("staging", "production")
    return ("staging",)


def _named(*parts: str) -> str:
    return "-".join((current_project().slug, *parts))


def cluster_name(environment: str) -> str:
    """The ECS cluster of `environment` (app.yml: Cluster)."""
    return _named(environment)


def bootstrap_stack_name() -> str:
    """The account's stack of the OIDC provider, the roles and ECR (Makefile: make bootstrap)."""
    return _named("bootstrap")


def network_stack_name() -> str:
    """The VPC stack the environments share (Makefile: make bootstrap)."""
    return _named("network")


def app_stack_name(environment: str) -> str:
    """The app stack of `environment` (Makefile: make bootstrap)."""
    return _named(environment)


def monitoring_stack_name(environment: str) -> str:
    """The alarms and dashboards stack of `environment` (Makefile: make bootstrap)."""
    return _named(environment, "monitoring")


def alarm_prefix(environment: str) -> str:
    """The name prefix of the environment's CloudWatch alarms."""
    return _named(environment)


def service_name(environment: str, app: str) -> str:
    """The ECS service of `app` in `environment`, and its task definition family
    (app.yml: *Service, *TaskDefinition)."""
    return _named(environment, app)


def migration_family(environment: str) -> str:
    """The task definition family of the one-off database migration task."""
    return _named(environment, "migrate")


def codedeploy_application(environment: str) -> str:
    """The CodeDeploy application of `environment` (app.yml: CodeDeployApplication)."""
    return _named(environment)


def deployment_group(environment: str, app: str) -> str:
    """The CodeDeploy deployment group of `app` (app.yml: *DeploymentGroup)."""
    return _named(environment, app)


def listener_access_group(environment: str) -> str:
    """The security group of the test listener (app.yml: TestTrafficSecurityGroup)."""
    return _named(environment, "test-traffic")


def repository_name(app: str) -> str:
    """The ECR repository of `app` (bootstrap.yml)."""
    return f"{current_project().slug}/{app}"


def secret_name(environment: str, name: str) -> str:
    """The Secrets Manager secret `name` of `environment`, such as telegram-bot-token."""
    return f"{current_project().slug}/{environment}/{name}"


def bot_token_secret_name(environment: str) -> str:
    """The secret that holds TELEGRAM_BOT_TOKEN (app.yml)."""
    return secret_name(environment, "telegram-bot-token")
