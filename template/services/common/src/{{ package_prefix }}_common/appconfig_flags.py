"""An OpenFeature provider that reads the flags from AWS AppConfig (level 2 and up).

`make flags-publish` puts config/feature-flags.yml, as JSON, into the app stack's
hosted AppConfig configuration profile and deploys it. This provider polls the
AppConfig Data API in a background thread: one configuration session, then
`GetLatestConfiguration` every `poll_seconds` (or longer if AppConfig asks),
which returns an empty body while nothing has changed. Evaluations read the
cached rules and never wait for the network.

Until the first configuration arrives the provider answers from `fallback` (the
file baked into the image). A configuration that fails validation, or a poll
that fails, keeps the rules in force and logs one line saying why; an expired
session token starts a new session at the next poll.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError
from openfeature.evaluation_context import EvaluationContext

from .flag_providers import RulesProvider
from .flags import FeatureFlags, FeatureFlagsError

if TYPE_CHECKING:
    from mypy_boto3_appconfigdata import AppConfigDataClient

log = logging.getLogger(__name__)

# AppConfig's own bounds for RequiredMinimumPollIntervalInSeconds.
MIN_POLL_SECONDS = 15
MAX_POLL_SECONDS = 86_400


class AppConfigProvider(RulesProvider):
    """The flags of one AppConfig configuration profile in one AppConfig environment."""

    name = "feature-flags-appconfig"

    def __init__(
        self,
        *,
        application: str,
        appconfig_environment: str,
        profile: str,
        environment: str,
        fallback: FeatureFlags,
        poll_seconds: float = 45.0,
        client: AppConfigDataClient | None = None,
        region: str | None = None,
    ) -> None:
        super().__init__()
        self.application = application
        self.appconfig_environment = appconfig_environment
        self.profile = profile
        self.environment = environment
        self.poll_seconds = poll_seconds
        self.source = f"appconfig:{application}/{appconfig_environment}/{profile}"
        self._flags = fallback
        self._client = client
        self._region = region
        self._token: str | None = None
        self._wait = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def current(self) -> FeatureFlags:
        """The rules of the last good configuration (the fallback before the first)."""
        return self._flags

    @property
    def wait_seconds(self) -> float:
        """How long until the next poll: `poll_seconds`, or longer when AppConfig asks."""
        return self._wait

    def initialize(self, evaluation_context: EvaluationContext) -> None:
        """Poll once now, then every `wait_seconds` in a daemon thread until shutdown."""
        self.poll()
        self._thread = threading.Thread(target=self._run, name="feature-flags", daemon=True)
        self._thread.start()

    def shutdown(self) -> None:
        """Stop polling."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._wait):
            self.poll()

    def _appconfig(self) -> AppConfigDataClient:
        if self._client is None:
            import boto3

            self._client = boto3.client("appconfigdata", region_name=self._region or None)
        return self._client

    def poll(self) -> bool:
        """Ask AppConfig for a newer configuration; True when new rules took effect."""
        try:
            client = self._appconfig()
            if self._token is None:
                session = client.start_configuration_session(
                    ApplicationIdentifier=self.application,
                    EnvironmentIdentifier=self.appconfig_environment,
                    ConfigurationProfileIdentifier=self.profile,
                    RequiredMinimumPollIntervalInSeconds=int(self.poll_seconds),
                )
                self._token = session["InitialConfigurationToken"]
            response = client.get_latest_configuration(ConfigurationToken=self._token)
            body = response["Configuration"].read()
        except ClientError as exc:
            error = exc.response.get("Error", {})
            if error.get("Code") == "BadRequestException":
                self._token = None  # an expired or used token: a new session next time
            log.warning(
                "feature flags: AppConfig answered %s (%s); keeping the flags in force",
                error.get("Code", "an error"),
                " ".join(str(error.get("Message", "")).split()),
                extra={"source": self.source},
            )
            return False
        except BotoCoreError as exc:
            log.warning(
                "feature flags: cannot reach AppConfig (%s); keeping the flags in force",
                exc,
                extra={"source": self.source},
            )
            return False
        self._token = response["NextPollConfigurationToken"]
        self._wait = max(self.poll_seconds, float(response.get("NextPollIntervalInSeconds", 0)))
        if not body:
            return False  # nothing changed since the last poll
        return self._apply(body, response.get("VersionLabel", ""))

    def _apply(self, body: bytes, version: str) -> bool:
        try:
            text = body.decode("utf-8")
            flags = FeatureFlags.parse(text, self.environment, self.source)
        except UnicodeDecodeError:
            problem = f"{self.source}: not UTF-8 text"
        except FeatureFlagsError as exc:
            problem = str(exc)
        else:
            self._flags = flags
            log.info(
                "feature flags updated from AppConfig",
                extra={"source": self.source, "version": version},
            )
            return True
        log.warning(
            "feature flags: the new AppConfig configuration is not valid; keeping the flags "
            "in force: %s",
            problem,
            extra={"source": self.source, "version": version},
        )
        return False
