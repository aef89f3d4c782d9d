"""`deploy`, `wait`, `rollback` and `status`: rolling deployments through ECS's own
deployment controller, whose circuit breaker rolls a failing service back."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from ops.cli import EXIT_FAILED, EXIT_OK

from . import health
from .commands import (
    PROG,
    Clients,
    Recorder,
    Subcommands,
    add_wait_options,
    check_bot_token,
    progress,
)
from .ecs import EcsEnvironment, Rollback, Service
from .options import image_tag
from .project import alarm_prefix, bot_token_secret_name
from .taskdefs import revision_name

STABLE_TIMEOUT = "seconds to wait for stable services (default: 900)"


def register(sub: Subcommands) -> None:
    """deploy, wait, rollback and status."""
    deploy = sub.add(
        "deploy", cmd_deploy, "roll both services onto new task definition revisions with IMAGE_TAG"
    )
    deploy.add_argument("--image-tag", required=True, type=image_tag)
    wait = sub.add("wait", cmd_wait, "wait until both services are stable on the deployed revision")
    add_wait_options(wait, STABLE_TIMEOUT)
    rollback = sub.add(
        "rollback", cmd_rollback, "point both services back at their previous revision and wait"
    )
    add_wait_options(rollback, STABLE_TIMEOUT)
    status = sub.add(
        "status", cmd_status, "revision, image, tasks, targets and alarms", recorded=False
    )
    status.add_argument("--json", action="store_true", help="print one JSON object")


def cmd_deploy(args: argparse.Namespace, clients: Clients, environ: Mapping[str, str]) -> int:
    """Roll both services onto new revisions with the image tag; record it."""
    record = Recorder(args, environ)
    environment = EcsEnvironment(args.environment, clients.ecs, clients.ecr, log=progress)
    with record.failures("deploy", args.image_tag):
        check_bot_token(environment, clients)
        revisions = environment.deploy(args.image_tag, record.tags(args.image_tag))
    record(
        "deploy",
        "started",
        args.image_tag,
        revisions,
        f"rolling out; run `{PROG} wait --environment {args.environment}` to see it finish",
    )
    return EXIT_OK


def cmd_wait(args: argparse.Namespace, clients: Clients, environ: Mapping[str, str]) -> int:
    """Wait until both services are stable on their newest revision; record it."""
    record = Recorder(args, environ)
    environment = EcsEnvironment(args.environment, clients.ecs, log=progress)
    services = environment.services()
    expected = environment.expected_revisions(services)
    tag = environment.image_tag(expected[services[0].name], services[0].app)
    with record.failures("wait", tag, expected, waits=True):
        stable = environment.wait(args.timeout, args.interval, expected)
    running = {s.name: s.task_definition for s in stable}
    record("wait", "succeeded", tag, running, "; ".join(s.summary() for s in stable))
    return EXIT_OK


@dataclass(frozen=True)
class Moved:
    """Where a rollback moves the services: the revision of each, its image tag, and
    `app: bad -> target` for the record."""

    targets: dict[str, str]
    tag: str | None
    detail: str

    @classmethod
    def of(cls, environment: EcsEnvironment, plan: list[Rollback]) -> Moved:
        """The targets of `plan`."""
        return cls(
            targets={step.service.name: step.target for step in plan},
            tag=environment.image_tag(plan[0].target, plan[0].service.app),
            detail="; ".join(
                f"{step.service.app}: {revision_name(step.bad)} -> {revision_name(step.target)}"
                for step in plan
            ),
        )


def cmd_rollback(args: argparse.Namespace, clients: Clients, environ: Mapping[str, str]) -> int:
    """Point both services at their previous revision, wait; record it."""
    record = Recorder(args, environ)
    environment = EcsEnvironment(args.environment, clients.ecs, log=progress)
    with record.failures("rollback"):
        plan = environment.rollback()
    moved = Moved.of(environment, plan)
    with record.failures("rollback", moved.tag, moved.targets, moved.detail):
        environment.wait(args.timeout, args.interval, moved.targets)
    record("rollback", "succeeded", moved.tag, moved.targets, moved.detail)
    return EXIT_OK


def cmd_status(args: argparse.Namespace, clients: Clients, environ: Mapping[str, str]) -> int:
    """Print the environment's state; exit 1 if anything needs attention."""
    environment = EcsEnvironment(args.environment, clients.ecs)
    problems: list[str] = []
    seen: list[tuple[Service, str | None, health.TargetHealth]] = []
    for service in environment.services():
        targets = health.target_health(clients.elbv2, service.target_groups)
        seen.append((service, environment.image_tag(service.task_definition, service.app), targets))
        if not service.steady:
            problems.append(service.summary())
        if service.target_groups and service.desired and targets.healthy < service.desired:
            problems.append(f"{service.app}: {targets.summary()}")
    alarms = health.alarms_firing(clients.cloudwatch, alarm_prefix(args.environment))
    problems.extend(f"alarm {name} is in ALARM" for name in alarms)
    token = health.secret_state(clients.secretsmanager, bot_token_secret_name(args.environment))
    if args.json:
        report = {
            "environment": args.environment,
            "cluster": environment.cluster,
            "region": clients.region,
            "services": [
                {**asdict(service), "image_tag": tag, "targets": asdict(targets)}
                for service, tag, targets in seen
            ],
            "alarms": alarms,
            "bot_token_secret": token,
            "problems": problems,
        }
        print(json.dumps(report, sort_keys=True))
    else:
        print(f"{args.environment}: cluster {environment.cluster} in {clients.region}")
        for service, tag, targets in seen:
            print(
                f"  {service.summary()}, image {tag or 'untagged'}"
                + (f", {targets.summary()}" if service.target_groups else "")
            )
        print(f"  alarms in ALARM: {', '.join(alarms) if alarms else 'none'}")
        print(f"  bot token secret: {token}")
        print("  healthy" if not problems else "  problems: " + "; ".join(problems))
    return EXIT_FAILED if problems else EXIT_OK
