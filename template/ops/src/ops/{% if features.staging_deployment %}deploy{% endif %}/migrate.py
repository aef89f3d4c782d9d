"""`migrate`: the database migration of a release as a one-off ECS task, run to the
end before `deploy` moves any traffic."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from ops.cli import EXIT_OK

from .commands import Clients, Recorder, Subcommands, add_wait_options, progress
from .ecs import EcsEnvironment
from .migration import MigrationTask
from .options import image_tag
from .project import migration_family


def register(sub: Subcommands) -> None:
    """migrate."""
    migrate = sub.add(
        "migrate",
        cmd_migrate,
        "run the database migration of IMAGE_TAG as a one-off ECS task and wait for it",
    )
    migrate.add_argument("--image-tag", required=True, type=image_tag)
    add_wait_options(migrate, "seconds to wait for the task to finish (default: 900)", interval=10)


def cmd_migrate(args: argparse.Namespace, clients: Clients, environ: Mapping[str, str]) -> int:
    """Run the migration task of the image tag to completion; record it."""
    record = Recorder(args, environ)
    environment = EcsEnvironment(args.environment, clients.ecs, clients.ecr, log=progress)
    task = MigrationTask(environment)
    tags = record.tags(args.image_tag)
    with record.failures("migrate", args.image_tag, waits=True):
        revision, summary = task.run(args.image_tag, tags, args.timeout, args.interval)
    family = migration_family(args.environment)
    record("migrate", "succeeded", args.image_tag, {family: revision}, summary)
    return EXIT_OK
