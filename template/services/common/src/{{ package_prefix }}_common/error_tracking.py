"""Optional error tracking with Sentry: on when SENTRY_DSN is set, nothing at all otherwise.

Each service's entry point calls `start_error_tracking` once, after configure_logging.
Errors logged at ERROR or worse (with the traceback when there is one) become Sentry
events, the lines before them breadcrumbs; market-data adds the FastAPI integration,
which puts the request's method, route and URL on its events. Every event is tagged
with the service and, inside a request or a bot command, the request id of the log
lines. No personal data is sent (sentry-sdk's default), and no traces.

sentry-sdk is imported only when a DSN is set: its import costs a few tenths of a
second at every start (the console chat's too).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from . import PROJECT_SLUG
from .logging import request_id
from .settings import CommonSettings

if TYPE_CHECKING:
    from sentry_sdk.types import Event, Hint


def release(settings: CommonSettings) -> str:
    """The Sentry release of this service's build: `<project>@<service version>`."""
    return f"{PROJECT_SLUG}@{settings.service_version}"


def _tag_request_id(event: Event, hint: Hint) -> Event:
    rid = request_id.get()
    if rid:
        event.setdefault("tags", {})["request_id"] = rid
    return event


def start_error_tracking(
    settings: CommonSettings, service: str, *, fastapi: bool = False, **options: Any
) -> bool:
    """Send this process's errors to settings.sentry_dsn; False, and sentry-sdk neither
    imported nor started, when it is empty. `fastapi`: add the FastAPI and Starlette
    integrations (market-data); `options` go to sentry_sdk.init as they are (the tests
    give a `transport`)."""
    dsn = settings.sentry_dsn.get_secret_value()
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations import Integration
    from sentry_sdk.integrations.logging import LoggingIntegration

    integrations: list[Integration] = [
        LoggingIntegration(level=logging.INFO, event_level=logging.ERROR)
    ]
    if fastapi:
        from sentry_sdk.integrations.fastapi import FastApiIntegration
        from sentry_sdk.integrations.starlette import StarletteIntegration

        integrations += [StarletteIntegration(), FastApiIntegration()]
    sentry_sdk.init(
        dsn=dsn,
        environment=settings.environment,
        release=release(settings),
        integrations=integrations,
        auto_enabling_integrations=False,  # e.g. no trace headers on the bot's HTTP calls
        before_send=_tag_request_id,
        **options,
    )
    sentry_sdk.get_global_scope().set_tag("service", service)
    return True
