#!/usr/bin/env python3
"""Deploy, wait for, roll back and inspect the ECS services of one environment.

    uv run ecs-deploy deploy --environment staging --image-tag <sha>
    uv run ecs-deploy wait --environment staging [--timeout 900]
    uv run ecs-deploy rollback --environment staging
    uv run ecs-deploy status --environment staging [--json]
    uv run ecs-deploy stack-parameters --environment staging
{%- if features.production_deployment %}
    uv run ecs-deploy migrate --environment production --image-tag <sha>
{%- endif %}
{%- if features.blue_green_deployment %}
    uv run ecs-deploy bluegreen-start --environment production \
        --image-tag <sha>
    uv run ecs-deploy bluegreen-wait --environment production --until ready
    uv run ecs-deploy test-traffic --environment production --allow <ip>
    uv run ecs-deploy bluegreen-promote --environment production
    uv run ecs-deploy bluegreen-wait --environment production --until done
    uv run ecs-deploy bluegreen-abort --environment production
{%- endif %}

`deploy` registers a new revision of each service's current task definition with
the new image tag and rolls the services onto it; `wait` waits until they are
stable on it (the ECS deployment circuit breaker rolls a failing one back, which
`wait` reports as a failure); `rollback` points each service back at the revision
it ran before the last deploy.
{%- if features.production_deployment %} `migrate` runs the database migration (Alembic
`upgrade head`) as a one-off ECS task in the market-data image of the tag and waits
for it to exit 0; the production workflow runs it before `deploy` moves any traffic.
Each of the four appends a record (environment, action, outcome, version, image tag,
commit, who, when) to .data/deployments.jsonl and prints it as one JSON line on
stdout; progress goes to stderr.
{%- else %} Each of the three appends a record (environment,
action, outcome, version, image tag, commit, who, when) to .data/deployments.jsonl
and prints it as one JSON line on stdout; progress goes to stderr.
{%- endif %}

{% if features.blue_green_deployment %}Production's services use the CODE_DEPLOY controller (docs/deployment/blue-green.md):
`bluegreen-start` registers the revisions and creates one CodeDeploy deployment per
service; `bluegreen-wait --until ready` waits until the green tasks serve the test
listener, `test-traffic` opens (`--allow`) and closes (`--revoke`) that listener to an
address, `bluegreen-promote` lets CodeDeploy shift the production traffic,
`bluegreen-wait --until done` waits for the end (CodeDeploy rolls back by itself when
a deployment fails or an alarm fires), and `bluegreen-abort` stops the deployments
with rollback. On such services `rollback` redeploys the previous revisions through
CodeDeploy and shifts the traffic at once. The bluegreen commands record too.

{% endif %}The region is --region, else AWS_REGION or AWS_DEFAULT_REGION, else the project's.
Exit codes: 0 done; 1 the deployment failed (or `status` found a problem);
2 bad arguments, credentials, permissions or missing infrastructure.
"""

from __future__ import annotations

import argparse
{%- if features.blue_green_deployment %}
import ipaddress
{%- endif %}
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
)

from ops.deploy import health, records, stackparams
{%- if features.blue_green_deployment %}
from ops.deploy.bluegreen import BlueGreen, DeploymentFailedError, ListenerAccess, Started
{%- endif %}
from ops.deploy.ecs import EcsEnvironment{% if features.blue_green_deployment %}, Rollback{% endif %}, Service
from ops.deploy.errors import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    ConfigError,
    DeployError,
    OneLineParser,
)
from ops.deploy.images import is_valid_tag, tag_of
{%- if features.production_deployment %}
from ops.deploy.migration import MigrationTask, MigrationTimeoutError
{%- endif %}
from ops.deploy.project import (
    APPS,
{%- if features.blue_green_deployment %}
    BLUE_GREEN_ENVIRONMENTS,
{%- endif %}
    DEFAULT_REGION,
    ENVIRONMENTS,
    alarm_prefix,
{%- if features.blue_green_deployment %}
    app_stack_name,
{%- endif %}
    bot_token_secret_name,
    cluster_name,
{%- if features.production_deployment %}
    migration_family,
{%- endif %}
)
from ops.deploy.taskdefs import TAG_BY, TAG_COMMIT, TAG_IMAGE, container_image, revision_name
from ops.project import project_root

if TYPE_CHECKING:
{%- if features.blue_green_deployment %}
    from mypy_boto3_cloudformation.client import CloudFormationClient
{%- endif %}
    from mypy_boto3_cloudwatch.client import CloudWatchClient
{%- if features.blue_green_deployment %}
    from mypy_boto3_codedeploy.client import CodeDeployClient
    from mypy_boto3_ec2.client import EC2Client
{%- endif %}
    from mypy_boto3_ecr.client import ECRClient
    from mypy_boto3_ecs.client import ECSClient
    from mypy_boto3_elbv2.client import ElasticLoadBalancingv2Client
    from mypy_boto3_secretsmanager.client import SecretsManagerClient

PROG = "ecs_deploy.py"


class Clients:
    """The AWS clients of one region, created when first used."""

    def __init__(self, region: str, session: boto3.session.Session | None = None) -> None:
        self.region = region
        self.session = session or boto3.session.Session(region_name=region)

    @cached_property
    def ecs(self) -> ECSClient:
        """ECS: services and task definitions."""
        return self.session.client("ecs")

    @cached_property
    def ecr(self) -> ECRClient:
        """ECR: whether an image tag exists."""
        return self.session.client("ecr")

    @cached_property
    def elbv2(self) -> ElasticLoadBalancingv2Client:
        """Elastic Load Balancing: target health."""
        return self.session.client("elbv2")

    @cached_property
    def cloudwatch(self) -> CloudWatchClient:
        """CloudWatch: alarms."""
        return self.session.client("cloudwatch")

    @cached_property
    def secretsmanager(self) -> SecretsManagerClient:
        """Secrets Manager: whether the bot's token is set."""
        return self.session.client("secretsmanager")
{%- if features.blue_green_deployment %}

    @cached_property
    def codedeploy(self) -> CodeDeployClient:
        """CodeDeploy: the blue/green deployments."""
        return self.session.client("codedeploy")

    @cached_property
    def ec2(self) -> EC2Client:
        """EC2: the test listener's security group."""
        return self.session.client("ec2")

    @cached_property
    def cloudformation(self) -> CloudFormationClient:
        """CloudFormation: the app stack's parameters."""
        return self.session.client("cloudformation")
{%- endif %}


def progress(line: str) -> None:
    """Progress for people, on stderr (stdout carries the record)."""
    print(line, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ arguments


def image_tag(value: str) -> str:
    """An argparse type: a valid image tag."""
    if not is_valid_tag(value):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an image tag (up to 128 letters, digits, '_', '.' and '-', "
            "such as a commit SHA)"
        )
    return value


def seconds(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number of seconds from `low` to `high`."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"{value!r} must be from {low} to {high}")
        return number

    return parse
{%- if features.blue_green_deployment %}


def ipv4_range(value: str) -> str:
    """An argparse type: an IPv4 address or range, as CIDR (an address becomes /32)."""
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an IPv4 address or range such as 203.0.113.7 or 203.0.113.0/24"
        ) from None
    if network.version != 4:
        raise argparse.ArgumentTypeError(f"{value!r} is IPv6: the test listener takes IPv4")
    return str(network)
{%- endif %}


def build_parser(default_region: str) -> argparse.ArgumentParser:
    """The command line: one subcommand per action."""
    parser = OneLineParser(
        prog=PROG,
        description="Deploy, wait for, roll back and inspect the ECS services of one environment.",
        epilog="Exit codes: 0 done; 1 the deployment failed; 2 usage or configuration error.",
    )
    common = OneLineParser(add_help=False)
    common.add_argument("--environment", required=True, choices=ENVIRONMENTS)
    common.add_argument(
        "--region",
        default=default_region,
        help=f"AWS region (default: {default_region})",
    )
    recorded = OneLineParser(add_help=False)
    recorded.add_argument(
        "--record-file",
        type=Path,
        default=project_root() / ".data" / "deployments.jsonl",
        help="where the deployment records go (default: .data/deployments.jsonl)",
    )
    waiting = OneLineParser(add_help=False)
    waiting.add_argument(
        "--timeout",
        type=seconds(1, 10800),
        default=900,
        help="seconds to wait for stable services (default: 900)",
    )
    waiting.add_argument(
        "--interval",
        type=seconds(1, 300),
        default=15,
        help="seconds between checks (default: 15)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
{%- if features.production_deployment %}
    migrate = commands.add_parser(
        "migrate",
        parents=[common, recorded],
        help="run the database migration of IMAGE_TAG as a one-off ECS task and wait for it",
    )
    migrate.add_argument("--image-tag", required=True, type=image_tag)
    migrate.add_argument(
        "--timeout",
        type=seconds(1, 10800),
        default=900,
        help="seconds to wait for the task to finish (default: 900)",
    )
    migrate.add_argument(
        "--interval",
        type=seconds(1, 300),
        default=10,
        help="seconds between checks (default: 10)",
    )
{%- endif %}
    deploy = commands.add_parser(
        "deploy",
        parents=[common, recorded],
        help="roll both services onto new task definition revisions with IMAGE_TAG",
    )
    deploy.add_argument("--image-tag", required=True, type=image_tag)
    commands.add_parser(
        "wait",
        parents=[common, recorded, waiting],
        help="wait until both services are stable on the deployed revision",
    )
    commands.add_parser(
        "rollback",
        parents=[common, recorded, waiting],
        help="point both services back at their previous revision and wait",
    )
{%- if features.blue_green_deployment %}
    state = OneLineParser(add_help=False)
    state.add_argument(
        "--state-file",
        type=Path,
        help="where bluegreen-start keeps its deployment ids for the later steps "
        "(default: .data/bluegreen-ENVIRONMENT.json)",
    )
    start = commands.add_parser(
        "bluegreen-start",
        parents=[common, recorded, state],
        help="register revisions with IMAGE_TAG and create a CodeDeploy deployment per service",
    )
    start.add_argument("--image-tag", required=True, type=image_tag)
    bg_wait = commands.add_parser(
        "bluegreen-wait",
        parents=[common, recorded, state],
        help="wait until the deployments are ready (green on the test listener) or done",
    )
    bg_wait.add_argument("--until", required=True, choices=("ready", "done"))
    bg_wait.add_argument(
        "--timeout",
        type=seconds(1, 10800),
        help="seconds to wait (default: 900 until ready, 3600 until done)",
    )
    bg_wait.add_argument(
        "--interval",
        type=seconds(1, 300),
        default=15,
        help="seconds between checks (default: 15)",
    )
    commands.add_parser(
        "bluegreen-promote",
        parents=[common, recorded, state],
        help="let CodeDeploy shift the production traffic to the green tasks",
    )
    commands.add_parser(
        "bluegreen-abort",
        parents=[common, recorded, state],
        help="stop the deployments; CodeDeploy moves the traffic back to the blue tasks",
    )
    access = commands.add_parser(
        "test-traffic",
        parents=[common],
        help="open the test listener to an IPv4 address (--allow) or close it (--revoke)",
    )
    which = access.add_mutually_exclusive_group(required=True)
    which.add_argument("--allow", type=ipv4_range, metavar="CIDR")
    which.add_argument("--revoke", type=ipv4_range, metavar="CIDR")
    access.add_argument(
        "--port",
        type=seconds(1024, 65535),
        default=8443,
        help="the test listener's port, app stack parameter TestListenerPort (default: 8443)",
    )
{%- endif %}
    status = commands.add_parser(
        "status", parents=[common], help="revision, image, tasks, targets and alarms"
    )
    status.add_argument("--json", action="store_true", help="print one JSON object")
    params = commands.add_parser(
        "stack-parameters",
        parents=[common],
        help="the app stack's parameter file with the running image tag, for make bootstrap",
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
    return parser


# ------------------------------------------------------------------- records
class Recorder:
    """Builds, appends and prints the deployment records of one command."""

    def __init__(self, args: argparse.Namespace, environ: Mapping[str, str]) -> None:
        self.args = args
        self.environ = environ

    def __call__(
        self,
        action: str,
        outcome: str,
        tag: str | None,
        services: Mapping[str, str],
        detail: str = "",
    ) -> records.DeploymentRecord:
        record = records.DeploymentRecord(
            environment=self.args.environment,
            action=action,
            outcome=outcome,
            version=records.project_version(project_root() / "pyproject.toml"),
            image_tag=tag,
            commit=records.commit(self.environ, tag),
            who=records.who(self.environ),
            time=records.now_utc(),
            services=dict(services),
            detail=detail,
        )
        path: Path = self.args.record_file
        try:
            records.append(path, record)
        except OSError as exc:
            progress(f"warning: could not append the record to {path}: {exc.strerror or exc}")
        print(record.to_json(), flush=True)
        return record


def revision_tag(environment: EcsEnvironment, arn: str, app: str) -> str | None:
    """The image tag that the revision `arn` runs in the `app` container."""
    definition, _ = environment.task_definition(arn)
    return tag_of(container_image(definition, app))


# ------------------------------------------------------------------ commands
def deploy_tags(image: str, environ: Mapping[str, str]) -> dict[str, str]:
    """The tags of the task definition revisions a command registers."""
    return {
        TAG_IMAGE: image,
        TAG_COMMIT: records.commit(environ, image),
        TAG_BY: records.who(environ),
    }
{%- if features.production_deployment %}


def cmd_migrate(args: argparse.Namespace, clients: Clients, environ: Mapping[str, str]) -> int:
    """Run the migration task of the image tag to completion; record it."""
    record = Recorder(args, environ)
    environment = EcsEnvironment(args.environment, clients.ecs, clients.ecr, log=progress)
    task = MigrationTask(environment, log=progress)
    try:
        result = task.run(
            args.image_tag, deploy_tags(args.image_tag, environ), args.timeout, args.interval
        )
    except DeployError as exc:
        outcome = "timed out" if isinstance(exc, MigrationTimeoutError) else "failed"
        record("migrate", outcome, args.image_tag, {}, str(exc))
        raise
    record(
        "migrate",
        "succeeded",
        args.image_tag,
        {migration_family(args.environment): result.task_definition},
        result.summary(),
    )
    return EXIT_OK
{%- endif %}


def cmd_deploy(args: argparse.Namespace, clients: Clients, environ: Mapping[str, str]) -> int:
    """Roll both services onto new revisions with the image tag; record it."""
    record = Recorder(args, environ)
    environment = EcsEnvironment(args.environment, clients.ecs, clients.ecr, log=progress)
    try:
        check_bot_token(environment, clients)
        revisions = environment.deploy(args.image_tag, deploy_tags(args.image_tag, environ))
    except DeployError as exc:
        record("deploy", "failed", args.image_tag, {}, str(exc))
        raise
    record(
        "deploy",
        "started",
        args.image_tag,
        revisions,
        f"rolling out; run `{PROG} wait --environment {args.environment}` to see it finish",
    )
    return EXIT_OK


def check_bot_token(environment: EcsEnvironment, clients: Clients) -> None:
    """Refuse to start bot tasks that would exit at once for want of their token."""
    bot = next((s for s in environment.services() if s.app == "telegram-bot"), None)
    if bot is None or bot.desired == 0:
        return
    name = bot_token_secret_name(environment.environment)
    state = health.secret_state(clients.secretsmanager, name)
    if state != "set":
        raise ConfigError(
            f"the bot's token secret {name} is {state}: put the token from @BotFather there "
            "first (docs/deployment/aws.md)"
        )


def cmd_wait(args: argparse.Namespace, clients: Clients, environ: Mapping[str, str]) -> int:
    """Wait until both services are stable on their newest revision; record it."""
    record = Recorder(args, environ)
    environment = EcsEnvironment(args.environment, clients.ecs, log=progress)
    services = environment.services()
    expected = environment.expected_revisions(services)
    tag = revision_tag(environment, expected[services[0].name], services[0].app)
    try:
        stable = environment.wait(args.timeout, args.interval, expected)
    except DeployError as exc:
        outcome = "timed out" if "not stable after" in str(exc) else "failed"
        record("wait", outcome, tag, expected, str(exc))
        raise
    running = {s.name: s.task_definition for s in stable}
    record("wait", "succeeded", tag, running, "; ".join(s.summary() for s in stable))
    return EXIT_OK


def cmd_rollback(args: argparse.Namespace, clients: Clients, environ: Mapping[str, str]) -> int:
    """Point both services at their previous revision, wait; record it."""
    record = Recorder(args, environ)
    environment = EcsEnvironment(args.environment, clients.ecs, log=progress)
{%- if features.blue_green_deployment %}
    if args.environment in BLUE_GREEN_ENVIRONMENTS:
        bluegreen = blue_green(args, clients)
        controllers = set(bluegreen.controllers().values())
        if controllers == {"CODE_DEPLOY"}:
            return rollback_blue_green(args, environment, bluegreen, record)
        if controllers != {"ECS"}:
            raise ConfigError(
                f"the services of {args.environment} use different deployment controllers "
                f"({', '.join(sorted(controllers))}): roll them back one by one in the ECS console"
            )
{%- endif %}
    try:
        plan = environment.rollback()
    except DeployError as exc:
        record("rollback", "failed", None, {}, str(exc))
        raise
    targets = {step.service.name: step.target for step in plan}
    tag = revision_tag(environment, plan[0].target, plan[0].service.app)
    moved = "; ".join(
        f"{step.service.app}: {revision_name(step.bad)} -> {revision_name(step.target)}"
        for step in plan
    )
    try:
        environment.wait(args.timeout, args.interval, targets)
    except DeployError as exc:
        record("rollback", "failed", tag, targets, f"{moved}; {exc}")
        raise
    record("rollback", "succeeded", tag, targets, moved)
    return EXIT_OK


{% if features.blue_green_deployment %}def blue_green(args: argparse.Namespace, clients: Clients) -> BlueGreen:
    """The CodeDeploy deployment groups of the environment."""
    return BlueGreen(args.environment, clients.codedeploy, clients.ecs, log=progress)


def state_path(args: argparse.Namespace) -> Path:
    """--state-file, else .data/bluegreen-ENVIRONMENT.json next to the records."""
    path: Path | None = args.state_file
    return path or project_root() / ".data" / f"bluegreen-{args.environment}.json"


def deployment_ids(started: Started) -> str:
    """`market-data d-1; telegram-bot d-2`."""
    return "; ".join(f"{app} {deployment}" for app, deployment in started.deployments.items())


def cmd_bluegreen_start(
    args: argparse.Namespace, clients: Clients, environ: Mapping[str, str]
) -> int:
    """Register a revision per service at the tag and start its CodeDeploy deployment."""
    record = Recorder(args, environ)
    environment = EcsEnvironment(args.environment, clients.ecs, clients.ecr, log=progress)
    bluegreen = blue_green(args, clients)
    tag: str = args.image_tag
    try:
        bluegreen.check_controllers()
        environment.check_images(tag)
        check_bot_token(environment, clients)
        services = environment.services()
        tags = deploy_tags(tag, environ)
        revisions = {service.app: environment.register(service, tag, tags) for service in services}
        version = records.project_version(project_root() / "pyproject.toml")
        description = f"{tag} (version {version}) by {records.who(environ)}"
        deployments = bluegreen.start(revisions, description)
    except DeployError as exc:
        record("bluegreen-start", "failed", tag, {}, str(exc))
        raise
    started = Started(
        environment=args.environment,
        image_tag=tag,
        deployments=deployments,
        task_definitions={s.name: revisions[s.app] for s in services},
    )
    started.save(state_path(args))
    record(
        "bluegreen-start",
        "started",
        tag,
        started.task_definitions,
        f"CodeDeploy deployments {deployment_ids(started)}; the green tasks start",
    )
    return EXIT_OK


def cmd_bluegreen_wait(
    args: argparse.Namespace, clients: Clients, environ: Mapping[str, str]
) -> int:
    """Wait until the started deployments are ready (or done); record the outcome."""
    record = Recorder(args, environ)
    started = Started.load(state_path(args), args.environment)
    timeout: int = args.timeout or (900 if args.until == "ready" else 3600)
    action = f"bluegreen-wait-{args.until}"
    try:
        now = blue_green(args, clients).wait(
            started.deployments, args.until, timeout, args.interval
        )
    except DeploymentFailedError as exc:
        outcome = "rolled back" if "rolled back" in str(exc) else "failed"
        record(action, outcome, started.image_tag, started.task_definitions, str(exc))
        raise
    except DeployError as exc:
        outcome = "timed out" if "after" in str(exc) else "failed"
        record(action, outcome, started.image_tag, started.task_definitions, str(exc))
        raise
    summary = "; ".join(d.summary() for d in now)
    record(action, "succeeded", started.image_tag, started.task_definitions, summary)
    return EXIT_OK


def cmd_bluegreen_promote(
    args: argparse.Namespace, clients: Clients, environ: Mapping[str, str]
) -> int:
    """Let the ready deployments shift the production traffic; record it."""
    record = Recorder(args, environ)
    started = Started.load(state_path(args), args.environment)
    try:
        blue_green(args, clients).promote(started.deployments)
    except DeployError as exc:
        record("bluegreen-promote", "failed", started.image_tag, started.task_definitions, str(exc))
        raise
    record(
        "bluegreen-promote",
        "started",
        started.image_tag,
        started.task_definitions,
        f"traffic shifts to the green tasks ({deployment_ids(started)})",
    )
    return EXIT_OK


def cmd_bluegreen_abort(
    args: argparse.Namespace, clients: Clients, environ: Mapping[str, str]
) -> int:
    """Stop the started deployments with rollback; record it."""
    record = Recorder(args, environ)
    started = Started.load(state_path(args), args.environment)
    try:
        after = blue_green(args, clients).stop(started.deployments)
    except DeployError as exc:
        record("rollback", "failed", started.image_tag, started.task_definitions, str(exc))
        raise
    summary = "; ".join(d.summary() for d in after)
    record(
        "rollback",
        "succeeded",
        started.image_tag,
        started.task_definitions,
        f"stopped, traffic back on the blue tasks: {summary}",
    )
    return EXIT_OK


def cmd_test_traffic(args: argparse.Namespace, clients: Clients, environ: Mapping[str, str]) -> int:
    """Open or close the test listener to one address range."""
    access = ListenerAccess(args.environment, clients.ec2, args.port)
    if args.allow:
        group = access.allow(args.allow)
        progress(f"test listener port {args.port} open to {args.allow} ({group})")
    else:
        group = access.revoke(args.revoke)
        progress(f"test listener port {args.port} closed to {args.revoke} ({group})")
    return EXIT_OK


def rollback_blue_green(
    args: argparse.Namespace,
    environment: EcsEnvironment,
    bluegreen: BlueGreen,
    record: Recorder,
) -> int:
    """Deploy each service's previous revision through CodeDeploy and shift at once."""
    try:
        plan = environment.rollback_plan()
        for step in plan:
            busy = bluegreen.in_flight(step.service.app)
            if busy:
                raise DeployError(
                    f"{step.service.app}: deployment {', '.join(busy)} is still running: "
                    "stop it first (bluegreen-abort), which rolls it back"
                )
    except DeployError as exc:
        record("rollback", "failed", None, {}, str(exc))
        raise
    targets = {step.service.name: step.target for step in plan}
    tag = revision_tag(environment, plan[0].target, plan[0].service.app)
    moved = "; ".join(
        f"{step.service.app}: {revision_name(step.bad)} -> {revision_name(step.target)}"
        for step in plan
    )
    todo: list[Rollback] = []
    for step in plan:
        if step.service.task_definition == step.target:
            progress(
                f"{step.service.app}: already on {revision_name(step.target)} "
                "(CodeDeploy rolled it back)"
            )
        else:
            todo.append(step)
    try:
        if todo:
            deployments = bluegreen.start(
                {step.service.app: step.target for step in todo},
                f"rollback to {tag or 'the previous revision'} by {records.who(record.environ)}",
            )
            bluegreen.wait(deployments, "ready", args.timeout, args.interval)
            bluegreen.promote(deployments)
            bluegreen.wait(deployments, "done", max(args.timeout, 3600), args.interval)
        environment.deregister_bad(plan)
    except DeployError as exc:
        record("rollback", "failed", tag, targets, f"{moved}; {exc}")
        raise
    record("rollback", "succeeded", tag, targets, moved)
    return EXIT_OK


{% endif %}def cmd_status(args: argparse.Namespace, clients: Clients, environ: Mapping[str, str]) -> int:
    """Print the environment's state; exit 1 if anything needs attention."""
    environment = EcsEnvironment(args.environment, clients.ecs)
    services = environment.services()
    report: dict[str, object] = {
        "environment": args.environment,
        "cluster": cluster_name(args.environment),
        "region": clients.region,
    }
    problems: list[str] = []
    seen: list[tuple[Service, str | None, health.TargetHealth]] = []
    for service in services:
        targets = health.target_health(clients.elbv2, service.target_groups)
        tag = revision_tag(environment, service.task_definition, service.app)
        seen.append((service, tag, targets))
        if not service.steady:
            problems.append(service.summary())
        if service.target_groups and service.desired and targets.healthy < service.desired:
            problems.append(f"{service.app}: {targets.summary()}")
    alarms = health.alarms_firing(clients.cloudwatch, alarm_prefix(args.environment))
    problems.extend(f"alarm {name} is in ALARM" for name in alarms)
    token = health.secret_state(clients.secretsmanager, bot_token_secret_name(args.environment))
    rows = [
        {**asdict(service), "image_tag": tag, "targets": asdict(targets)}
        for service, tag, targets in seen
    ]
    report.update(services=rows, alarms=alarms, bot_token_secret=token, problems=problems)
    if args.json:
        print(json.dumps(report, sort_keys=True))
    else:
        print(f"{args.environment}: cluster {report['cluster']} in {clients.region}")
        for service, tag, targets in seen:
            print(
                f"  {service.summary()}, image {tag or 'untagged'}"
                + (f", {targets.summary()}" if service.target_groups else "")
            )
        print(f"  alarms in ALARM: {', '.join(alarms) if alarms else 'none'}")
        print(f"  bot token secret: {token}")
        print("  healthy" if not problems else "  problems: " + "; ".join(problems))
    return EXIT_FAILED if problems else EXIT_OK


{% if features.blue_green_deployment %}def blue_green_stack_tag(args: argparse.Namespace, clients: Clients) -> str | None:
    """The app stack's ImageTag when its services are on CODE_DEPLOY, else None.

    CloudFormation cannot point such a service at a new task definition, so a stack
    update must leave the image tag, and with it the task definitions, as they are.
    """
    if args.environment not in BLUE_GREEN_ENVIRONMENTS:
        return None
    try:
        controllers = set(blue_green(args, clients).controllers().values())
    except ConfigError:
        return None
    if controllers != {"CODE_DEPLOY"}:
        return None
    stack = app_stack_name(args.environment)
    try:
        response = clients.cloudformation.describe_stacks(StackName=stack)
    except ClientError as exc:
        raise ConfigError(f"describe stack {stack}: {' '.join(str(exc).split())}") from None
    for parameter in response["Stacks"][0].get("Parameters", []):
        if parameter.get("ParameterKey") == "ImageTag" and parameter.get("ParameterValue"):
            return str(parameter["ParameterValue"])
    return None


{% endif %}def cmd_stack_parameters(
    args: argparse.Namespace, clients: Clients, environ: Mapping[str, str]
) -> int:
    """Write the app stack's parameters with the running image tag."""
    environment = EcsEnvironment(args.environment, clients.ecs, clients.ecr)
    tag: str | None = args.image_tag
{%- if features.blue_green_deployment %}
    kept = blue_green_stack_tag(args, clients)
    if kept is not None:
        if tag is not None and tag != kept:
            raise ConfigError(
                f"the services of {args.environment} deploy blue/green: a stack update cannot "
                f"change their image ({kept} -> {tag}); deploy {tag} with the workflow and "
                "update the stack without --image-tag"
            )
        progress(
            f"note: blue/green services keep the stack's ImageTag {kept} (CodeDeploy, not "
            "CloudFormation, deploys images)"
        )
        tag = kept
{%- endif %}
    if tag is None:
        try:
            tag = environment.running_image_tag(APPS[0])
        except ConfigError:
            raise ConfigError(
                f"nothing runs in {args.environment} yet: pass the tag of images you pushed "
                "to ECR (--image-tag, or IMAGE_TAG=... for make)"
            ) from None
        if tag is None:
            raise ConfigError("the running market-data image has no tag: pass --image-tag")
    environment.check_images(tag)
    path: Path = args.parameters_file or (
        project_root() / "infrastructure" / "aws" / "parameters" / f"{args.environment}.json"
    )
    state = health.secret_state(clients.secretsmanager, bot_token_secret_name(args.environment))
    parameters = stackparams.build(path, args.environment, tag, bot_can_start=state == "set")
    for note in parameters.notes:
        progress(f"note: {note}")
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(parameters.to_json(), encoding="utf-8")
        progress(f"wrote {args.output} (ImageTag {tag})")
    else:
        sys.stdout.write(parameters.to_json())
    return EXIT_OK


COMMANDS = {
{%- if features.production_deployment %}
    "migrate": cmd_migrate,
{%- endif %}
    "deploy": cmd_deploy,
    "wait": cmd_wait,
    "rollback": cmd_rollback,
    "status": cmd_status,
    "stack-parameters": cmd_stack_parameters,
{%- if features.blue_green_deployment %}
    "bluegreen-start": cmd_bluegreen_start,
    "bluegreen-wait": cmd_bluegreen_wait,
    "bluegreen-promote": cmd_bluegreen_promote,
    "bluegreen-abort": cmd_bluegreen_abort,
    "test-traffic": cmd_test_traffic,
{%- endif %}
}


def default_region(environ: Mapping[str, str]) -> str:
    """AWS_REGION, else AWS_DEFAULT_REGION, else the project's region."""
    return environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


def main(
    argv: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    clients: Callable[[str], Clients] = Clients,
) -> int:
    """Run one command; return its exit code (errors as one line on stderr)."""
    environ = os.environ if environ is None else environ
    args = build_parser(default_region(environ)).parse_args(argv)
    try:
        return COMMANDS[args.command](args, clients(args.region), environ)
    except DeployError as exc:
        message, code = str(exc), exc.exit_code
    except NoCredentialsError:
        message = (
            "no AWS credentials: in GitHub Actions assume the deploy role "
            "(aws-actions/configure-aws-credentials); locally `aws sso login` or AWS_PROFILE"
        )
        code = EXIT_USAGE
    except NoRegionError:
        message, code = "no AWS region: pass --region or set AWS_REGION", EXIT_USAGE
    except EndpointConnectionError as exc:
        message, code = f"cannot reach AWS: {exc}", EXIT_FAILED
    except ClientError as exc:
        message, code = " ".join(str(exc).split()), EXIT_FAILED
    except BotoCoreError as exc:
        message, code = " ".join(str(exc).split()), EXIT_FAILED
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
