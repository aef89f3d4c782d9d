"""What `status` reports beyond ECS: load balancer targets, alarms, the bot token secret."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import aws_call

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch.client import CloudWatchClient
    from mypy_boto3_elbv2.client import ElasticLoadBalancingv2Client
    from mypy_boto3_secretsmanager.client import SecretsManagerClient


@dataclass(frozen=True)
class TargetHealth:
    """How many of a service's load balancer targets pass their health check."""

    healthy: int
    total: int
    reasons: tuple[str, ...]

    def summary(self) -> str:
        """One line: healthy of total, and why the others are not."""
        text = f"{self.healthy}/{self.total} targets healthy"
        return f"{text} ({'; '.join(self.reasons)})" if self.reasons else text


def target_health(
    elbv2: ElasticLoadBalancingv2Client, target_groups: tuple[str, ...]
) -> TargetHealth:
    """Healthy targets over all of the service's target groups, with the reasons of the rest."""
    healthy = total = 0
    reasons: list[str] = []
    for arn in target_groups:
        with aws_call("describe target health"):
            response = elbv2.describe_target_health(TargetGroupArn=arn)
        for description in response.get("TargetHealthDescriptions", []):
            total += 1
            health = description.get("TargetHealth", {})
            if health.get("State") == "healthy":
                healthy += 1
            else:
                target = description.get("Target", {}).get("Id", "?")
                reason = health.get("Description") or health.get("Reason") or health.get("State")
                reasons.append(f"{target}: {reason}")
    return TargetHealth(healthy, total, tuple(reasons))


def alarms_firing(cloudwatch: CloudWatchClient, prefix: str) -> list[str]:
    """Names of this environment's CloudWatch alarms that are in ALARM."""
    names: list[str] = []
    with aws_call("describe alarms"):
        paginator = cloudwatch.get_paginator("describe_alarms")
        for page in paginator.paginate(AlarmNamePrefix=prefix, StateValue="ALARM"):
            names.extend(str(alarm["AlarmName"]) for alarm in page.get("MetricAlarms", []))
            names.extend(str(alarm["AlarmName"]) for alarm in page.get("CompositeAlarms", []))
    return sorted(names)


def secret_state(secrets: SecretsManagerClient, name: str) -> str:
    """Whether the secret holds a value: set, empty or missing (the value is never read)."""
    response: Mapping[str, Any] = {}
    with aws_call(f"describe secret {name}", ignore=("ResourceNotFoundException",)):
        response = secrets.describe_secret(SecretId=name)
    if not response or response.get("DeletedDate"):
        return "missing"
    stages = response.get("VersionIdsToStages", {})
    return "set" if any("AWSCURRENT" in labels for labels in stages.values()) else "empty"
