#!/usr/bin/env python3
"""Deploy, wait for, roll back and inspect the ECS services of one environment.

    uv run ecs-deploy deploy --environment staging --image-tag <sha>
    uv run ecs-deploy wait --environment staging [--timeout 900]
    uv run ecs-deploy rollback --environment staging
    uv run ecs-deploy status --environment staging [--json]
    uv run ecs-deploy stack-parameters --environment staging
    uv run ecs-deploy migrate --environment staging --image-tag <sha>
    uv run ecs-deploy infra-plan --environment staging [--summary-file FILE]
    uv run ecs-deploy infra-apply --environment staging
    uv run ecs-deploy bluegreen-start --environment production \\
        --image-tag <sha>                                                # level 4
    uv run ecs-deploy bluegreen-wait --environment production --until ready
    uv run ecs-deploy test-traffic --environment production --allow <ip>
    uv run ecs-deploy bluegreen-promote --environment production
    uv run ecs-deploy bluegreen-wait --environment production --until done
    uv run ecs-deploy bluegreen-abort --environment production

`deploy` registers a new revision of each service's current task definition with
the new image tag and rolls the services onto it; `wait` waits until they are
stable on it (the ECS deployment circuit breaker rolls a failing one back, which
`wait` reports as a failure); `rollback` points each service back at the revision
it ran before the last deploy. `migrate` runs the database migration (Alembic
`upgrade head`, then the grants of the services' database user) as a one-off ECS
task in the market-data image of the tag and waits for it to exit 0; the workflows
run it before `deploy` moves any traffic. At level 4 production deploys blue/green
through CodeDeploy (the bluegreen-* commands, test-traffic: see
ops/deploy/bluegreen.py). Each command but `status`, `stack-parameters`, `infra-*` and
`test-traffic` appends a record (environment, action, outcome, version, image tag,
commit, who, when) to .data/deployments.jsonl and prints it as one JSON line on
stdout; progress goes to stderr.

Each concern is a module: rolling.py (deploy, wait, rollback, status), migrate.py,
infra.py (the environment's CloudFormation stacks: stack-parameters, and infra-plan and
infra-apply, their change sets), and bluegreen.py, which exists only at the levels
that have it and is registered here only when the project's level has it.
The region is --region, else AWS_REGION or AWS_DEFAULT_REGION, else the project's.
Exit codes: 0 done; 1 the deployment failed (or `status` found a problem);
2 bad arguments, credentials, permissions or missing infrastructure.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence

from ops.cli import OneLineParser
from ops.project import current_project

from . import infra, migrate, rolling
from .commands import PROG, Clients, Subcommands
from .errors import run_command
from .project import default_region

# feature -> the module of its subcommands (it exists only at the levels with it)
BY_FEATURE = {
    "blue_green_deployment": "ops.deploy.bluegreen",
}


def build_parser(environ: Mapping[str, str]) -> OneLineParser:
    """The command line: the subcommands of the project's level."""
    parser = OneLineParser(
        prog=PROG,
        description="Deploy, wait for, roll back and inspect the ECS services of one environment.",
        epilog="Exit codes: 0 done; 1 the deployment failed; 2 usage or configuration error.",
    )
    sub = Subcommands.of(parser, default_region(environ))
    rolling.register(sub)
    migrate.register(sub)
    infra.register(sub)
    for feature, module in BY_FEATURE.items():
        if current_project().has(feature):
            importlib.import_module(module).register(sub)
    return parser


def main(
    argv: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    clients: Callable[[str], Clients] = Clients,
) -> int:
    """Run one command; return its exit code (errors as one line on stderr)."""
    return run_command(build_parser, argv, environ, lambda args, _: clients(args.region))


if __name__ == "__main__":
    sys.exit(main())
