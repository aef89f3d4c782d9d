"""`infra-plan` and `infra-apply`: the change sets of an environment's stacks, for
review on a pull request and executed once it is merged (.github/workflows/
infrastructure.yml). `make bootstrap` creates the stacks the first time.

    uv run ecs-deploy infra-plan --environment staging --summary-file "$GITHUB_STEP_SUMMARY"
    uv run ecs-deploy infra-apply --environment staging

Both print the summary of each stack's change set as markdown on stdout (and
append it to --summary-file). `infra-plan` deletes its change sets again;
`infra-apply` executes each one that has changes, in deploy order, waits until the
stack has settled, and stops at the first stack that fails.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path

from ops.cli import EXIT_FAILED, EXIT_OK, bounded

from . import stackparams
from .changesets import (
    KINDS,
    TEMPLATE_BUCKET_OUTPUT,
    ChangeSets,
    ChangeSetSummary,
    StackSpec,
    report,
    stacks,
)
from .commands import Clients, Subcommands, progress
from .stack import app_stack_parameters


def default_name(environ: Mapping[str, str]) -> str:
    """infra-RUN_ID-ATTEMPT in GitHub Actions, infra-local-PID elsewhere."""
    run = environ.get("GITHUB_RUN_ID")
    if run:
        return f"infra-{run}-{environ.get('GITHUB_RUN_ATTEMPT', '1')}"
    return f"infra-local-{os.getpid()}"


def register(sub: Subcommands) -> None:
    """infra-plan, infra-apply."""
    plan = sub.add(
        "infra-plan",
        cmd_plan,
        "the change set of each stack of the environment: what a merge would change",
        recorded=False,
    )
    apply = sub.add(
        "infra-apply",
        cmd_apply,
        "create and execute the change set of each stack of the environment, in order",
        recorded=False,
    )
    for parser in (plan, apply):
        parser.add_argument(
            "--stack",
            action="append",
            choices=KINDS,
            help="only these stacks (shared: bootstrap and network, with staging); default: all",
        )
        parser.add_argument(
            "--summary-file", type=Path, help="append the markdown here too ($GITHUB_STEP_SUMMARY)"
        )
        parser.add_argument(
            "--timeout",
            type=bounded(1, 10800, "a whole number", whole=True),
            default=3600,
            help="seconds to wait for each change set and stack (default: 3600)",
        )


def parameters_of(spec: StackSpec, clients: Clients) -> dict[str, str]:
    """The parameters to deploy: the app stack's with the running image tag, the
    others' as their file has them."""
    if spec.kind == "app":
        return app_stack_parameters(spec.environment, clients, None, spec.parameters_path).values
    return stackparams.load(spec.parameters_path)


def selected(args: argparse.Namespace) -> list[StackSpec]:
    """The environment's stacks that --stack picks (all without it)."""
    return [spec for spec in stacks(args.environment) if not args.stack or spec.kind in args.stack]


def creator(
    args: argparse.Namespace, clients: Clients, environ: Mapping[str, str]
) -> tuple[ChangeSets, Callable[[StackSpec], ChangeSetSummary]]:
    """The change sets of the environment, and what creates the one of a stack (named
    after the workflow run) and says so."""
    changesets = ChangeSets(clients.cloudformation, clients.s3, timeout=args.timeout)
    name = default_name(environ)
    role = changesets.execution_role()
    bucket = changesets.bootstrap_output(TEMPLATE_BUCKET_OUTPUT)

    def create(spec: StackSpec) -> ChangeSetSummary:
        progress(f"{spec.name}: change set {name}")
        return changesets.create(spec, partial(parameters_of, spec, clients), name, role, bucket)

    return changesets, create


def publish(title: str, summaries: list[ChangeSetSummary], summary_file: Path | None) -> None:
    """The summaries as markdown on stdout and at the end of `summary_file`."""
    text = report(title, summaries)
    sys.stdout.write(text)
    sys.stdout.flush()
    if summary_file:
        with summary_file.open("a", encoding="utf-8") as out:
            out.write(text + "\n")


def cmd_plan(args: argparse.Namespace, clients: Clients, environ: Mapping[str, str]) -> int:
    """Create, summarise and delete a change set of each selected stack."""
    changesets, create = creator(args, clients, environ)
    summaries = []
    for spec in selected(args):
        summary = create(spec)
        progress(f"{spec.name}: {summary.headline()}")
        changesets.delete(summary)
        summaries.append(summary)
    publish(f"Infrastructure changes: {args.environment}", summaries, args.summary_file)
    return EXIT_FAILED if any(s.status == "failed" for s in summaries) else EXIT_OK


def cmd_apply(args: argparse.Namespace, clients: Clients, environ: Mapping[str, str]) -> int:
    """Create and execute a change set of each selected stack in order; stop at a failure."""
    changesets, create = creator(args, clients, environ)
    summaries: list[ChangeSetSummary] = []
    try:
        for spec in selected(args):
            summary = create(spec)
            summaries.append(summary)
            progress(f"{spec.name}: {summary.headline()}")
            if summary.status == "failed":
                return EXIT_FAILED
            if summary.status != "ready":
                changesets.delete(summary)
                continue
            progress(f"{spec.name}: executing {summary.change_set}")
            progress(f"{spec.name}: {changesets.execute(summary)}")
    finally:
        publish(f"Infrastructure applied: {args.environment}", summaries, args.summary_file)
    return EXIT_OK
