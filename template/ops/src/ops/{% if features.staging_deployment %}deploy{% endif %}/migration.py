"""The database migration as a one-off ECS task: Alembic's `upgrade head` in the
market-data image of a release, then the grants of the services' database user, run
to completion before any service moves to it.

The task runs a revision of its own family (`<project>-<environment>-migrate`),
derived from the market-data service's task definition: the same image repository at
the new tag, roles, environment and log group, with the server's entry point replaced
by the migration and no port or health check. It starts in the service's subnets and
security groups, so it reaches the database as the service does.

The services log in as their own user with IAM tokens (DATABASE_IAM_AUTH); the
migration logs in as the master user instead. app.yml names the secret that RDS
keeps the master user's name and password in with the market-data container's
docker label `database-admin-secret`; the task gets both from it at start (ECS
reads the secret with the task execution role), and DATABASE_APP_USER names the
user to grant. Without the label (a stack from before) the migration logs in as
the service does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from ops.project import current_project

from .ecs import EcsEnvironment
from .errors import ConfigError, DeployError, TimedOutError, aws_call, from_client_error
from .progress import NOT_APPLICABLE, Progress, ecs_task_link, tasks
from .project import migration_family
from .taskdefs import new_revision_request, revision_name

if TYPE_CHECKING:
    from mypy_boto3_ecs.type_defs import NetworkConfigurationTypeDef

MIGRATED_APP = "market-data"
CONTAINER = "migrate"
STARTED_BY = "ecs-deploy-migrate"

# The market-data image's entry point is the server; the migration is the common
# package's module, run by the image's interpreter with the services' settings.
ENTRY_POINT = ("python", "-m")
ADMIN_LOGIN_LABEL = "database-admin-secret"
# The services' login, replaced by the master user's in the migration task.
_SERVICE_LOGIN = ("DATABASE_USER", "DATABASE_PASSWORD", "DATABASE_IAM_AUTH")

# Container settings of the service that a one-off task must not have.
_SERVICE_ONLY = ("portMappings", "healthCheck", "dependsOn", "links", "restartPolicy")


def migration_module() -> str:
    """The module the migration task runs (`python -m`)."""
    return f"{current_project().package_prefix}_common.storage.migrate"


def log_in_as_admin(container: dict[str, Any]) -> None:
    """Give the migration container the master user's login from the secret that its
    docker label names, and DATABASE_APP_USER: the user the service logs in as."""
    secret = container.get("dockerLabels", {}).get(ADMIN_LOGIN_LABEL)
    if not secret:
        return
    environment = container.get("environment", [])
    app_user = next((e["value"] for e in environment if e["name"] == "DATABASE_USER"), "")
    container["environment"] = [e for e in environment if e["name"] not in _SERVICE_LOGIN]
    if app_user:
        container["environment"].append({"name": "DATABASE_APP_USER", "value": app_user})
    container["secrets"] = [
        *(s for s in container.get("secrets", []) if s["name"] not in _SERVICE_LOGIN),
        {"name": "DATABASE_USER", "valueFrom": f"{secret}:username::"},
        {"name": "DATABASE_PASSWORD", "valueFrom": f"{secret}:password::"},
    ]


def task_id(arn: str) -> str:
    """`arn:...:task/cluster/0123abcd` -> `0123abcd`."""
    return arn.rsplit("/", 1)[-1]


def migration_request(
    service_definition: Mapping[str, Any],
    environment: str,
    image_tag: str,
    tags: Mapping[str, str],
) -> dict[str, Any]:
    """RegisterTaskDefinition arguments of the migration task, from market-data's definition."""
    request = new_revision_request(service_definition, MIGRATED_APP, image_tag, tags)
    request["family"] = migration_family(environment)
    container = next(c for c in request["containerDefinitions"] if c["name"] == MIGRATED_APP)
    for key in _SERVICE_ONLY:
        container.pop(key, None)
    container.update(
        name=CONTAINER, entryPoint=list(ENTRY_POINT), command=[migration_module()], essential=True
    )
    log_in_as_admin(container)
    request["containerDefinitions"] = [container]
    return request


def log_location(request: Mapping[str, Any], task: str) -> str:
    """Where CloudWatch Logs keeps the task's output (awslogs driver), or "" if elsewhere."""
    container = request["containerDefinitions"][0]
    options = container.get("logConfiguration", {}).get("options", {})
    group, prefix = options.get("awslogs-group"), options.get("awslogs-stream-prefix")
    if not group:
        return ""
    stream = f"{prefix}/{CONTAINER}/{task_id(task)}" if prefix else task_id(task)
    return f"log group {group}, stream {stream}"


class MigrationTask:
    """Register, start and watch the migration task of one environment."""

    def __init__(self, environment: EcsEnvironment) -> None:
        self.environment = environment
        self.ecs = environment.ecs
        self.log = environment.log
        self.clock = environment.clock

    def register(
        self, image_tag: str, tags: Mapping[str, str]
    ) -> tuple[dict[str, Any], NetworkConfigurationTypeDef]:
        """A new revision of the migration family at `image_tag`, from the market-data
        service's definition; the request, with the new revision's ARN under
        `taskDefinitionArn`, and the service's network to start it in."""
        service = self.environment.described()[MIGRATED_APP]
        network = service.get("networkConfiguration")
        if not network or "awsvpcConfiguration" not in network:
            raise ConfigError(
                f"service {service['serviceName']} has no awsvpc network configuration to "
                "start the migration task in: create the app stack of "
                f"{self.environment.environment} first (docs/deployment/aws.md)"
            )
        definition, _ = self.environment.task_definition(str(service["taskDefinition"]))
        request = migration_request(definition, self.environment.environment, image_tag, tags)
        arn = self.environment.register_request(request, "migration", image_tag)
        # DescribeServices' shape of the network is what RunTask takes.
        return {**request, "taskDefinitionArn": arn}, cast("NetworkConfigurationTypeDef", network)

    def start(self, task_definition: str, network: NetworkConfigurationTypeDef) -> str:
        """Start one task of `task_definition` on Fargate; its ARN."""
        with aws_call(f"run {revision_name(task_definition)}"):
            response = self.ecs.run_task(
                cluster=self.environment.cluster,
                taskDefinition=task_definition,
                launchType="FARGATE",
                count=1,
                startedBy=STARTED_BY,
                networkConfiguration=network,
            )
        failures = response.get("failures", [])
        tasks = response.get("tasks", [])
        if failures or not tasks:
            reasons = "; ".join(
                f"{f.get('reason', 'unknown')}" + (f" ({f['detail']})" if f.get("detail") else "")
                for f in failures
            )
            raise DeployError(
                f"the migration task did not start: {reasons or 'ECS started no task'}"
            )
        arn = str(tasks[0]["taskArn"])
        self.log(f"migration: started task {task_id(arn)}")
        return arn

    def poll_lines(self, progress: Progress) -> Callable[[Mapping[str, Any]], None]:
        """What prints a DescribeTasks answer: the task's status and console page (a
        one-off task takes no traffic)."""
        cluster, region = self.environment.cluster, self.ecs.meta.region_name

        def lines(answer: Mapping[str, Any]) -> None:
            for described in answer.get("tasks", []):
                status = str(described.get("lastStatus", ""))
                progress.line(
                    "migration",
                    status,
                    tasks(
                        int(status == "RUNNING"),
                        int(described.get("desiredStatus", "RUNNING") == "RUNNING"),
                    ),
                    NOT_APPLICABLE,
                    ecs_task_link(region, cluster, task_id(str(described["taskArn"]))),
                )

        return lines

    def wait(self, task: str, timeout: int, interval: int) -> dict[str, Any]:
        """Wait (at most `timeout` s) until the task stopped, a line per poll; the
        described task.

        A task still running then is stopped, and TimedOutError raised.
        """
        cluster = self.environment.cluster

        def timed_out() -> DeployError:
            try:
                self.ecs.stop_task(
                    cluster=cluster, task=task, reason=f"migration not done after {timeout} s"
                )
            except ClientError as exc:
                return from_client_error(exc, f"stop task {task_id(task)}")
            return TimedOutError(
                f"migration task {task_id(task)} still ran after {timeout} s: stopped it "
                "(PostgreSQL rolls its transaction back); nothing was deployed"
            )

        self.environment.watch(
            "tasks_stopped",
            "the migration task",
            self.poll_lines,
            timeout,
            interval,
            timed_out,
            tasks=[task],
        )
        with aws_call(f"describe task {task_id(task)}"):
            response = self.ecs.describe_tasks(cluster=cluster, tasks=[task])
        described = response.get("tasks", [])
        if not described:
            raise DeployError(f"migration task {task_id(task)} vanished before it was read")
        return dict(described[0])

    def run(
        self, image_tag: str, tags: Mapping[str, str], timeout: int, interval: int
    ) -> tuple[str, str]:
        """Register, start and wait for the migration: the revision it ran and a line that
        says which task it was and how long it took; a DeployError unless it exited 0."""
        self.environment.check_images(image_tag)
        request, network = self.register(image_tag, tags)
        arn = request["taskDefinitionArn"]
        started = self.clock()
        task = self.start(arn, network)
        described = self.wait(task, timeout, interval)
        seconds = self.clock() - started
        container: dict[str, Any] = next(
            (dict(c) for c in described.get("containers", []) if c.get("name") == CONTAINER), {}
        )
        exit_code = container.get("exitCode")
        if exit_code == 0:
            summary = (
                f"migration task {task_id(task)} ({revision_name(arn)}) exited with code 0 "
                f"after {seconds:.0f} s"
            )
            self.log(f"migration: {summary}")
            return arn, summary
        reason = (
            container.get("reason") or described.get("stoppedReason") or described.get("stopCode")
        )
        where = log_location(request, task)
        if exit_code is None:
            raise DeployError(
                f"migration task {task_id(task)} did not run: {reason or 'no exit code'}"
                "; nothing was deployed"
            )
        raise DeployError(
            f"migration task {task_id(task)} exited with code {exit_code}"
            + (f" ({reason})" if reason else "")
            + "; nothing was deployed"
            + (f"; its output: {where}" if where else "")
        )
