"""OpenFeature providers that answer from the rules of the flags file.

`RulesProvider` evaluates a flag with the rules of one `FeatureFlags` reading and
the assignment of `experiments`: a boolean flag is its on/off, or, when the
evaluation context has a targeting key (the user id), whether that subject is
within its rollout; a string evaluation with a targeting key is the subject's
variant of an experiment ("" when it is not in it). Subclasses say where the
reading comes from and keep it current; `FlagsFileProvider` rereads the file
when it changes, so a service picks up an edit without a restart.
"""

from __future__ import annotations

import logging
import time
from abc import abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from openfeature.evaluation_context import EvaluationContext
from openfeature.exception import ErrorCode
from openfeature.flag_evaluation import FlagResolutionDetails, Reason
from openfeature.provider import AbstractProvider, Metadata

from .flags import FeatureFlags, FeatureFlagsError

log = logging.getLogger(__name__)

T = TypeVar("T")

# How often (seconds) the file provider looks at the file's modification time.
FILE_CHECK_SECONDS = 1.0


class RulesProvider(AbstractProvider):
    """Evaluates flags with the rules of `current()`, the latest good reading."""

    name = "feature-flags"

    @abstractmethod
    def current(self) -> FeatureFlags:
        """The rules in force now."""

    def get_metadata(self) -> Metadata:
        """The provider's name, as OpenFeature reports it."""
        return Metadata(name=self.name)

    def resolve_boolean_details(
        self,
        flag_key: str,
        default_value: bool,
        evaluation_context: EvaluationContext | None = None,
    ) -> FlagResolutionDetails[bool]:
        """On/off of `flag_key`; for the context's targeting key, within its rollout."""
        flags = self.current()
        if not flags.knows(flag_key, default_value):
            return _not_found(flag_key, default_value)
        subject = evaluation_context.targeting_key if evaluation_context else None
        if subject is None:
            return FlagResolutionDetails(value=flags.is_enabled(flag_key), reason=Reason.STATIC)
        if not flags.is_enabled(flag_key):
            return FlagResolutionDetails(value=False, reason=Reason.DISABLED)
        spec = flags.specs.get(flag_key)
        split = spec is not None and spec.rollout_percentage < 100
        return FlagResolutionDetails(
            value=flags.is_enabled_for(flag_key, subject),
            reason=Reason.SPLIT if split else Reason.STATIC,
        )

    def resolve_string_details(
        self,
        flag_key: str,
        default_value: str,
        evaluation_context: EvaluationContext | None = None,
    ) -> FlagResolutionDetails[str]:
        """The context's targeting key's variant of experiment `flag_key`, or `default_value`."""
        flags = self.current()
        if not flags.knows(flag_key):
            return _not_found(flag_key, default_value)
        subject = evaluation_context.targeting_key if evaluation_context else None
        if subject is None:
            return FlagResolutionDetails(
                value=default_value,
                reason=Reason.ERROR,
                error_code=ErrorCode.TARGETING_KEY_MISSING,
                error_message=f"{flag_key}: a variant needs a targeting key (the subject)",
            )
        variant = flags.variant(flag_key, subject)
        if variant is None:
            return FlagResolutionDetails(value=default_value, reason=Reason.DISABLED)
        return FlagResolutionDetails(value=variant, variant=variant, reason=Reason.SPLIT)

    def _type_mismatch(
        self,
        flag_key: str,
        default_value: Any,
        evaluation_context: EvaluationContext | None = None,
    ) -> FlagResolutionDetails[Any]:
        """Flags are booleans and variants: an integer, float or object flag is a mismatch."""
        return FlagResolutionDetails(
            value=default_value,
            reason=Reason.ERROR,
            error_code=ErrorCode.TYPE_MISMATCH,
            error_message=f"{flag_key}: flags are booleans, variants are strings",
        )

    resolve_integer_details = resolve_float_details = resolve_object_details = _type_mismatch


def _not_found(flag_key: str, default_value: T) -> FlagResolutionDetails[T]:
    return FlagResolutionDetails(
        value=default_value,
        reason=Reason.DEFAULT,
        error_code=ErrorCode.FLAG_NOT_FOUND,
        error_message=f"{flag_key} is not defined",
    )


class FlagsFileProvider(RulesProvider):
    """The flags file, reread when its modification time or size changes.

    The file is looked at (one `stat`) at most every `check_seconds`, on evaluation.
    A changed file that does not parse, or a file that disappeared, keeps the
    last good rules and logs one line saying why. A missing file at start leaves
    every flag at its default until the file appears.
    """

    name = "feature-flags-file"

    def __init__(
        self,
        path: Path,
        environment: str,
        *,
        check_seconds: float = FILE_CHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.path = path
        self.environment = environment
        self.check_seconds = check_seconds
        self._clock = clock
        self._stamp = self._stamp_now()
        self._flags = FeatureFlags.load(path, environment)  # a broken file stops the start
        self._next_check = clock() + check_seconds

    def current(self) -> FeatureFlags:
        """The rules of the file as it was at the last good reading."""
        now = self._clock()
        if now >= self._next_check:
            self._next_check = now + self.check_seconds
            stamp = self._stamp_now()
            if stamp != self._stamp:
                self._stamp = stamp
                self._reload(stamp)
        return self._flags

    def _stamp_now(self) -> tuple[int, int, int] | None:
        try:
            status = self.path.stat()
        except OSError:
            return None
        return (status.st_mtime_ns, status.st_size, status.st_ino)

    def _reload(self, stamp: tuple[int, int, int] | None) -> None:
        if stamp is None:
            log.warning(
                "feature flags file is gone; keeping the flags read before",
                extra={"path": str(self.path)},
            )
            return
        try:
            flags = FeatureFlags.load(self.path, self.environment)
        except FeatureFlagsError as exc:
            log.warning(
                "feature flags file changed but is not valid; keeping the flags read before: %s",
                exc,
                extra={"path": str(self.path)},
            )
            return
        self._flags = flags
        log.info("feature flags reloaded", extra={"path": str(self.path)})
