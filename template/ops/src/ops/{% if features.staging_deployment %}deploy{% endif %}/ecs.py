"""The ECS services of one environment: read them, roll them onto new task definition
revisions, roll them back, and wait until they are stable."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import ConfigError, DeployError, NoClusterError, TimedOutError, aws_call
from .images import tag_of
from .progress import Progress, Seen, ecs_service_link, run_waiter, tasks
from .project import APPS, cluster_name, repository_name, service_name
from .taskdefs import (
    TAG_PREVIOUS,
    container_image,
    family_of,
    new_revision_request,
    revision_name,
    revision_number,
    tags_dict,
)

if TYPE_CHECKING:
    from mypy_boto3_ecr.client import ECRClient
    from mypy_boto3_ecs.client import ECSClient

Log = Callable[[str], None]


@dataclass(frozen=True)
class Service:
    """One ECS service as DescribeServices reports it."""

    app: str
    name: str
    task_definition: str
    desired: int
    running: int
    pending: int
    deployments: int
    rollout_state: str
    rollout_reason: str
    target_groups: tuple[str, ...]

    @classmethod
    def from_api(cls, app: str, data: Mapping[str, Any]) -> Service:
        """A Service from one entry of DescribeServices' `services`.

        A service on the CODE_DEPLOY controller has task sets instead of deployments.
        """
        deployments = data.get("deployments") or data.get("taskSets") or []
        primary: Mapping[str, Any] = next(
            (d for d in deployments if d.get("status") == "PRIMARY"), {}
        )
        return cls(
            app=app,
            name=str(data["serviceName"]),
            task_definition=str(data["taskDefinition"]),
            desired=int(data.get("desiredCount", 0)),
            running=int(data.get("runningCount", 0)),
            pending=int(data.get("pendingCount", 0)),
            deployments=len(deployments),
            rollout_state=str(primary.get("rolloutState", "")),
            rollout_reason=str(primary.get("rolloutStateReason", "")),
            target_groups=tuple(
                str(lb["targetGroupArn"])
                for lb in data.get("loadBalancers", [])
                if lb.get("targetGroupArn")
            ),
        )

    @property
    def steady(self) -> bool:
        """One deployment, every desired task running, and no failed rollout."""
        return (
            self.deployments == 1
            and self.running == self.desired
            and self.rollout_state != "FAILED"
        )

    def summary(self) -> str:
        """One line: revision, tasks, deployments and rollout state."""
        return (
            f"{self.app}: {revision_name(self.task_definition)}, "
            f"{self.running}/{self.desired} running, {self.pending} pending, "
            f"{self.deployments} deployment{'s' if self.deployments != 1 else ''}"
            + (f", rollout {self.rollout_state}" if self.rollout_state else "")
        )


@dataclass(frozen=True)
class Rollback:
    """One service's rollback: from the bad revision to the target."""

    service: Service
    bad: str
    target: str


class EcsEnvironment:
    """The services `<project>-<environment>-<app>` in the cluster `<project>-<environment>`."""

    def __init__(
        self,
        environment: str,
        ecs: ECSClient,
        ecr: ECRClient | None = None,
        log: Log = lambda _line: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.environment = environment
        self.cluster = cluster_name(environment)
        self.ecs = ecs
        self.ecr = ecr
        self.clock = clock
        self.log = log

    # ------------------------------------------------------------------ read
    def active(self) -> dict[str, dict[str, Any]]:
        """app -> its service as DescribeServices reports it, for the apps whose service
        exists and is active; a NoClusterError when the cluster does not exist."""
        names = {service_name(self.environment, app): app for app in APPS}
        no_cluster = NoClusterError(
            f"cluster {self.cluster} not found: create the app stack of "
            f"{self.environment} first (docs/deployment/aws.md)"
        )
        with aws_call(
            f"describe the services of {self.cluster}",
            {"ClusterNotFoundException": no_cluster},
        ):
            response = self.ecs.describe_services(cluster=self.cluster, services=list(names))
        found = response.get("services", [])
        active = {s["serviceName"]: dict(s) for s in found if s.get("status") == "ACTIVE"}
        return {app: active[name] for name, app in names.items() if name in active}

    def described(self) -> dict[str, dict[str, Any]]:
        """app -> its service as DescribeServices reports it, or a ConfigError when the
        cluster or a service is missing."""
        services = self.active()
        missing = [service_name(self.environment, app) for app in APPS if app not in services]
        if missing:
            raise ConfigError(
                f"service {', '.join(missing)} not found (or not active) in cluster "
                f"{self.cluster}: create the app stack of {self.environment} first"
            )
        return services

    def services(self) -> list[Service]:
        """The apps' services."""
        return [Service.from_api(app, data) for app, data in self.described().items()]

    def task_definition(self, arn: str) -> tuple[dict[str, Any], dict[str, str]]:
        """The task definition and its tags."""
        with aws_call(f"describe {revision_name(arn)}"):
            response = self.ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"])
        return dict(response["taskDefinition"]), tags_dict(response.get("tags"))

    def active_revisions(self, family: str) -> list[str]:
        """ARNs of the family's ACTIVE revisions, newest first."""
        arns: list[str] = []
        with aws_call(f"list the revisions of {family}"):
            paginator = self.ecs.get_paginator("list_task_definitions")
            for page in paginator.paginate(familyPrefix=family, status="ACTIVE", sort="DESC"):
                arns.extend(a for a in page.get("taskDefinitionArns", []) if family_of(a) == family)
        return sorted(arns, key=revision_number, reverse=True)

    def image_tag(self, arn: str, app: str) -> str | None:
        """The image tag that the revision `arn` runs in the `app` container."""
        definition, _ = self.task_definition(arn)
        return tag_of(container_image(definition, app))

    # ---------------------------------------------------------------- deploy
    def check_images(self, image_tag: str) -> None:
        """Both repositories hold `image_tag`, or a DeployError that says which does not."""
        if self.ecr is None:
            return
        for app in APPS:
            repository = repository_name(app)
            known = {
                "ImageNotFoundException": DeployError(
                    f"{repository} has no image tagged {image_tag}: build and push it first"
                ),
                "RepositoryNotFoundException": ConfigError(
                    f"ECR repository {repository} not found: deploy the bootstrap stack first"
                ),
            }
            with aws_call(f"look up {repository}:{image_tag}", known):
                self.ecr.describe_images(
                    repositoryName=repository, imageIds=[{"imageTag": image_tag}]
                )

    def register(self, service: Service, image_tag: str, tags: Mapping[str, str]) -> str:
        """A new revision of the service's current task definition at `image_tag`."""
        definition, old_tags = self.task_definition(service.task_definition)
        own = {**tags, TAG_PREVIOUS: service.task_definition}
        request = new_revision_request(definition, service.app, image_tag, own, old_tags)
        return self.register_request(request, service.app, image_tag)

    def register_request(self, request: Mapping[str, Any], who: str, image_tag: str) -> str:
        """Register the revision `request` describes (for `who`, at `image_tag`); its ARN."""
        with aws_call(f"register a new revision of {request['family']}"):
            response = self.ecs.register_task_definition(**request)
        arn = str(response["taskDefinition"]["taskDefinitionArn"])
        self.log(f"{who}: registered {revision_name(arn)} ({image_tag})")
        return arn

    def update(self, service: Service, task_definition: str) -> None:
        """Point `service` at `task_definition` (ECS then rolls it out)."""
        with aws_call(f"update service {service.name}"):
            self.ecs.update_service(
                cluster=self.cluster, service=service.name, taskDefinition=task_definition
            )
        self.log(
            f"{service.app}: {revision_name(service.task_definition)} -> "
            f"{revision_name(task_definition)}"
        )

    def deploy(self, image_tag: str, tags: Mapping[str, str]) -> dict[str, str]:
        """Register a revision per service at `image_tag`, then roll each service onto it."""
        self.check_images(image_tag)
        services = self.services()
        revisions = [(service, self.register(service, image_tag, tags)) for service in services]
        updated: list[str] = []
        for service, arn in revisions:
            try:
                self.update(service, arn)
            except DeployError as exc:
                if updated:
                    raise type(exc)(
                        f"{exc} (already rolled out: {', '.join(updated)}; "
                        "run the rollback command)"
                    ) from None
                raise
            updated.append(service.app)
        return {service.name: arn for service, arn in revisions}

    # -------------------------------------------------------------- rollback
    def rollback_plan(self) -> list[Rollback]:
        """Per service: the newest ACTIVE revision (the last deployed) and the one before it."""
        plan = []
        for service in self.services():
            family = family_of(service.task_definition)
            active = self.active_revisions(family)
            if not active:
                raise DeployError(f"{service.app}: {family} has no ACTIVE revision")
            bad = active[0]
            _, tags = self.task_definition(bad)
            target = tags.get(TAG_PREVIOUS, "")
            if target not in active[1:]:
                if len(active) < 2:
                    raise DeployError(
                        f"{service.app}: {revision_name(bad)} is the only ACTIVE revision "
                        "of its family: there is nothing to roll back to"
                    )
                target = active[1]
            plan.append(Rollback(service, bad, target))
        return plan

    def needs_move(self, step: Rollback, why: str) -> bool:
        """Whether the service still has to move to the target (else says it is there)."""
        if step.service.task_definition != step.target:
            return True
        self.log(f"{step.service.app}: already on {revision_name(step.target)} ({why})")
        return False

    def rollback(self) -> list[Rollback]:
        """Point each service at its previous revision and deregister the bad one.

        Deregistered, the bad revision can be neither deployed nor mistaken for the
        newest one; a second rollback goes one revision further back.
        """
        plan = self.rollback_plan()
        for step in plan:
            if self.needs_move(step, "the deployment circuit breaker rolled it back"):
                self.update(step.service, step.target)
        self.deregister_bad(plan)
        return plan

    def deregister_bad(self, plan: Iterable[Rollback]) -> None:
        """Deregister the revisions a rollback moved away from."""
        for step in plan:
            with aws_call(f"deregister {revision_name(step.bad)}"):
                self.ecs.deregister_task_definition(taskDefinition=step.bad)
            self.log(f"{step.service.app}: deregistered {revision_name(step.bad)}")

    # ------------------------------------------------------------------ wait
    def expected_revisions(self, services: Iterable[Service]) -> dict[str, str]:
        """What each service should run after a deploy: its family's newest ACTIVE revision."""
        expected = {}
        for service in services:
            active = self.active_revisions(family_of(service.task_definition))
            expected[service.name] = active[0] if active else service.task_definition
        return expected

    def poll_lines(self, progress: Progress) -> Callable[[Mapping[str, Any]], None]:
        """What prints a DescribeServices answer: a line per service with its rollout
        state, tasks, and the share of its running tasks on the new (PRIMARY) revision,
        which the load balancer spreads the traffic over."""
        apps = {service_name(self.environment, app): app for app in APPS}
        region = self.ecs.meta.region_name

        def lines(answer: Mapping[str, Any]) -> None:
            for data in answer.get("services", []):
                service = Service.from_api(apps.get(data["serviceName"], "?"), data)
                deployments = data.get("deployments") or []
                running = sum(int(d.get("runningCount", 0)) for d in deployments)
                new = sum(
                    int(d.get("runningCount", 0))
                    for d in deployments
                    if d.get("status") == "PRIMARY"
                )
                share = f"~{round(100 * new / running)}% shifted" if running else "none yet"
                progress.line(
                    service.app,
                    service.rollout_state,
                    tasks(service.running, service.desired),
                    share,
                    ecs_service_link(region, self.cluster, service.name),
                )

        return lines

    def watch(
        self,
        waiter: str,
        what: str,
        lines: Callable[[Progress], Seen],
        timeout: int,
        interval: int,
        timed_out: Callable[[], DeployError],
        **params: Any,
    ) -> None:
        """Run the ECS `waiter` on the cluster (every `interval` s, at most `timeout` s);
        each poll's answer printed by what `lines` makes of the wait's Progress."""
        progress = Progress(timeout, self.log, self.clock)
        run_waiter(
            self.ecs,
            waiter,
            what,
            lines(progress),
            timeout,
            interval,
            timed_out,
            cluster=self.cluster,
            **params,
        )

    def wait(self, timeout: int, interval: int, expected: Mapping[str, str]) -> list[Service]:
        """Wait (at most `timeout` s) until every service is stable on its `expected`
        revision (service name -> task definition), a line per service and poll."""
        self.log(f"waiting up to {timeout} s for {', '.join(APPS)} to be stable")

        def timed_out() -> DeployError:
            unstable = [s.summary() for s in self.services() if not s.steady]
            return TimedOutError(
                f"not stable after {timeout} s: " + ("; ".join(unstable) or "still settling")
            )

        self.watch(
            "services_stable",
            "the services",
            self.poll_lines,
            timeout,
            interval,
            timed_out,
            services=[service_name(self.environment, app) for app in APPS],
        )
        after = self.services()
        problems = []
        for service in after:
            want = expected.get(service.name, service.task_definition)
            if service.task_definition != want:
                problems.append(
                    f"{service.app} runs {revision_name(service.task_definition)}, not "
                    f"{revision_name(want)}: the deployment circuit breaker rolled it back "
                    f"({service.rollout_reason or 'tasks failed to start or stay healthy'})"
                )
            elif service.rollout_state == "FAILED":
                problems.append(f"{service.app}: rollout failed ({service.rollout_reason})")
        if problems:
            raise DeployError("; ".join(problems))
        return after
