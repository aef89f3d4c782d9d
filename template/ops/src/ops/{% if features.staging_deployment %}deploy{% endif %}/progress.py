"""One line per poll of a deploy wait (rolling services, the migration task, blue/green):

    market-data: IN_PROGRESS; tasks 1/2 running; traffic ~50% shifted; 1m05s elapsed,
    13m55s left; https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/...

(on one line): the state, running/desired tasks, the share of traffic on the new
version ("~" where it is estimated from the tasks), the time since the wait began
and until its timeout, and the AWS console page to watch.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import WaiterError

from .errors import DeployError, aws_call

Log = Callable[[str], None]
Seen = Callable[[Mapping[str, Any]], None]
NOT_APPLICABLE = "n/a"


def ecs_service_link(region: str, cluster: str, service: str) -> str:
    """The deployments tab of an ECS service in the console."""
    return (
        f"https://{region}.console.aws.amazon.com/ecs/v2/clusters/{cluster}/services/"
        f"{service}/deployments?region={region}"
    )


def ecs_task_link(region: str, cluster: str, task: str) -> str:
    """An ECS task (a one-off task such as the migration) in the console."""
    return (
        f"https://{region}.console.aws.amazon.com/ecs/v2/clusters/{cluster}/tasks/"
        f"{task}/configuration?region={region}"
    )


def codedeploy_link(region: str, deployment_id: str) -> str:
    """A CodeDeploy deployment in the console."""
    return (
        f"https://{region}.console.aws.amazon.com/codesuite/codedeploy/deployments/"
        f"{deployment_id}?region={region}"
    )


def duration(seconds: float) -> str:
    """`45s`, `4m05s`, `1h02m`."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole}s"
    minutes, rest = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m{rest:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def tasks(running: int | None, desired: int | None) -> str:
    """`1/2 running`, or n/a."""
    if running is None or desired is None:
        return NOT_APPLICABLE
    return f"{running}/{desired} running"


class Progress:
    """The clock of one wait, and its lines."""

    def __init__(
        self, timeout: float, log: Log, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.timeout = timeout
        self.log = log
        self.clock = clock
        self.started = clock()

    def line(self, subject: str, state: str, tasks: str, traffic: str, link: str) -> None:
        """Log one poll's line."""
        elapsed = self.clock() - self.started
        self.log(
            f"{subject}: {state or 'unknown'}; tasks {tasks}; traffic {traffic}; "
            f"{duration(elapsed)} elapsed, {duration(self.timeout - elapsed)} left; {link}"
        )


@contextmanager
def after_each(client: Any, operation: str, seen: Seen) -> Iterator[None]:
    """Call `seen` with the answer of every successful `operation` (DescribeServices...)
    the client makes inside the block: a botocore waiter's polls, for one."""
    event = f"after-call.{client.meta.service_model.service_id.hyphenize()}.{operation}"

    def handler(parsed: Mapping[str, Any], **_: Any) -> None:
        if "Error" not in parsed:
            seen(parsed)

    client.meta.events.register(event, handler)
    try:
        yield
    finally:
        client.meta.events.unregister(event, handler)


def waiter_config(timeout: float, interval: float) -> Any:
    """A botocore waiter's WaiterConfig: poll every `interval` s for at most `timeout` s."""
    delay = min(interval, timeout)
    return {"Delay": delay, "MaxAttempts": max(1, math.ceil(timeout / delay))}


def ran_out_of_time(exc: WaiterError) -> bool:
    """Whether a botocore waiter gave up because its attempts ran out, not at a terminal
    state or an AWS error (botocore tells them apart by the reason it gives only)."""
    return exc.kwargs.get("reason") == "Max attempts exceeded"


def run_waiter(
    client: Any,
    waiter: str,
    what: str,
    seen: Seen,
    timeout: float,
    interval: float,
    timed_out: Callable[[], DeployError],
    failed: Callable[[Mapping[str, Any]], DeployError] | None = None,
    **params: Any,
) -> None:
    """Run the client's botocore `waiter` every `interval` s for at most `timeout` s;
    `seen` gets the answer of each poll (after_each), to print it.

    When the time runs out it raises what `timed_out` returns; on a terminal state
    what `failed` makes of the last answer, else (or on an AWS error) a DeployError.
    """
    wait = client.get_waiter(waiter)
    try:
        with aws_call(f"wait for {what}"), after_each(client, wait.config.operation, seen):
            wait.wait(**params, WaiterConfig=waiter_config(timeout, interval))
    except WaiterError as exc:
        if ran_out_of_time(exc):
            raise timed_out() from None
        if failed is not None and exc.last_response and "Error" not in exc.last_response:
            raise failed(exc.last_response) from None
        raise DeployError(f"waiting for {what} failed: {exc}") from None
