"""A new task definition revision from a described one: same settings, new image tag."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from functools import cache
from typing import Any

import botocore.session

from .errors import ConfigError
from .images import with_tag

# Tags this tool puts on the revisions it registers.
TAG_PREVIOUS = "previous-task-definition"
TAG_IMAGE = "image-tag"
TAG_COMMIT = "commit"
TAG_BY = "deployed-by"
OWN_TAGS = frozenset({TAG_PREVIOUS, TAG_IMAGE, TAG_COMMIT, TAG_BY})
_TAG_VALUE_UNSAFE = re.compile(r"[^A-Za-z0-9 _.:/=+@-]")


@cache
def register_fields() -> frozenset[str]:
    """What RegisterTaskDefinition accepts, from botocore's model of the ECS API (so a
    field that DescribeTaskDefinition returns and a new botocore knows is kept)."""
    model = botocore.session.get_session().get_service_model("ecs")
    shape = model.operation_model("RegisterTaskDefinition").input_shape
    return frozenset(shape.members if shape else ())


def tag_value(value: str) -> str:
    """`value` with the characters ECS does not accept in tags replaced, at most 256 long."""
    return _TAG_VALUE_UNSAFE.sub("_", value)[:256] or "unknown"


def revision_name(arn: str) -> str:
    """`arn:...:task-definition/family:7` -> `family:7`."""
    return arn.rsplit("/", 1)[-1]


def family_of(arn: str) -> str:
    """`arn:...:task-definition/family:7` -> `family`."""
    return revision_name(arn).rsplit(":", 1)[0]


def revision_number(arn: str) -> int:
    """`arn:...:task-definition/family:7` -> 7 (0 if it has none)."""
    try:
        return int(revision_name(arn).rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return 0


def tags_dict(tags: Any) -> dict[str, str]:
    """ECS's `[{"key": k, "value": v}]` as a dict."""
    if not isinstance(tags, list):
        return {}
    return {str(tag["key"]): str(tag.get("value", "")) for tag in tags if "key" in tag}


def container_image(task_definition: Mapping[str, Any], container: str) -> str:
    """The image of the named container, or a ConfigError naming what exists."""
    containers = task_definition.get("containerDefinitions", [])
    for definition in containers:
        if definition.get("name") == container:
            return str(definition["image"])
    names = ", ".join(str(c.get("name")) for c in containers) or "none"
    raise ConfigError(
        f"task definition {revision_name(str(task_definition.get('taskDefinitionArn')))} "
        f"has no container named {container!r} (it has: {names})"
    )


def new_revision_request(
    task_definition: Mapping[str, Any],
    container: str,
    image_tag: str,
    tags: Mapping[str, str],
    inherited_tags: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """RegisterTaskDefinition arguments: `task_definition` with `container` at `image_tag`.

    The owner's own tags on the old revision carry over; this tool's tags are replaced
    (their values made fit for ECS).
    """
    container_image(task_definition, container)
    accepted = register_fields()
    request = {k: copy.deepcopy(v) for k, v in task_definition.items() if k in accepted}
    for definition in request["containerDefinitions"]:
        if definition.get("name") == container:
            definition["image"] = with_tag(definition["image"], image_tag)
    merged = {key: value for key, value in (inherited_tags or {}).items() if key not in OWN_TAGS}
    merged.update({key: tag_value(value) for key, value in tags.items()})
    if merged:
        request["tags"] = [{"key": key, "value": value} for key, value in merged.items()]
    return request
