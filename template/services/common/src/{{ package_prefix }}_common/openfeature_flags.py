"""The services' feature flags, evaluated through OpenFeature.

`open_feature_flags(settings)` picks the provider: AWS AppConfig when the
FEATURE_FLAGS_APPCONFIG_* settings name a configuration profile (the AWS tasks
at level 2 and up), else the flags file (FEATURE_FLAGS_FILE), reread when it
changes. Either way a flag change reaches a running service without a restart.

`OpenFeatureFlags` answers the questions the services ask (`FlagReader`) with an
OpenFeature client; a subject becomes the evaluation context's targeting key, so
the provider assigns rollouts and variants with the same stable hashing as
`experiments`.
"""

from __future__ import annotations

import itertools

from openfeature import api
from openfeature.evaluation_context import EvaluationContext

from . import PROJECT_SLUG
from .flag_providers import FlagsFileProvider, RulesProvider
from .flags import FeatureFlags
from .settings import CommonSettings

_domains = itertools.count(1)


class OpenFeatureFlags:
    """Feature flags answered by an OpenFeature client bound to `provider`.

    Each instance registers its provider under a domain of its own, so that two
    apps in one process (tests) never answer with each other's flags.
    """

    def __init__(self, provider: RulesProvider, domain: str | None = None) -> None:
        self.provider = provider
        self.domain = domain or f"{PROJECT_SLUG}-flags-{next(_domains)}"
        api.set_provider_and_wait(provider, self.domain)
        self._client = api.get_client(self.domain)
        self._answers: tuple[FeatureFlags, dict[tuple[str, bool], bool]] | None = None

    def is_enabled(self, name: str, default: bool = False) -> bool:
        """Whether flag `name` is on (for anyone); `default` for a flag the rules do not name.

        An OpenFeature evaluation costs tens of microseconds and market-data asks on
        every ATR request, so this answer is reused until the provider's rules change.
        """
        rules = self.provider.current()
        if self._answers is None or self._answers[0] is not rules:
            self._answers = (rules, {})
        answers = self._answers[1]
        if (name, default) not in answers:
            answers[name, default] = self._client.get_boolean_value(name, default)
        return answers[name, default]

    def is_enabled_for(self, name: str, subject: int | str, default: bool = False) -> bool:
        """Whether flag `name` is on for `subject`: enabled, and `subject` within its rollout."""
        context = EvaluationContext(targeting_key=str(subject))
        return self._client.get_boolean_value(name, default, context)

    def variant(self, name: str, subject: int | str) -> str | None:
        """The variant of experiment `name` that `subject` sees; None when not in it."""
        context = EvaluationContext(targeting_key=str(subject))
        return self._client.get_string_value(name, "", context) or None

    def close(self) -> None:
        """Stop the provider (an AppConfig provider stops polling)."""
        self.provider.shutdown()


def flags_provider(settings: CommonSettings) -> RulesProvider:
    """AppConfig when the settings name its profile, else the flags file.

    FeatureFlagsError (a SettingsError) when the file is broken at start.
    """
    if settings.feature_flags_appconfig_application:
        from .appconfig_flags import AppConfigProvider

        # The file in the image answers until AppConfig's first configuration arrives.
        fallback = FeatureFlags.load(settings.feature_flags_file, settings.environment)
        return AppConfigProvider(
            application=settings.feature_flags_appconfig_application,
            appconfig_environment=settings.feature_flags_appconfig_environment,
            profile=settings.feature_flags_appconfig_profile,
            environment=settings.environment,
            fallback=fallback,
            poll_seconds=settings.feature_flags_poll_seconds,
            region=settings.aws_region or None,
        )
    return FlagsFileProvider(settings.feature_flags_file, settings.environment)


def open_feature_flags(settings: CommonSettings) -> OpenFeatureFlags:
    """The service's flags through OpenFeature, with the provider the settings choose."""
    return OpenFeatureFlags(flags_provider(settings))
