"""scripts/evolution_detector.py on a project with a made-up git history.

Each test copies this project's configuration (its real roadmap and flag
triggers) into a fresh repository at level 1, commits as a few authors at
chosen dates, tags deployments, and checks the report and the exit code.
"""

from __future__ import annotations

import json
import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from ops.evolution.detector import EXIT_CONFIG_ERROR, EXIT_OK, EXIT_UPGRADE_DUE, analyse, main

from tests.fakes import ROOT, copy_configuration, edit_yaml, git, run, run_command

SCRIPT = ROOT / "scripts" / "evolution_detector.py"
NOW = datetime.now(UTC)


class Project:
    """A copy of this project's configuration in a git repository of its own, at
    level 1 unless told, with every feature flag off."""

    def __init__(self, path: Path, level: int = 1) -> None:
        self.path = path
        copy_configuration(path, level)
        for source in [*ROOT.glob("services/*/pyproject.toml"), *ROOT.glob("infrastructure/**/*")]:
            target = path / source.relative_to(ROOT)
            if source.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(source, target)
        flags = yaml.safe_load((path / "config/feature-flags.yml").read_text())["features"]
        self.edit(
            "config/feature-flags.yml",
            features={name: {**spec, "enabled": False} for name, spec in flags.items()},
        )
        self.git("init", "-q", "-b", "main")

    def edit(self, name: str, **changes: Any) -> None:
        edit_yaml(self.path / name, **changes)

    def git(self, *args: str, email: str = "owner@example.com", days_ago: float = 0) -> str:
        moment = (NOW - timedelta(days=days_ago)).isoformat(timespec="seconds")
        return git(self.path, *args, email=email, date=moment)

    def commit(self, email: str, days_ago: float) -> None:
        self.git("add", "-A", email=email, days_ago=days_ago)
        message = f"work by {email}"
        self.git("commit", "-q", "--allow-empty", "-m", message, email=email, days_ago=days_ago)

    def deploy(self, days_ago: float) -> None:
        """Tag the last commit as deployed, the way scripts/deploy/README.md says."""
        name = f"deploy-{(NOW - timedelta(days=days_ago)):%Y%m%d-%H%M%S}"
        self.git("tag", "-a", name, "-m", "Deployed to production", days_ago=days_ago)

    def detect(self, *args: str) -> tuple[int, str]:
        result = run_command([sys.executable, str(SCRIPT), "--project-dir", str(self.path), *args])
        return result.returncode, result.stdout + result.stderr


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path)


def test_a_team_of_three_makes_level_2_due(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.commit("old-timer@example.com", days_ago=200)  # outside the 90-day window
    project.commit("ana@example.com", days_ago=60)
    project.deploy(days_ago=60)
    project.commit("ben@example.com", days_ago=30)
    project.deploy(days_ago=30)
    project.commit("cy@example.com", days_ago=3)
    project.commit("49699333+dependabot[bot]@users.noreply.github.com", days_ago=2)
    project.deploy(days_ago=2)

    code, output, _ = run(main, capsys, "--project-dir", str(project.path))

    assert code == EXIT_UPGRADE_DUE
    assert "level 2 (Automated): HOLDS" in output
    assert "more than 2 people who committed in the last 90 days (now: 3)" in output
    assert "deployments more often than weekly (now: 0.2" in output
    assert "make upgrade LEVEL=2" in output
    report = analyse(project.path)
    assert report.metrics["deployment_frequency"].detail.startswith("3 deployments in the last")
    assert report.metrics["production_deployment"].value is True


def test_frequent_deployments_make_level_2_due_and_the_staging_flag_hold(
    project: Project,
) -> None:
    project.commit("ana@example.com", days_ago=20)
    project.commit("ben@example.com", days_ago=15)
    for days_ago in (1, 3, 5, 8, 10, 12):
        project.deploy(days_ago)
    # The release tag of the last deployment's commit, the same day: not a second one.
    project.git("tag", "-a", "v1.0.0", "-m", "Release 1.0.0", days_ago=1)

    report = analyse(project.path)

    assert report.metrics["team_size"].display == "2"
    assert report.metrics["deployment_frequency"].detail.startswith("6 deployments in the last 2.9")
    assert report.exit_code == EXIT_UPGRADE_DUE
    assert [result.result for result in report.levels] == [True, None, None]
    flags = {flag.name: flag.result for flag in report.flags}
    assert flags["staging_deployment"] is True
    assert flags["blue_green_deployment"] is None


@pytest.fixture
def quiet(project: Project) -> Project:
    """Two people, one deployment two months ago: nothing is due."""
    project.commit("ana@example.com", days_ago=100)
    project.deploy(days_ago=60)
    project.commit("ben@example.com", days_ago=10)
    return project


def test_a_quiet_project_has_nothing_due_and_says_what_is_unknown(
    quiet: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output, _ = run(main, capsys, "--project-dir", str(quiet.path))

    assert code == EXIT_OK
    assert "level 2 (Automated): does not hold" in output
    assert "level 3 (Professional): undecided" in output
    assert "No upgrade due" in output
    assert "copier update" not in output
    # Plain words with each value, never the trigger grammar.
    words = " ".join(output.split())  # the conditions are wrapped for the terminal
    assert "when more than 1000 production users (now: unknown) or promised uptime above 99%" in (
        words
    )
    assert "more services than the two the template generates (now: no)" in words
    assert "when_" not in output
    assert not [line for line in output.splitlines() if " > " in line or "_users" in line]
    # Each unknown figure says once where to set it, with what it would decide.
    unknown = output.split("Unknown metrics: where to set them\n")[1].split("\n\n")[0]
    hints = {line.split()[0]: " ".join(line.split()[1:]) for line in unknown.splitlines()}
    assert hints["production_traffic.users"] == (
        "set metrics.production_traffic.users in config/evolution.yml (decides level 3)"
    )
    assert hints["uptime_requirement"] == (
        "set metrics.uptime_requirement in config/evolution.yml "
        "(decides level 3, flag blue_green_deployment)"
    )
    assert hints["coverage"] == (
        "run uv run pytest --cov --cov-report=xml, or set metrics.coverage in config/evolution.yml"
    )
    for name in hints:
        assert output.count(f"set metrics.{name} ") == 1, name
    assert "Level 3 is undecided until production_traffic.users or uptime_requirement" in output


def test_owner_figures_decide_higher_levels_but_the_advice_is_one_level(
    quiet: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    quiet.edit(
        "config/evolution.yml",
        metrics={"uptime_requirement": 99.95, "geographic_distribution": True},
    )

    code = main(["--project-dir", str(quiet.path), "--json"])
    report = json.loads(capsys.readouterr().out)

    assert code == EXIT_UPGRADE_DUE == report["exit_code"]
    assert [(level["level"], level["result"]) for level in report["levels"]] == [
        (2, False),
        (3, True),
        (4, True),
    ]
    assert report["recommendation"] == {
        "level": 2,
        "name": "Automated",
        "command": "make upgrade LEVEL=2",
        "also_due": [3, 4],
    }
    assert report["metrics"]["uptime_requirement"]["value"] == {"amount": 99.95, "unit": None}
    flags = {flag["name"]: flag["result"] for flag in report["flags"]}
    assert flags["blue_green_deployment"] is True  # 99.95 > 99.9%
    assert report["levels"][1]["words"] == (
        "more than 1000 production users (now: unknown) or promised uptime above 99% (now: 99.95%)"
    )
    # Decided triggers need nothing more; the figure is still unknown.
    assert report["unknown"]["production_traffic.users"] == {
        "where": "set metrics.production_traffic.users in config/evolution.yml",
        "needed_by": [],
    }
    assert "uptime_requirement" not in report["unknown"]


def test_the_deployment_log_counts_and_shows_production(project: Project) -> None:
    project.commit("ana@example.com", days_ago=30)
    log = project.path / ".data" / "deployments.jsonl"
    log.parent.mkdir()
    entries = [
        {
            "time": (NOW - timedelta(days=day)).isoformat(),
            "environment": "production",
            "action": "deploy",
        }
        for day in range(1, 28, 3)
    ]
    log.write_text("".join(json.dumps(entry) + "\n" for entry in entries))

    report = analyse(project.path)

    assert report.metrics["deployment_frequency"].detail.startswith("9 deployments")
    assert report.metrics["production_deployment"].detail == (
        "production entries in .data/deployments.jsonl"
    )
    assert report.levels[0].result is True


def test_a_malformed_trigger_is_a_configuration_error_with_its_position(quiet: Project) -> None:
    quiet.edit(
        "config/evolution.yml",
        roadmap={"level_2_trigger": "when_team_size > 2 OR (deployment_frequency > weekly"},
    )

    code, output = quiet.detect()

    assert code == EXIT_CONFIG_ERROR
    assert "config/evolution.yml: roadmap.level_2_trigger: expected ')'" in output
    assert 'at column 53 of "when_team_size > 2 OR (deployment_frequency > weekly"' in output
    assert "Traceback" not in output


def test_an_invalid_owner_figure_is_a_configuration_error(
    quiet: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    quiet.edit("config/evolution.yml", metrics={"user_base": "quite a few"})

    code = main(["--project-dir", str(quiet.path), "--json"])
    output = capsys.readouterr().err

    assert code == EXIT_CONFIG_ERROR
    assert output.startswith(
        "evolution_detector.py: error: config/evolution.yml: metrics.user_base:"
    )
    assert "Traceback" not in output


def test_a_level_that_disagrees_with_the_answers_is_a_configuration_error(
    quiet: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    quiet.edit("config/evolution.yml", current_level=3)
    code = main(["--project-dir", str(quiet.path)])
    output = capsys.readouterr().err
    assert code == EXIT_CONFIG_ERROR
    assert "current_level 3 but .copier-answers.yml says maturity_level 1" in output


def test_level_4_is_the_top_of_the_ladder(tmp_path: Path) -> None:
    project = Project(tmp_path, level=4)
    for email in ("a@example.com", "b@example.com", "c@example.com"):
        project.commit(email, days_ago=1)
    code, output = project.detect("--markdown")
    assert code == EXIT_OK
    assert output.startswith("## Evolution of ")
    assert "Level 4 is the top of the ladder" in output
    assert "| `a_b_testing` | more than 10,000 registered users (now: unknown) | undecided |" in (
        output
    )
    assert "| `user_base` | set metrics.user_base in config/evolution.yml | flag a_b_testing |" in (
        output
    )
    assert "when_" not in output


def test_a_third_service_makes_level_4_due(tmp_path: Path) -> None:
    project = Project(tmp_path, level=3)
    project.commit("ana@example.com", days_ago=5)
    assert analyse(project.path).exit_code == EXIT_OK

    (project.path / "services" / "news").mkdir()
    (project.path / "services" / "news" / "Dockerfile").write_text("FROM python:3.11-slim\n")
    report = analyse(project.path)

    assert report.metrics["services"].display == "3"
    assert report.levels[0].words.startswith(
        "more services than the two the template generates (now: yes) or"
    )
    assert report.recommendation == 4
    assert report.exit_code == EXIT_UPGRADE_DUE
