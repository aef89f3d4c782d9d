"""Copying the template at each level: the right files, fully rendered."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import LEVELS, answers, evolution, project_files
from expectations import absent_at, expected_at

# Jinja left in a rendered file. Legitimate look-alikes: GitHub expressions
# `${{ }}`, CloudFormation `{{resolve:...}}`, Prometheus `{{ $labels }}` and
# Go templates (`{{.State}}`, `{{if .X}}...{{end}}` in docker formats); files
# that the project renders itself end in `.j2`.
LEFTOVER_JINJA = re.compile(
    r"(?<!\$)\{\{(?!\s*(?:resolve:|\$|\.)|(?:if|else|end|range|with|json)\b)|\{%|\{#.*?#\}"
)


def leftover_jinja(path: Path) -> list[str]:
    found = []
    for file in project_files(path):
        if file.suffix == ".j2":
            continue
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if LEFTOVER_JINJA.search(line):
                found.append(f"{file.relative_to(path)}:{number}: {line.strip()}")
    return found


@pytest.mark.parametrize("level", LEVELS)
def test_copy_at_level_has_that_levels_files_and_no_higher(
    render: Callable[..., Path], level: int
) -> None:
    project = render(level)
    missing = sorted(p for p in expected_at(level) if not (project / p).is_file())
    unexpected = sorted(p for p in absent_at(level) if (project / p).exists())
    assert not missing, f"level {level} lacks {missing}"
    assert not unexpected, f"level {level} has files of higher levels: {unexpected}"


@pytest.mark.parametrize("level", LEVELS)
def test_copy_at_level_leaves_no_template_jinja(render: Callable[..., Path], level: int) -> None:
    assert leftover_jinja(render(level)) == []


@pytest.mark.parametrize("level", LEVELS)
def test_evolution_yml_and_answers_match_the_level(render: Callable[..., Path], level: int) -> None:
    project = render(level)
    config = evolution(project)
    assert config["current_level"] == level
    assert config["target_level"] == min(level + 1, 4)
    assert config["features"] == {
        "automated_testing": level >= 2,
        "staging_deployment": level >= 2,
        "monitoring": level >= 3,
        "security_scanning": level >= 3,
    }
    assert config["roadmap"] == {
        "level_2_trigger": "when_team_size > 2 OR deployment_frequency > weekly",
        "level_3_trigger": "when_production_traffic > 1000_users OR uptime_requirement > 99%",
        "level_4_trigger": "when_multiple_services OR geographic_distribution",
    }
    assert answers(project)["maturity_level"] == level


@pytest.mark.parametrize("level", LEVELS)
def test_feature_flags_follow_the_level_and_keep_the_seed_triggers(
    render: Callable[..., Path], level: int
) -> None:
    flags = yaml.safe_load((render(level) / "config" / "feature-flags.yml").read_text())
    features = flags["features"]
    first_level = {
        "health_endpoints": 1,
        "basic_testing": 1,
        "staging_deployment": 2,
        "integration_testing": 2,
        "monitoring_dashboards": 3,
        "security_scanning": 3,
        "blue_green_deployment": 4,
        "a_b_testing": 4,
    }
    for name, first in first_level.items():
        assert features[name]["enabled"] is (level >= first), name
        assert features[name]["description"]
    assert features["staging_deployment"]["trigger"] == "when deployment_frequency > weekly"
    assert features["a_b_testing"]["trigger"] == "when user_base > 10000"
    assert set(flags["environments"]) == {"local", "staging", "production"}
    production = flags["environments"]["production"]["override"]
    staging = flags["environments"]["staging"]["override"]
    assert staging["enhanced_price_display"] is True
    assert production["enhanced_price_display"] is False


def test_questions_of_higher_levels_are_not_asked_at_level_1(
    render: Callable[..., Path],
) -> None:
    recorded = answers(render(1))
    for key in ("aws_region", "notification_channel", "deployment_config", "exchange_id"):
        assert key not in recorded


def test_level_4_records_cloud_and_rollout_answers(render: Callable[..., Path]) -> None:
    recorded = answers(render(4, aws_region="eu-west-1", notification_channel="slack"))
    assert recorded["aws_region"] == "eu-west-1"
    assert recorded["notification_channel"] == "slack"
    assert recorded["deployment_config"].startswith("CodeDeployDefault.ECS")
    assert 1 <= recorded["rollout_percentage"] <= 100


def test_derived_names_follow_the_project_name(render: Callable[..., Path]) -> None:
    project = render(1, project_name="Moon Watcher 3000")
    recorded = answers(project)
    assert recorded["project_slug"] == "moon-watcher-3000"
    assert recorded["package_prefix"] == "moon_watcher_3000"
    assert (project / "services/common/src/moon_watcher_3000_common").is_dir()
    assert 'requires-python = ">=3.11"' in (project / "pyproject.toml").read_text()


def test_no_secret_is_asked_or_stored(render: Callable[..., Path]) -> None:
    text = (render(4) / ".copier-answers.yml").read_text().lower()
    for word in ("token", "secret", "password", "account_id", "webhook_url", "aws_access"):
        assert word not in text


def test_license_follows_the_answer(render: Callable[..., Path]) -> None:
    assert "Apache License" in (render(1, license="Apache-2.0") / "LICENSE").read_text()
    assert "All rights reserved" in (render(1, license="Proprietary") / "LICENSE").read_text()


def test_exchange_provider_records_the_exchange(render: Callable[..., Path]) -> None:
    recorded = answers(render(1, market_data_provider="exchange", exchange_id="okx"))
    assert recorded["exchange_id"] == "okx"
