"""How a deploy command fails: its exit code and the outcome its record says."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ProfileNotFound,
)

from ops.cli import EXIT_FAILED, EXIT_USAGE, OneLineParser
from ops.project import ProjectError


class DeployError(Exception):
    """The deployment itself failed (exit 1); `str()` is one line for the user."""

    exit_code = EXIT_FAILED
    outcome = "failed"


class ConfigError(DeployError):
    """Bad arguments, credentials, permissions or missing infrastructure (exit 2)."""

    exit_code = EXIT_USAGE


class NoClusterError(ConfigError):
    """An environment's ECS cluster does not exist (its app stack was not created)."""


class TimedOutError(DeployError):
    """A wait ran out of time before the services, task or deployments got there."""

    outcome = "timed out"


class RolledBackError(DeployError):
    """A deployment failed, and CodeDeploy rolled it back by itself."""

    outcome = "rolled back"


# Error codes that mean "you may not" or "it is not there", not "it broke".
_CONFIG_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
        "ClusterNotFoundException",
        "ServiceNotFoundException",
        "ServiceNotActiveException",
        "RepositoryNotFoundException",
        "ResourceNotFoundException",
    }
)


def error_code(exc: Exception) -> str:
    """The AWS error code of a botocore ClientError ("" for anything else)."""
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def from_client_error(exc: Exception, action: str) -> DeployError:
    """A botocore ClientError as a one-line DeployError or ConfigError."""
    response = getattr(exc, "response", {}) or {}
    error = response.get("Error", {})
    code = str(error.get("Code", type(exc).__name__))
    message = " ".join(str(error.get("Message", exc)).split())
    text = f"{action}: {code}: {message}" if message else f"{action}: {code}"
    if code in _CONFIG_CODES:
        return ConfigError(text)
    return DeployError(text)


@contextmanager
def aws_call(
    action: str, known: Mapping[str, DeployError] | None = None, ignore: tuple[str, ...] = ()
) -> Iterator[None]:
    """An AWS error of the block as a one-line DeployError or ConfigError about `action`:
    the one `known` names for its code, none for a code in `ignore`."""
    try:
        yield
    except ClientError as exc:
        code = error_code(exc)
        if code not in ignore:
            raise (known or {}).get(code) or from_client_error(exc, action) from None


def reported(parser: OneLineParser, command: Callable[[], int]) -> int:
    """The exit code of `command()`, or of its error, which goes to stderr as one line:
    2 for a ConfigError, the project's files, credentials or the region, 1 for the rest."""
    try:
        return command()
    except DeployError as exc:
        message, code = str(exc), exc.exit_code
    except ProjectError as exc:
        message, code = str(exc), EXIT_USAGE
    except NoCredentialsError:
        message = (
            "no AWS credentials: in GitHub Actions assume the deploy role "
            "(aws-actions/configure-aws-credentials); locally `aws sso login` or AWS_PROFILE"
        )
        code = EXIT_USAGE
    except ProfileNotFound as exc:
        message = f"{exc}: set AWS_PROFILE to a profile of your AWS config, or unset it"
        code = EXIT_USAGE
    except NoRegionError:
        message, code = "no AWS region: pass --region or set AWS_REGION", EXIT_USAGE
    except EndpointConnectionError as exc:
        message, code = f"cannot reach AWS: {exc}", EXIT_FAILED
    except (ClientError, BotoCoreError) as exc:
        message, code = " ".join(str(exc).split()), EXIT_FAILED
    return parser.fail(message, code)


def run_command(
    build_parser: Callable[[Mapping[str, str]], OneLineParser],
    argv: Sequence[str] | None,
    environ: Mapping[str, str] | None,
    context: Callable[[argparse.Namespace, Mapping[str, str]], object],
) -> int:
    """Run the subcommand `argv` names (its `run`, given what `context` makes of the
    arguments and the environment: its AWS clients); its exit code as `reported` says."""
    environ = os.environ if environ is None else environ
    parser = build_parser(environ)
    args = parser.parse_args(argv)
    return reported(parser, lambda: int(args.run(args, context(args, environ), environ)))
