"""What each maturity level turns on, in one table.

Templates test features (``{% if features.staging_deployment %}``), never level
numbers. ``config/evolution.yml`` and ``config/feature-flags.yml`` are rendered
from the same tables, so the files a level adds and the flags it reports agree.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from copier_template_extensions import ContextHook

# The template repository's pyproject.toml pins the copier and plugins its
# tests run; generated projects upgrade with the same ones.
TEMPLATE_PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
UPGRADE_TOOLS = ("copier", "copier-template-extensions", "jinja2-time")

LEVELS = {
    1: "Basic",
    2: "Automated",
    3: "Professional",
    4: "Enterprise",
}

# The maturity question's choices: what each level adds, short enough for an
# 80-column terminal.
LEVEL_SUMMARIES = {
    1: "tests, Docker, one quality workflow, manual deploys",
    2: "CI, quality gates, staging on AWS",
    3: "production with approval, monitoring, security",
    4: "blue-green deploys, A/B tests, analytics",
}
LEVEL_CHOICES = {f"{n} - {LEVELS[n]}: {summary}": n for n, summary in LEVEL_SUMMARIES.items()}

# Capability -> first level that has it. The first four are the seed's
# evolution features; the rest are what later levels add.
FEATURE_LEVELS = {
    "automated_testing": 2,
    "staging_deployment": 2,
    "monitoring": 3,
    "security_scanning": 3,
    "production_deployment": 3,
    "documentation_site": 3,
    "blue_green_deployment": 4,
    "a_b_testing": 4,
    "advanced_analytics": 4,
}

EVOLUTION_FEATURES = (
    "automated_testing",
    "staging_deployment",
    "monitoring",
    "security_scanning",
)

# The seed's feature flags (config/feature-flags.yml), in its order.
FLAGS = {
    "health_endpoints": {
        "level": 1,
        "description": "Basic health check endpoints",
    },
    "basic_testing": {
        "level": 1,
        "description": "Unit tests for critical functions",
    },
    "staging_deployment": {
        "level": 2,
        "trigger": "when deployment_frequency > weekly",
        "description": "Automated staging deployment",
    },
    "integration_testing": {
        "level": 2,
        "trigger": "when staging_deployment.enabled",
        "description": "Comprehensive integration tests",
    },
    "monitoring_dashboards": {
        "level": 3,
        "trigger": "when production_traffic > 100_requests_per_minute",
        "description": "Grafana/CloudWatch dashboards",
    },
    "security_scanning": {
        "level": 3,
        "trigger": "when handling_user_data OR production_deployment",
        "description": "Automated security vulnerability scanning",
    },
    "blue_green_deployment": {
        "level": 4,
        "trigger": "when uptime_requirement > 99.9%",
        "description": "Zero-downtime deployments",
    },
    "a_b_testing": {
        "level": 4,
        "trigger": "when user_base > 10000",
        "description": "Feature flag driven A/B testing",
    },
}

# The seed's roadmap: the trigger that says a project is ready for level N.
ROADMAP = {
    2: "when_team_size > 2 OR deployment_frequency > weekly",
    3: "when_production_traffic > 1000_users OR uptime_requirement > 99%",
    4: "when_multiple_services OR geographic_distribution",
}


# Commercial AWS regions that have ECS Fargate, CodeDeploy and RDS.
AWS_REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2",
    "ca-central-1", "sa-east-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-central-2",
    "eu-north-1", "eu-south-1", "eu-south-2",
    "ap-south-1", "ap-south-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-east-1",
    "me-south-1", "me-central-1", "il-central-1", "af-south-1",
)  # fmt: skip

# CodeDeploy's predefined ECS traffic-shifting configurations, and what each does
# (the deployment_config question's choice labels).
CODEDEPLOY_CONFIGS = {
    "CodeDeployDefault.ECSAllAtOnce": "all traffic at once",
    "CodeDeployDefault.ECSCanary10Percent5Minutes": "10% first, the rest after 5 minutes",
    "CodeDeployDefault.ECSCanary10Percent15Minutes": "10% first, the rest after 15 minutes",
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes": "10% more every minute",
    "CodeDeployDefault.ECSLinear10PercentEvery3Minutes": "10% more every 3 minutes",
}


def codedeploy_choices() -> dict[str, str]:
    """``label: configuration`` for the question, such as ``ECSAllAtOnce - all traffic at once``."""
    return {
        f"{name.removeprefix('CodeDeployDefault.')} - {what}": name
        for name, what in CODEDEPLOY_CONFIGS.items()
    }


@cache
def upgrade_requirements() -> tuple[str, ...]:
    """The template's pins of copier and its plugins (``copier==9.19.1``, ...)."""
    pyproject = tomllib.loads(TEMPLATE_PYPROJECT.read_text(encoding="utf-8"))
    pins = pyproject["dependency-groups"]["dev"]
    return tuple(pin for pin in pins if pin.partition("==")[0] in UPGRADE_TOOLS)


def clamp_level(value: Any) -> int:
    """The answered level as an int within the ladder (validators reject the rest)."""
    try:
        level = int(value)
    except (TypeError, ValueError):
        return 1
    return min(max(level, 1), max(LEVELS))


def features_for(level: int) -> dict[str, bool]:
    return {name: level >= first for name, first in FEATURE_LEVELS.items()}


def flags_for(level: int) -> dict[str, dict[str, Any]]:
    return {name: {**spec, "enabled": level >= spec["level"]} for name, spec in FLAGS.items()}


class MaturityContext(ContextHook):
    """Adds ``level``, ``level_name``, ``features``, ``flags`` and ``roadmap``."""

    def hook(self, context: dict[str, Any]) -> None:
        level = clamp_level(context.get("maturity_level", 1))
        context["level"] = level
        context["level_name"] = LEVELS[level]
        context["levels"] = LEVELS
        context["level_choices"] = LEVEL_CHOICES
        context["next_level"] = min(level + 1, max(LEVELS))
        context["features"] = features_for(level)
        context["evolution_features"] = EVOLUTION_FEATURES
        context["ladder_adds"] = {
            n: [name for name, first in FEATURE_LEVELS.items() if first == n] for n in LEVELS
        }
        context["flags"] = flags_for(level)
        context["roadmap"] = ROADMAP
        context["aws_regions"] = AWS_REGIONS
        context["codedeploy_configs"] = tuple(CODEDEPLOY_CONFIGS)
        context["codedeploy_choices"] = codedeploy_choices()
        context["upgrade_requirements"] = list(upgrade_requirements())
