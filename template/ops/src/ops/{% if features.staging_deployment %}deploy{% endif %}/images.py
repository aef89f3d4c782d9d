"""Container image references: `registry/repository:tag` or `...@sha256:digest`."""

from __future__ import annotations

import re

TAG_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
COMMIT_PATTERN = re.compile(r"^[0-9a-f]{7,40}$")


def is_valid_tag(tag: str) -> bool:
    """Docker's rule for a tag: up to 128 letters, digits, `_`, `.` and `-`."""
    return bool(TAG_PATTERN.match(tag))


def split_image(image: str) -> tuple[str, str | None]:
    """`repo:tag` -> (`repo`, `tag`); a digest or no tag gives None as the tag."""
    if "@" in image:
        return image.split("@", 1)[0], None
    slash = image.rfind("/")
    colon = image.rfind(":")
    if colon > slash:
        return image[:colon], image[colon + 1 :]
    return image, None


def with_tag(image: str, tag: str) -> str:
    """The same repository at another tag (a registry port is kept, a digest dropped)."""
    repository, _ = split_image(image)
    return f"{repository}:{tag}"


def tag_of(image: str) -> str | None:
    """The tag of `image`, or None for a digest or no tag."""
    return split_image(image)[1]
