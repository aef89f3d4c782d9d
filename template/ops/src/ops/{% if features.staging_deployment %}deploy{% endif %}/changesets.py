"""CloudFormation change sets of the project's stacks: what a change to
infrastructure/aws/ would do to each stack (resources added, modified, replaced,
removed), and, once reviewed, the change itself.

The stacks, their templates and parameter files are the ones `make bootstrap`
deploys, named by ops.deploy.project. The app stack's parameters are the committed
file plus the image tag that runs now (ops.deploy.stackparams, as for
`ecs-deploy stack-parameters`), so a stack update never rolls the services back.
CloudFormation works with the bootstrap stack's execution role (the output
CloudFormationExecutionRoleArn): whoever creates or executes a change set needs
only the CloudFormation calls and iam:PassRole of that role. The templates go
to the bootstrap stack's bucket (TemplateBucketName) first: a request carries at
most 51,200 bytes of template, and the app stack's is larger.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from botocore.exceptions import BotoCoreError, ClientError, WaiterError
from cfn_flip import load_yaml  # type: ignore[import-untyped]

from ops.project import current_project, project_root

from .errors import ConfigError, DeployError, TimedOutError, aws_call, error_code
from .progress import ran_out_of_time, waiter_config
from .project import (
    app_stack_name,
    bootstrap_stack_name,
    environments,
    monitoring_stack_name,
    network_stack_name,
)

if TYPE_CHECKING:
    from mypy_boto3_cloudformation.client import CloudFormationClient
    from mypy_boto3_s3.client import S3Client

CAPABILITIES: Final[tuple[Literal["CAPABILITY_IAM"], ...]] = ("CAPABILITY_IAM",)
EXECUTION_ROLE_OUTPUT: Final = "CloudFormationExecutionRoleArn"
TEMPLATE_BUCKET_OUTPUT: Final = "TemplateBucketName"
NO_CHANGES: Final = ("didn't contain changes", "No updates are to be performed")
KINDS: Final = ("shared", "app", "monitoring")


@dataclass(frozen=True)
class StackSpec:
    """One stack: its name, its template and parameter file (stems), and its kind."""

    name: str
    template: str
    parameters: str
    kind: str  # shared, app or monitoring
    environment: str

    @property
    def template_path(self) -> Path:
        """infrastructure/aws/cloudformation/TEMPLATE.yml."""
        return project_root() / "infrastructure" / "aws" / "cloudformation" / f"{self.template}.yml"

    @property
    def parameters_path(self) -> Path:
        """infrastructure/aws/parameters/PARAMETERS.json."""
        return project_root() / "infrastructure" / "aws" / "parameters" / f"{self.parameters}.json"


def stacks(environment: str) -> list[StackSpec]:
    """The stacks of `environment` in deploy order. The shared stacks (bootstrap,
    network) go with the first environment, staging, so they change there first."""
    if environment not in environments():
        known = ", ".join(environments())
        raise ConfigError(f"unknown environment {environment!r}: one of {known}")
    specs = []
    if environment == environments()[0]:
        specs += [
            StackSpec(bootstrap_stack_name(), "bootstrap", "bootstrap", "shared", environment),
            StackSpec(network_stack_name(), "network", "network", "shared", environment),
        ]
    specs.append(StackSpec(app_stack_name(environment), "app", environment, "app", environment))
    if current_project().has("monitoring"):
        specs.append(
            StackSpec(
                monitoring_stack_name(environment),
                "monitoring",
                f"monitoring-{environment}",
                "monitoring",
                environment,
            )
        )
    return specs


def template_body(path: Path) -> str:
    """The template as compact JSON, CloudFormation's short forms (!Sub...) as long forms."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    return json.dumps(load_yaml(text), separators=(",", ":"))


# ------------------------------------------------------------------ summary
@dataclass(frozen=True)
class ResourceChange:
    """One resource of a change set, as describe-change-set reports it."""

    action: str  # Add, Modify, Remove, Import, Dynamic
    logical_id: str
    resource_type: str
    replacement: str  # True, False, Conditional, or "" when it does not apply

    @property
    def kind(self) -> str:
        """added, modified, replaced or removed; Replacement=True is a replacement."""
        if self.action == "Add":
            return "added"
        if self.action == "Remove":
            return "removed"
        if self.action == "Import":
            return "imported"
        return "replaced" if self.replacement == "True" else "modified"

    @classmethod
    def of(cls, change: Mapping[str, Any]) -> ResourceChange:
        """A `Changes[]` entry of describe-change-set."""
        resource = change.get("ResourceChange", {})
        return cls(
            action=str(resource.get("Action", "Dynamic")),
            logical_id=str(resource.get("LogicalResourceId", "?")),
            resource_type=str(resource.get("ResourceType", "?")),
            replacement=str(resource.get("Replacement", "")),
        )


@dataclass(frozen=True)
class ChangeSetSummary:
    """What one change set would do to one stack, or why there is none."""

    stack: str
    change_set: str
    status: str  # ready, no changes, no stack, failed
    changes: tuple[ResourceChange, ...] = ()
    reason: str = ""

    def count(self, kind: str) -> int:
        """How many resources are `kind` (added, modified, replaced, removed)."""
        return sum(1 for change in self.changes if change.kind == kind)

    def headline(self) -> str:
        """One line: the counts, or why there is nothing to count."""
        if self.status == "ready":
            counts = [f"{self.count(kind)} {kind}" for kind in ("added", "modified", "replaced")]
            removed = self.count("removed")
            return ", ".join(counts + ([f"{removed} removed"] if removed else []))
        if self.status == "no changes":
            return "no changes"
        if self.status == "no stack":
            return "not created yet: `make bootstrap` creates it the first time"
        return f"change set failed: {self.reason}"

    def markdown(self) -> str:
        """A section for the job summary: the headline and a table of the resources."""
        lines = [f"### `{self.stack}`", "", self.headline()]
        if self.changes:
            lines += ["", "| Change | Resource | Type | Replacement |", "|---|---|---|---|"]
            lines += [
                f"| {c.kind} | `{c.logical_id}` | {c.resource_type} | {c.replacement or '-'} |"
                for c in self.changes
            ]
        return "\n".join(lines) + "\n"


def report(title: str, summaries: Sequence[ChangeSetSummary]) -> str:
    """The markdown of several stacks' summaries under one heading."""
    return "\n".join([f"## {title}", "", *(summary.markdown() for summary in summaries)])


# ------------------------------------------------------------------ AWS
def stack_outputs(cloudformation: CloudFormationClient, name: str, create: str) -> dict[str, str]:
    """The outputs of the stack `name`, or a ConfigError that says to `create` it."""
    missing = ConfigError(f"the stack {name} does not exist: {create}")
    with aws_call(f"describe the stack {name}", known={"ValidationError": missing}):
        [found] = cloudformation.describe_stacks(StackName=name)["Stacks"]
    return {item["OutputKey"]: item["OutputValue"] for item in found.get("Outputs", [])}


@dataclass
class ChangeSets:
    """Create, describe, execute and delete the change sets of the project's stacks."""

    cloudformation: CloudFormationClient
    s3: S3Client
    interval: float = 5.0
    timeout: float = 3600.0

    def stack_status(self, name: str) -> str | None:
        """The stack's status; None when it does not exist (or only holds a change set)."""
        found: list[Any] = []
        # ValidationError: "Stack with id ... does not exist"
        with aws_call(f"describe stack {name}", ignore=("ValidationError",)):
            found = list(self.cloudformation.describe_stacks(StackName=name)["Stacks"])
        status = str(found[0]["StackStatus"]) if found else None
        return None if status == "REVIEW_IN_PROGRESS" else status

    def bootstrap_output(self, key: str) -> str:
        """An output of the bootstrap stack: the execution role, the template bucket."""
        name = bootstrap_stack_name()
        how = f"run `make bootstrap` once to create what infrastructure.yml needs ({key})"
        found = stack_outputs(self.cloudformation, name, how).get(key)
        if found is None:
            raise ConfigError(f"the stack {name} has no output {key}: {how}")
        return found

    def execution_role(self) -> str:
        """The role CloudFormation acts with."""
        return self.bootstrap_output(EXECUTION_ROLE_OUTPUT)

    def upload(self, spec: StackSpec, bucket: str) -> str:
        """The stack's template in the bucket, under its content's hash; its URL."""
        body = template_body(spec.template_path).encode()
        key = f"templates/{spec.name}/{hashlib.sha256(body).hexdigest()[:20]}.json"
        with aws_call(f"upload {spec.template}.yml to s3://{bucket}"):
            self.s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")
        region = self.s3.meta.region_name
        return f"https://{bucket}.s3.{region}.amazonaws.com/{key}"

    def create(
        self,
        spec: StackSpec,
        parameters: Callable[[], Mapping[str, str]],
        name: str,
        role_arn: str,
        bucket: str,
    ) -> ChangeSetSummary:
        """A change set of the stack with its template and `parameters()`, once
        CloudFormation has worked it out. An existing stack only: a new one is
        created by `make bootstrap` (its parameters may need what only runs later)."""
        if self.stack_status(spec.name) is None:
            return ChangeSetSummary(spec.name, name, "no stack")
        values = parameters()
        with aws_call(f"create change set {name} of {spec.name}"):
            self.cloudformation.create_change_set(
                StackName=spec.name,
                ChangeSetName=name,
                ChangeSetType="UPDATE",
                TemplateURL=self.upload(spec, bucket),
                Parameters=[
                    {"ParameterKey": key, "ParameterValue": value}
                    for key, value in sorted(values.items())
                ],
                Capabilities=list(CAPABILITIES),
                RoleARN=role_arn,
                Description=f"{spec.template}.yml with {spec.parameters_path.name}",
            )
        return self.describe(spec.name, name)

    def describe(self, stack: str, name: str) -> ChangeSetSummary:
        """The change set once it is worked out: every page of its resource changes."""
        waiter = self.cloudformation.get_waiter("change_set_create_complete")
        try:
            waiter.wait(
                StackName=stack,
                ChangeSetName=name,
                WaiterConfig=waiter_config(self.timeout, self.interval),
            )
        except WaiterError as exc:
            if ran_out_of_time(exc):
                status = exc.last_response.get("Status", "")
                raise TimedOutError(f"change set {name} of {stack} still {status}") from None
            reason = " ".join(str(exc.last_response.get("StatusReason", exc)).split())
            status = "no changes" if any(marker in reason for marker in NO_CHANGES) else "failed"
            return ChangeSetSummary(stack, name, status, reason=reason)
        with aws_call(f"describe change set {name} of {stack}"):
            pages = self.cloudformation.get_paginator("describe_change_set")
            changes = [
                change
                for page in pages.paginate(StackName=stack, ChangeSetName=name)
                for change in page.get("Changes", [])
            ]
        resources = tuple(ResourceChange.of(c) for c in changes if c.get("Type") == "Resource")
        return ChangeSetSummary(stack, name, "ready", resources)

    def delete(self, summary: ChangeSetSummary) -> None:
        """Delete the change set (a failed or empty one stays listed otherwise)."""
        if summary.status in ("ready", "no changes", "failed"):
            with aws_call(f"delete change set {summary.change_set}", ignore=("ChangeSetNotFound",)):
                self.cloudformation.delete_change_set(
                    StackName=summary.stack, ChangeSetName=summary.change_set
                )

    def execute(self, summary: ChangeSetSummary) -> str:
        """Execute a ready change set and wait until the stack settles; its status."""
        with aws_call(f"execute change set {summary.change_set} of {summary.stack}"):
            self.cloudformation.execute_change_set(
                StackName=summary.stack, ChangeSetName=summary.change_set
            )
        waiter = self.cloudformation.get_waiter("stack_update_complete")
        try:
            waiter.wait(
                StackName=summary.stack, WaiterConfig=waiter_config(self.timeout, self.interval)
            )
        except WaiterError as exc:
            status = self.stack_status(summary.stack) or "DELETED"
            if ran_out_of_time(exc):
                after = f"after {self.timeout:.0f} s"
                raise TimedOutError(f"{summary.stack} still {status} {after}") from None
            cause = self.failure(summary.stack)
            raise DeployError(f"{summary.stack} ended in {status}: {cause}") from None
        return "UPDATE_COMPLETE"

    def failure(self, stack: str) -> str:
        """The first failed resource of the stack's latest events, for the error line."""
        try:
            events = self.cloudformation.describe_stack_events(StackName=stack)["StackEvents"]
        except (ClientError, BotoCoreError) as exc:  # the error line must not hide the failure
            return f"(its events could not be read: {error_code(exc) or exc})"
        for event in reversed(events):
            if str(event.get("ResourceStatus", "")).endswith("_FAILED"):
                reason = " ".join(str(event.get("ResourceStatusReason", "")).split())
                return f"{event.get('LogicalResourceId')}: {reason}"
        return "see its events in the CloudFormation console"
