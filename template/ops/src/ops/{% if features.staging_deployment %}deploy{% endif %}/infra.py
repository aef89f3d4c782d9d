"""The CloudFormation stacks of an environment: `stack-parameters`, the app stack's
parameter file for `make bootstrap`, which creates the stacks the first time, with the
image tag that runs now, so that a stack update never rolls the services back; and
`infra-plan` and `infra-apply`, the change sets of the stacks, for review on a pull
request and executed once it is merged (.github/workflows/infrastructure.yml).

    uv run ecs-deploy stack-parameters --environment staging [--output FILE]
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

from . import health, stackparams
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
from .ecs import EcsEnvironment
from .errors import ConfigError
from .options import image_tag
from .project import bot_token_secret_name


def default_name(environ: Mapping[str, str]) -> str:
    """infra-RUN_ID-ATTEMPT in GitHub Actions, infra-local-PID elsewhere."""
    run = environ.get("GITHUB_RUN_ID")
    if run:
        return f"infra-{run}-{environ.get('GITHUB_RUN_ATTEMPT', '1')}"
    return f"infra-local-{os.getpid()}"


def register(sub: Subcommands) -> None:
    """stack-parameters, infra-plan, infra-apply."""
    params = sub.add(
        "stack-parameters",
        cmd_stack_parameters,
        "the app stack's parameter file with the running image tag, for make bootstrap",
        recorded=False,
    )
    params.add_argument(
        "--image-tag",
        type=image_tag,
        help="image tag for the stack (default: the tag running now; needed the first time)",
    )
    params.add_argument(
        "--parameters-file",
        type=Path,
        help="default: infrastructure/aws/parameters/ENVIRONMENT.json",
    )
    params.add_argument("--output", type=Path, help="write here instead of stdout")
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


def running_tag(environment: EcsEnvironment) -> str:
    """The image tag the market-data service runs now."""
    try:
        market = environment.services()[0]
    except ConfigError:
        raise ConfigError(
            f"nothing runs in {environment.environment} yet: pass the tag of images you "
            "pushed to ECR (--image-tag, or IMAGE_TAG=... for make)"
        ) from None
    tag = environment.image_tag(market.task_definition, market.app)
    if tag is None:
        raise ConfigError("the running market-data image has no tag: pass --image-tag")
    return tag


def app_stack_parameters(
    environment: str, clients: Clients, image_tag: str | None, path: Path
) -> stackparams.StackParameters:
    """The app stack's parameters: the file at `path` with `image_tag`, else the tag
    that runs now (its images checked in ECR), and the bot's count as its token allows."""
    services = EcsEnvironment(environment, clients.ecs, clients.ecr)
    tag = image_tag or running_tag(services)
    services.check_images(tag)
    state = health.secret_state(clients.secretsmanager, bot_token_secret_name(environment))
    return stackparams.build(path, environment, tag, bot_can_start=state == "set")


def cmd_stack_parameters(
    args: argparse.Namespace, clients: Clients, environ: Mapping[str, str]
) -> int:
    """Write the app stack's parameters with --image-tag, else the running image tag."""
    parameters = app_stack_parameters(
        args.environment,
        clients,
        args.image_tag,
        args.parameters_file or stackparams.default_path(args.environment),
    )
    tag = parameters.values["ImageTag"]
    for note in parameters.notes:
        progress(f"note: {note}")
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(parameters.to_json(), encoding="utf-8")
        progress(f"wrote {args.output} (ImageTag {tag})")
    else:
        sys.stdout.write(parameters.to_json())
    return EXIT_OK


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
