"""`stack-parameters`: the app stack's parameter file for `make bootstrap`, with the
image tag that runs now, so that a stack update never rolls the services back."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path

from ops.cli import EXIT_OK

from . import health, stackparams
from .commands import Clients, Subcommands, progress
from .ecs import EcsEnvironment
from .errors import ConfigError
from .options import image_tag
from .project import bot_token_secret_name


def register(sub: Subcommands) -> None:
    """stack-parameters."""
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
