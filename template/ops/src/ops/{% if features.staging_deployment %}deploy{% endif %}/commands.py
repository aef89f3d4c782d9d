"""What the ecs-deploy subcommands share: the AWS clients, progress on stderr, the
deployment record of each recorded command, and their common options."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3

from ops.cli import bounded
from ops.project import project_root

from . import records
from .ecs import EcsEnvironment
from .errors import ConfigError, DeployError
from .health import secret_state
from .project import bot_token_secret_name, environments
from .taskdefs import TAG_BY, TAG_COMMIT, TAG_IMAGE

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch.client import CloudWatchClient
    from mypy_boto3_ecr.client import ECRClient
    from mypy_boto3_ecs.client import ECSClient
    from mypy_boto3_elbv2.client import ElasticLoadBalancingv2Client
    from mypy_boto3_secretsmanager.client import SecretsManagerClient

PROG = "ecs-deploy"


class Clients:
    """The AWS clients of one region, each created when first used: `clients.ecs`,
    `clients.codedeploy`... Clients passed as keywords (a test's) are used as they are."""

    ecs: ECSClient
    ecr: ECRClient
    elbv2: ElasticLoadBalancingv2Client
    cloudwatch: CloudWatchClient
    secretsmanager: SecretsManagerClient

    def __init__(
        self, region: str, session: boto3.session.Session | None = None, **ready: Any
    ) -> None:
        self.region = region
        self.session = session or boto3.session.Session(region_name=region)
        self.__dict__.update(ready)

    def __getattr__(self, service: str) -> Any:
        if service.startswith("_"):
            raise AttributeError(service)
        client = self.session.client(service)  # type: ignore[call-overload]
        setattr(self, service, client)
        return client


# A subcommand's `run`: its arguments, its context (ecs-deploy's Clients, rds-backup's
# RdsBackups: run_command), the environment; the exit code.
Command = Callable[[argparse.Namespace, Any, Mapping[str, str]], int]


def progress(line: str) -> None:
    """Progress for people, on stderr (stdout carries the record)."""
    print(line, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ options
def add_wait_options(
    parser: argparse.ArgumentParser,
    timeout_help: str,
    timeout: int | None = 900,
    interval: int = 15,
) -> None:
    """--timeout and --interval, in seconds."""
    parser.add_argument(
        "--timeout",
        type=bounded(1, 10800, "a whole number", whole=True),
        default=timeout,
        help=timeout_help,
    )
    parser.add_argument(
        "--interval",
        type=bounded(1, 300, "a whole number", whole=True),
        default=interval,
        help=f"seconds between checks (default: {interval})",
    )


@dataclass(frozen=True)
class Subcommands:
    """Where each command module adds its subcommands, with the options they share."""

    parsers: argparse._SubParsersAction[argparse.ArgumentParser]
    environment: argparse.ArgumentParser  # --environment, --region
    recorded: argparse.ArgumentParser  # --record-file

    @classmethod
    def of(cls, parser: argparse.ArgumentParser, default_region: str) -> Subcommands:
        """The subcommands of `parser`; --region defaults to `default_region`."""
        environment = argparse.ArgumentParser(add_help=False)
        environment.add_argument("--environment", required=True, choices=environments())
        environment.add_argument(
            "--region", default=default_region, help=f"AWS region (default: {default_region})"
        )
        recorded = argparse.ArgumentParser(add_help=False)
        recorded.add_argument(
            "--record-file",
            type=Path,
            default=project_root() / ".data" / "deployments.jsonl",
            help="where the deployment records go (default: .data/deployments.jsonl)",
        )
        parsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
        return cls(parsers, environment, recorded)

    def add(
        self,
        name: str,
        run: Command,
        help: str,
        recorded: bool = True,
        parents: Sequence[argparse.ArgumentParser] = (),
    ) -> argparse.ArgumentParser:
        """The subcommand `name`, which `run` carries out, with --environment, --region,
        --record-file if `recorded`, and the options of `parents`."""
        shared = [self.environment, self.recorded] if recorded else [self.environment]
        parser = self.parsers.add_parser(name, parents=[*shared, *parents], help=help)
        parser.set_defaults(run=run)
        return parser

    def replace(self, name: str, run: Command) -> None:
        """Let `run` carry out the subcommand `name` instead."""
        self.parsers.choices[name].set_defaults(run=run)


# ------------------------------------------------------------------ records
class Recorder:
    """Appends each deployment record of one command to --record-file and prints it."""

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
    ) -> None:
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

    def tags(self, image: str) -> dict[str, str]:
        """The tags of the task definition revisions the command registers for `image`."""
        return {
            TAG_IMAGE: image,
            TAG_COMMIT: records.commit(self.environ, image),
            TAG_BY: records.who(self.environ),
        }

    @contextmanager
    def failures(
        self,
        action: str,
        tag: str | None = None,
        services: Mapping[str, str] | None = None,
        done: str = "",
        waits: bool = False,
    ) -> Iterator[None]:
        """Record a DeployError of the block and let it go on: its outcome is `failed`,
        or for a wait (`waits`) the one its type names (`timed out`, `rolled back`);
        `done` is what happened before it."""
        try:
            yield
        except DeployError as exc:
            detail = f"{done}; {exc}" if done else str(exc)
            self(action, exc.outcome if waits else "failed", tag, services or {}, detail)
            raise


def check_bot_token(environment: EcsEnvironment, clients: Clients) -> None:
    """Refuse to start bot tasks that would exit at once for want of their token."""
    bot = next((s for s in environment.services() if s.app == "telegram-bot"), None)
    if bot is None or bot.desired == 0:
        return
    name = bot_token_secret_name(environment.environment)
    state = secret_state(clients.secretsmanager, name)
    if state != "set":
        raise ConfigError(
            f"the bot's token secret {name} is {state}: put the token from @BotFather there "
            "first (docs/deployment/aws.md)"
        )
