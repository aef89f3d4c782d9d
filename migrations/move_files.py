"""Move files that a template version renamed, keeping the owner's edits.

copier runs this after an update that crosses a version listed in
``_migrations``: ``<copier's python> move_files.py <project dir> <version>``.
By then the update has rendered the file at its new path and dropped the old
one, so the owner's copy is read from the last commit (copier updates only a
clean working tree). For each rename of that version:

- the last commit has nothing at the old path: nothing to do;
- nothing was rendered at the new path (a later version removed the file):
  the owner's file is written there if they edited it, else dropped;
- the owner never edited the old file (it equals what the previous template
  version rendered): the new file stays as rendered;
- otherwise the owner's edits are merged into the new file three ways (base:
  the previous version's rendering), as copier merges any other file; edits
  that overlap the template's change are left between conflict markers.

The old path is removed in every case.

A file that a version removes (its job moved into other modules) is deleted
by copier's update, edits and all. For each removal listed in ``REMOVED``, a
copy the owner edited is written back from the last commit and reported, so
the edits can be carried over by hand; an unedited copy stays deleted.
"""

from __future__ import annotations

import atexit
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

# version -> (old path, new path), relative to the project root
RENAMES: dict[str, list[tuple[str, str]]] = {
    # The ops code became one workspace package, ops/ (src layout).
    "0.2.0": [
        ("scripts/run_local.py", "ops/src/ops/run_local.py"),
        ("scripts/evolution/__init__.py", "ops/src/ops/evolution/__init__.py"),
        ("scripts/evolution/checklist.py", "ops/src/ops/evolution/checklist.py"),
        ("scripts/evolution/config.py", "ops/src/ops/evolution/config.py"),
        ("scripts/evolution/detector.py", "ops/src/ops/evolution/detector.py"),
        ("scripts/evolution/metrics.py", "ops/src/ops/evolution/metrics.py"),
        ("scripts/evolution/triggers.py", "ops/src/ops/evolution/triggers.py"),
        ("scripts/evolution/words.py", "ops/src/ops/evolution/words.py"),
        ("scripts/generators/__init__.py", "ops/src/ops/generators/__init__.py"),
        ("scripts/generators/testgen.py", "ops/src/ops/generators/testgen.py"),
        ("scripts/generators/docgen.py", "ops/src/ops/generators/docgen.py"),
        ("scripts/generators/deploygen.py", "ops/src/ops/generators/deploygen.py"),
        ("scripts/monitoring/__init__.py", "ops/src/ops/monitoring/__init__.py"),
        ("scripts/monitoring/health_check.py", "ops/src/ops/monitoring/health_check.py"),
        ("scripts/monitoring/dashboard.py", "ops/src/ops/monitoring/dashboard.py"),
        ("scripts/monitoring/dashboard_aws.py", "ops/src/ops/monitoring/dashboard_aws.py"),
        ("scripts/monitoring/dashboard_html.py", "ops/src/ops/monitoring/dashboard_html.py"),
        ("scripts/monitoring/deployments.py", "ops/src/ops/monitoring/deployments.py"),
        ("scripts/monitoring/dora.py", "ops/src/ops/monitoring/dora.py"),
        (
            "scripts/monitoring/environment_status.py",
            "ops/src/ops/monitoring/environment_status.py",
        ),
        ("scripts/analytics/__init__.py", "ops/src/ops/analytics/__init__.py"),
        ("scripts/analytics/experiments.py", "ops/src/ops/analytics/experiments.py"),
        ("scripts/deploy/smoke_test.py", "ops/src/ops/deploy/smoke_test.py"),
        ("scripts/deploy/telegram_webhook.py", "ops/src/ops/deploy/telegram_webhook.py"),
        ("scripts/deploy/promotion.py", "ops/src/ops/deploy/promotion.py"),
        ("scripts/deploy/ecs_deploy.py", "ops/src/ops/deploy/cli.py"),
        ("scripts/deploy/aws_deploy/__init__.py", "ops/src/ops/deploy/__init__.py"),
        ("scripts/deploy/aws_deploy/bluegreen.py", "ops/src/ops/deploy/codedeploy.py"),
        ("scripts/deploy/aws_deploy/ecs.py", "ops/src/ops/deploy/ecs.py"),
        ("scripts/deploy/aws_deploy/errors.py", "ops/src/ops/deploy/errors.py"),
        ("scripts/deploy/aws_deploy/health.py", "ops/src/ops/deploy/health.py"),
        ("scripts/deploy/aws_deploy/images.py", "ops/src/ops/deploy/images.py"),
        ("scripts/deploy/aws_deploy/migration.py", "ops/src/ops/deploy/migration.py"),
        ("scripts/deploy/aws_deploy/project.py", "ops/src/ops/deploy/project.py"),
        ("scripts/deploy/aws_deploy/records.py", "ops/src/ops/deploy/records.py"),
        ("scripts/deploy/aws_deploy/stackparams.py", "ops/src/ops/deploy/stackparams.py"),
        ("scripts/deploy/aws_deploy/taskdefs.py", "ops/src/ops/deploy/taskdefs.py"),
        # Tests are grouped by what they protect: tests/<layer>/{services,ops}/.
        ("tests/unit/test_atr.py", "tests/unit/services/test_atr.py"),
        ("tests/unit/test_atr_reference.py", "tests/unit/services/test_atr_reference.py"),
        ("tests/unit/test_bot_client.py", "tests/unit/services/test_bot_client.py"),
        ("tests/unit/test_bot_console.py", "tests/unit/services/test_bot_console.py"),
        ("tests/unit/test_bot_core.py", "tests/unit/services/test_bot_core.py"),
        ("tests/unit/test_bot_experiment.py", "tests/unit/services/test_bot_experiment.py"),
        ("tests/unit/test_bot_parsing.py", "tests/unit/services/test_bot_parsing.py"),
        ("tests/unit/test_bot_ratelimit.py", "tests/unit/services/test_bot_ratelimit.py"),
        ("tests/unit/test_bot_settings.py", "tests/unit/services/test_bot_settings.py"),
        ("tests/unit/test_bot_telegram.py", "tests/unit/services/test_bot_telegram.py"),
        ("tests/unit/test_bot_webhook.py", "tests/unit/services/test_bot_webhook.py"),
        ("tests/unit/test_checklist.py", "tests/unit/ops/test_checklist.py"),
        ("tests/unit/test_common_experiments.py", "tests/unit/services/test_common_experiments.py"),
        ("tests/unit/test_common_flags.py", "tests/unit/services/test_common_flags.py"),
        ("tests/unit/test_common_logging.py", "tests/unit/services/test_common_logging.py"),
        ("tests/unit/test_common_settings.py", "tests/unit/services/test_common_settings.py"),
        ("tests/unit/test_common_storage.py", "tests/unit/services/test_common_storage.py"),
        ("tests/unit/test_evolution_metrics.py", "tests/unit/ops/test_evolution_metrics.py"),
        ("tests/unit/test_evolution_triggers.py", "tests/unit/ops/test_evolution_triggers.py"),
        ("tests/unit/test_evolution_words.py", "tests/unit/ops/test_evolution_words.py"),
        ("tests/unit/test_formatting.py", "tests/unit/services/test_formatting.py"),
        (
            "tests/unit/test_formatting_messages.py",
            "tests/unit/services/test_formatting_messages.py",
        ),
        (
            "tests/unit/test_generators_deployment.py",
            "tests/unit/ops/test_generators_deployment.py",
        ),
        ("tests/unit/test_generators_docs.py", "tests/unit/ops/test_generators_docs.py"),
        ("tests/unit/test_generators_tests.py", "tests/unit/ops/test_generators_tests.py"),
        ("tests/unit/test_market_cache.py", "tests/unit/services/test_market_cache.py"),
        ("tests/unit/test_market_sample.py", "tests/unit/services/test_market_sample.py"),
        ("tests/unit/test_market_settings.py", "tests/unit/services/test_market_settings.py"),
        ("tests/unit/test_symbols.py", "tests/unit/services/test_symbols.py"),
        ("tests/unit/test_experiment_analytics.py", "tests/unit/ops/test_experiment_analytics.py"),
        ("tests/unit/test_dashboard.py", "tests/unit/ops/test_dashboard.py"),
        ("tests/unit/test_dora.py", "tests/unit/ops/test_dora.py"),
        ("tests/unit/test_branch_protection.py", "tests/unit/ops/test_branch_protection.py"),
        ("tests/unit/test_bluegreen_units.py", "tests/unit/ops/test_bluegreen_units.py"),
        ("tests/unit/test_health_check.py", "tests/unit/ops/test_health_check.py"),
        ("tests/unit/test_monitoring_stack.py", "tests/unit/ops/test_monitoring_stack.py"),
        ("tests/unit/test_prometheus_config.py", "tests/unit/ops/test_prometheus_config.py"),
        (
            "tests/unit/test_production_environment.py",
            "tests/unit/ops/test_production_environment.py",
        ),
        ("tests/unit/test_promotion.py", "tests/unit/ops/test_promotion.py"),
        ("tests/unit/test_release_commitizen.py", "tests/unit/ops/test_release_commitizen.py"),
        (
            "tests/unit/test_ecs_deploy_parameters.py",
            "tests/unit/ops/test_ecs_deploy_parameters.py",
        ),
        ("tests/unit/test_ecs_deploy_units.py", "tests/unit/ops/test_ecs_deploy_units.py"),
        ("tests/unit/test_env_examples.py", "tests/unit/services/test_env_examples.py"),
        ("tests/unit/test_smoke_test.py", "tests/unit/ops/test_smoke_test.py"),
        (
            "tests/unit/test_telegram_webhook_script.py",
            "tests/unit/ops/test_telegram_webhook_script.py",
        ),
        (
            "tests/integration/test_alert_delivery.py",
            "tests/integration/services/test_alert_delivery.py",
        ),
        (
            "tests/integration/test_bot_market_replies.py",
            "tests/integration/services/test_bot_market_replies.py",
        ),
        (
            "tests/integration/test_evolution_detector.py",
            "tests/integration/ops/test_evolution_detector.py",
        ),
        ("tests/integration/test_market_api.py", "tests/integration/services/test_market_api.py"),
        (
            "tests/integration/test_market_exchange_binance.py",
            "tests/integration/services/test_market_exchange_binance.py",
        ),
        (
            "tests/integration/test_market_exchange_markets.py",
            "tests/integration/services/test_market_exchange_markets.py",
        ),
        (
            "tests/integration/test_market_exchange_okx.py",
            "tests/integration/services/test_market_exchange_okx.py",
        ),
        (
            "tests/integration/test_market_faults.py",
            "tests/integration/services/test_market_faults.py",
        ),
        ("tests/integration/test_dashboard_aws.py", "tests/integration/ops/test_dashboard_aws.py"),
        (
            "tests/integration/test_ecs_deploy_bluegreen.py",
            "tests/integration/ops/test_ecs_deploy_bluegreen.py",
        ),
        (
            "tests/integration/test_ecs_deploy_migrate.py",
            "tests/integration/ops/test_ecs_deploy_migrate.py",
        ),
        ("tests/integration/test_ecs_deploy.py", "tests/integration/ops/test_ecs_deploy.py"),
        (
            "tests/integration/test_ecs_deploy_wait.py",
            "tests/integration/ops/test_ecs_deploy_wait.py",
        ),
    ],
}

# version -> (path that version removed, where its job went), relative to the
# project root
REMOVED: dict[str, list[tuple[str, str]]] = {
    # The ops package became smaller: modules whose job another module now does.
    "0.3.0": [
        (
            "ops/src/ops/evolution/words.py",
            "triggers.py words a trigger as it evaluates it; metrics.yml names the metrics",
        ),
        (
            "tests/unit/ops/test_evolution_words.py",
            "its cases are in tests/unit/ops/test_evolution_triggers.py",
        ),
        (
            "ops/src/ops/deploy/stack.py",
            "infra.py registers stack-parameters with infra-plan and infra-apply",
        ),
    ],
}

# relative path -> that file's text, or None when there is no such file
Rendering = Callable[[str], "str | None"]


def merge_into(target: Path, base: str, ours: str) -> bool:
    """Merge the owner's edits (base -> ours) into target; True when clean."""
    with tempfile.TemporaryDirectory(prefix="cica-migration-") as scratch:
        base_file, ours_file = Path(scratch, "base"), Path(scratch, "ours")
        base_file.write_text(base)
        ours_file.write_text(ours)
        labels = ["-L", "before updating", "-L", "last update", "-L", "after updating"]
        result = subprocess.run(
            ["git", "merge-file", *labels, str(target), str(base_file), str(ours_file)],
            capture_output=True,
            text=True,
            check=False,
        )
    if not 0 <= result.returncode <= 127:
        raise RuntimeError(f"git merge-file failed on {target}: {result.stderr.strip()}")
    return result.returncode == 0


def move_files(project: Path, version: str, committed: Rendering, previous: Rendering) -> list[str]:
    """Apply the renames of one version; return one line per file handled."""
    report = []
    for old, new in RENAMES.get(version, []):
        ours = committed(old)
        if ours is None:
            continue
        source, target = project / old, project / new
        if not target.exists() and ours == previous(old):
            report.append(f"removed {old}: unedited, and the template no longer has {new}")
        elif not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(ours)
            report.append(f"moved {old} -> {new}")
        else:
            base = previous(old)
            if base is not None and ours != base:
                clean = merge_into(target, base, ours)
                outcome = "merged your edits" if clean else "CONFLICT: resolve the markers"
            else:
                outcome = "unchanged by you"
            report.append(f"moved {old} -> {new} ({outcome})")
        source.unlink(missing_ok=True)
        Path(f"{source}.rej").unlink(missing_ok=True)
    return report


def keep_edited_removals(
    project: Path, version: str, committed: Rendering, previous: Rendering
) -> list[str]:
    """Write back each file of `version`'s removals that the owner edited."""
    report = []
    for old, successor in REMOVED.get(version, []):
        ours = committed(old)
        target = project / old
        if ours is None or target.exists() or ours == previous(old):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(ours)
        report.append(
            f"kept {old}, which you edited: {version} removed it ({successor}); "
            "carry your edits over, then delete it"
        )
    return report


def last_commit(project: Path) -> Rendering:
    """The owner's files as of their last commit, before this update."""

    def committed(relative: str) -> str | None:
        result = subprocess.run(
            ["git", "show", f"HEAD:{relative}"],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        return result.stdout if result.returncode == 0 else None

    return committed


def previous_version(project: Path) -> Rendering:
    """The files the template version before this update rendered (lazily)."""
    rendered: list[Path] = []

    def previous(relative: str) -> str | None:
        if not rendered:
            rendered.append(render_last_committed_answers(project))
        path = rendered[0] / relative
        return path.read_text() if path.is_file() else None

    return previous


def render_last_committed_answers(project: Path) -> Path:
    import copier
    import yaml

    last = yaml.safe_load(last_commit(project)(".copier-answers.yml") or "{}")
    scratch = tempfile.mkdtemp(prefix="cica-previous-")
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    destination = Path(scratch) / "project"
    copier.run_copy(
        last["_src_path"],
        destination,
        data={key: value for key, value in last.items() if not key.startswith("_")},
        vcs_ref=last["_commit"],
        defaults=True,
        unsafe=True,
        quiet=True,
    )
    return destination


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: move_files.py PROJECT_DIR VERSION", file=sys.stderr)
        return 2
    project, version = Path(argv[0]), argv[1]
    committed, previous = last_commit(project), previous_version(project)
    report = move_files(project, version, committed, previous)
    report += keep_edited_removals(project, version, committed, previous)
    for line in report:
        print(f"cica migration {version}: {line}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
