"""What the evolution detector measures from files, and how it reads owner figures."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ops.evolution.config import ConfigError, EvolutionConfig, Flag, owner_value
from ops.evolution.metrics import (
    Deployment,
    Metric,
    count_tests,
    coverage_percent,
    distinct,
    is_deployment_tag,
    logged_deployments,
    lookup,
    service_dirs,
)
from ops.evolution.triggers import PER_WEEK, Quantity
from ops.project import load_project

from tests.fakes import copy_configuration

TEST_MODULE = """
import pytest

def test_one(): ...
async def test_two(): ...
def helper(): ...

class TestGroup:
    def test_three(self): ...
    def setup_method(self): ...

class Helper:
    def test_not_collected(self): ...
"""


def test_counts_test_functions_and_methods_of_test_classes() -> None:
    assert count_tests(TEST_MODULE) == 3


def test_coverage_from_the_newest_report(tmp_path: Path) -> None:
    assert coverage_percent(tmp_path) is None
    (tmp_path / "coverage.xml").write_text('<coverage line-rate="0.8312"></coverage>')
    assert coverage_percent(tmp_path) == pytest.approx((83.12, "coverage.xml"))
    report = tmp_path / "coverage.json"
    report.write_text(json.dumps({"totals": {"percent_covered": 91.5}}))
    newer = (tmp_path / "coverage.xml").stat().st_mtime + 10
    os.utime(report, (newer, newer))
    assert coverage_percent(tmp_path) == (91.5, "coverage.json")


def test_services_are_the_folders_with_a_dockerfile(tmp_path: Path) -> None:
    for name in ("common", "market-data", "telegram-bot", "news"):
        (tmp_path / "services" / name).mkdir(parents=True)
    (tmp_path / "infrastructure" / "docker" / "telegram-bot").mkdir(parents=True)
    (tmp_path / "infrastructure" / "docker" / "market-data.Dockerfile").write_text("FROM x\n")
    (tmp_path / "infrastructure" / "docker" / "telegram-bot" / "Dockerfile").write_text("FROM x\n")
    assert service_dirs(tmp_path) == ["market-data", "telegram-bot"]
    (tmp_path / "services" / "news" / "Dockerfile").write_text("FROM x\n")
    assert service_dirs(tmp_path) == ["market-data", "news", "telegram-bot"]


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("deploy-20250708-1345", True),
        ("deploy/production/42", True),
        ("v1.2.3", True),
        ("v2", True),
        ("very-old", False),
        ("release-1", False),
    ],
)
def test_deployment_tags(tag: str, expected: bool) -> None:
    assert is_deployment_tag(tag) is expected


def test_deployment_log_lines_and_unreadable_ones(tmp_path: Path) -> None:
    log = tmp_path / ".data" / "deployments.jsonl"
    log.parent.mkdir()
    log.write_text(
        '{"time": "2025-07-08T13:45:23Z", "environment": "production", "action": "deploy",'
        ' "outcome": "started", "commit": "abc"}\n'
        '{"time": "2025-07-08T13:50:00Z", "environment": "production", "action": "wait",'
        ' "outcome": "succeeded", "commit": "abc"}\n'
        '{"time": "2025-07-08T14:00:00Z", "action": "deploy", "outcome": "failed"}\n'
        '{"time": "2025-07-08T15:00:00Z", "action": "rollback", "outcome": "succeeded"}\n'
        '{"time": "2025-07-08T16:00:00Z", "environment": "production",'
        ' "action": "bluegreen-start", "outcome": "started", "commit": "def"}\n'
        '{"time": "2025-07-08T16:20:00Z", "environment": "production",'
        ' "action": "bluegreen-promote", "outcome": "succeeded", "commit": "def"}\n'
        "\n"
        "not json\n"
        '{"environment": "staging"}\n'
        '{"timestamp": "2025-07-09T10:00:00+00:00", "commit": "unknown"}\n'
    )
    deployments, skipped = logged_deployments(tmp_path)
    assert skipped == 2
    assert [(item.when.day, item.environment, item.commit) for item in deployments] == [
        (8, "production", "abc"),
        (8, "production", "def"),
        (9, None, None),
    ]


def test_a_release_tag_and_a_deploy_tag_of_one_commit_on_one_day_count_once() -> None:
    day = datetime(2025, 7, 8, 12, tzinfo=UTC)
    later = datetime(2025, 7, 9, 12, tzinfo=UTC)
    deployments = [
        Deployment(day, "abc", "v1.0.0"),
        Deployment(day, "abc", "deploy-20250708"),
        Deployment(later, "abc", "deploy-20250709"),
        Deployment(day, None, ".data/deployments.jsonl"),
    ]
    assert len(distinct(deployments)) == 3


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        (True, True),
        (99.9, Quantity(99.9)),
        (12000, Quantity(12000)),
        ("99.9%", Quantity(99.9, "%")),
        ("daily", Quantity(7, PER_WEEK)),
        ("1500_users", Quantity(1500, "users")),
        (
            {"users": 1500, "requests_per_minute": None},
            {"users": Quantity(1500, "users"), "requests_per_minute": None},
        ),
    ],
)
def test_owner_figures(raw: object, expected: object) -> None:
    assert owner_value(raw, "metrics.x") == expected


@pytest.mark.parametrize("raw", ["lots", [1, 2], {"users": "many"}, {"users": True}])
def test_owner_figures_that_are_not_figures_are_configuration_errors(raw: object) -> None:
    with pytest.raises(ConfigError, match=r"^config/evolution.yml: metrics\.user_base"):
        owner_value(raw, "config/evolution.yml: metrics.user_base")


def test_names_resolve_to_metrics_units_flags_and_features(tmp_path: Path) -> None:
    copy_configuration(tmp_path, level=2)
    config = EvolutionConfig(
        project=load_project(tmp_path),
        roadmap={},
        metrics={},
        flags={"staging_deployment": Flag("staging_deployment", True, None)},
    )
    traffic = {"users": Quantity(10, "users"), "requests_per_minute": None}
    metrics = {
        "team_size": Metric("team_size", Quantity(3), "git", ""),
        "production_traffic": Metric("production_traffic", traffic, "config", ""),
    }
    assert lookup(metrics, config, "team_size") == Quantity(3)
    assert lookup(metrics, config, "production_traffic.users") == Quantity(10, "users")
    assert lookup(metrics, config, "production_traffic.requests_per_minute") is None
    assert lookup(metrics, config, "staging_deployment.enabled") is True
    assert lookup(metrics, config, "features.staging_deployment") is True
    assert lookup(metrics, config, "features.monitoring") is False
    assert lookup(metrics, config, "nobody_measures_this") is None
    assert lookup(metrics, config, "unknown_flag.enabled") is None
