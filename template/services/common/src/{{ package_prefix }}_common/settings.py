"""Settings read from environment variables and `.env`, validated at start-up.

Services subclass `CommonSettings` and load it with `load_settings`, which turns
pydantic's validation report into one line naming the environment variable and
what it accepts.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import quote, urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

from . import PROJECT_SLUG, __version__

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_SECRET_HINTS = ("token", "secret", "password", "key")
# Where a service listens (MARKET_DATA_HOST and _PORT, BOT_HOST and _PORT).
ListenHost = Annotated[
    str, Field(min_length=1, description="a host name or IP address to listen on")
]
ListenPort = Annotated[int, Field(ge=1, le=65535, description="an integer from 1 to 65535")]


def seconds_field(above: float, most: float) -> Any:
    """A field of seconds, more than `above` and at most `most`; its description says so."""
    description = f"seconds, more than {above:g} and at most {most:g}"
    return Field(gt=above, le=most, description=description)


class SettingsError(ValueError):
    """A setting is missing or invalid; `str()` is one line meant for the user."""


class CommonSettings(BaseSettings):
    """Settings every service shares. Each field is read from the upper-case env var."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", validate_default=True
    )

    environment: Annotated[
        Literal["local", "staging", "production"],
        Field(description="one of local, staging, production"),
    ] = "local"
    service_version: Annotated[str, Field(min_length=1, description="a non-empty version")] = (
        __version__
    )
    log_level: Annotated[str, Field(description="one of " + ", ".join(LOG_LEVELS))] = "INFO"
    log_format: Annotated[
        Literal["auto", "json", "console"], Field(description="one of auto, json, console")
    ] = "auto"
    data_dir: Annotated[Path, Field(description="a directory path")] = Path(".data")
    database_url: Annotated[
        str,
        Field(
            description=(
                "an SQLAlchemy URL such as sqlite:///path/to/file.sqlite3 or "
                "postgresql+psycopg://user:password@host/dbname"
            )
        ),
    ] = ""
    # The pieces of a PostgreSQL URL, as the AWS app stack passes them.
    # DATABASE_URL wins when set.
    database_host: Annotated[str, Field(description="a database host name")] = ""
    database_port: Annotated[int, Field(ge=1, le=65535, description="a port from 1 to 65535")] = (
        5432
    )
    database_name: Annotated[str, Field(description="a database name")] = ""
    database_user: Annotated[str, Field(description="a database user name")] = ""
    database_password: Annotated[SecretStr, Field(description="a password")] = SecretStr("")
    # RDS IAM database authentication (the AWS app stack): DATABASE_USER logs in with
    # a token signed by the task role, made fresh for each new connection; no password.
    database_iam_auth: Annotated[bool, Field(description="true or false")] = False
    aws_region: Annotated[
        str, Field(validation_alias="AWS_REGION", description="an AWS region such as eu-west-1")
    ] = ""
    feature_flags_file: Annotated[Path, Field(description="a file path")] = Path(
        "config/feature-flags.yml"
    )
    # Error tracking (error_tracking.py): empty sends nothing to Sentry.
    sentry_dsn: Annotated[
        SecretStr,
        Field(description="empty, or a Sentry DSN such as https://<key>@<host>/<project id>"),
    ] = SecretStr("")
    # AWS AppConfig (the app stack sets these): all three set, the flags come from
    # that configuration profile, polled every FEATURE_FLAGS_POLL_SECONDS.
    feature_flags_appconfig_application: Annotated[
        str, Field(description="an AppConfig application id or name")
    ] = ""
    feature_flags_appconfig_environment: Annotated[
        str, Field(description="an AppConfig environment id or name")
    ] = ""
    feature_flags_appconfig_profile: Annotated[
        str, Field(description="an AppConfig configuration profile id or name")
    ] = ""
    feature_flags_poll_seconds: Annotated[
        int, Field(ge=15, le=3600, description="a whole number of seconds from 15 to 3600")
    ] = 45

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("sentry_dsn")
    @classmethod
    def _dsn_shape(cls, value: SecretStr) -> SecretStr:
        dsn = value.get_secret_value().strip()
        parts = urlsplit(dsn)
        project = parts.path.rstrip("/").rsplit("/", 1)[-1]
        if dsn and not (
            parts.scheme in ("http", "https")
            and parts.username
            and parts.hostname
            and project.isdigit()
        ):
            raise ValueError("not a Sentry DSN")
        return SecretStr(dsn)

    @field_validator("database_url")
    @classmethod
    def _url_shape(cls, value: str) -> str:
        value = value.strip()
        if value and "://" not in value:
            raise ValueError("must be an SQLAlchemy URL")
        return value

    @model_validator(mode="after")
    def _appconfig_all_or_none(self) -> CommonSettings:
        names = {
            "FEATURE_FLAGS_APPCONFIG_APPLICATION": self.feature_flags_appconfig_application,
            "FEATURE_FLAGS_APPCONFIG_ENVIRONMENT": self.feature_flags_appconfig_environment,
            "FEATURE_FLAGS_APPCONFIG_PROFILE": self.feature_flags_appconfig_profile,
        }
        missing = [name for name, value in names.items() if not value.strip()]
        if missing and len(missing) < len(names):
            raise PydanticCustomError(
                "appconfig",
                "feature flags from AppConfig need FEATURE_FLAGS_APPCONFIG_APPLICATION, "
                "_ENVIRONMENT and _PROFILE ({missing} not set)",
                {"missing": ", ".join(missing)},
            )
        return self

    @model_validator(mode="after")
    def _default_database(self) -> CommonSettings:
        if self.database_iam_auth:
            self.database_url = self._iam_database_url()
            return self
        if self.database_url:
            return self
        if self.database_host:
            self.database_url = self._postgres_url(self.database_password.get_secret_value())
        else:
            self.database_url = f"sqlite:///{self.data_dir / f'{PROJECT_SLUG}.sqlite3'}"
        return self

    def _iam_database_url(self) -> str:
        """The URL without a password (each connection gets a token), over TLS: RDS
        accepts IAM authentication on encrypted connections only."""
        missing = [
            name
            for name, value in (
                ("DATABASE_HOST", self.database_host),
                ("DATABASE_USER", self.database_user),
                ("AWS_REGION", self.aws_region),
            )
            if not value
        ]
        if missing:
            raise PydanticCustomError(
                "iam_auth",
                "DATABASE_IAM_AUTH=true needs DATABASE_HOST, DATABASE_USER and AWS_REGION "
                "({missing} not set)",
                {"missing": ", ".join(missing)},
            )
        if self.database_url or self.database_password.get_secret_value():
            raise PydanticCustomError(
                "iam_auth",
                "DATABASE_IAM_AUTH=true logs in with a token: unset DATABASE_URL and "
                "DATABASE_PASSWORD",
            )
        return self._postgres_url(None) + "?sslmode=require"

    def _postgres_url(self, password: str | None) -> str:
        user = quote(self.database_user, safe="")
        if password is not None:
            user += ":" + quote(password, safe="")
        name = quote(self.database_name or PROJECT_SLUG.replace("-", "_"), safe="")
        return f"postgresql+psycopg://{user}@{self.database_host}:{self.database_port}/{name}"


S = TypeVar("S", bound=BaseSettings)


def env_var_name(cls: type[BaseSettings], field: str) -> str:
    """The environment variable that sets `field` of `cls`."""
    info = cls.model_fields.get(field)
    if info is not None and isinstance(info.validation_alias, str):
        return info.validation_alias.upper()
    prefix = str(cls.model_config.get("env_prefix", ""))
    return (prefix + field).upper()


def _describe(cls: type[BaseSettings], error: Any) -> str:
    loc = error.get("loc") or ()
    field = str(loc[0]) if loc else ""
    info = cls.model_fields.get(field)
    if not field or info is None:
        return f"Invalid settings: {error.get('msg', 'invalid value')}"
    accepted = info.description or str(error.get("msg", "invalid value"))
    message = f"Invalid setting {env_var_name(cls, field)}: must be {accepted}"
    secret = info.annotation is SecretStr or any(hint in field for hint in _SECRET_HINTS)
    value = error.get("input")
    if not secret and isinstance(value, str | int | float) and error.get("type") != "missing":
        shown = str(value)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        message += f" (got {shown!r})"
    elif error.get("type") == "missing":
        message += " (it is not set)"
    return message


def load_settings(cls: type[S]) -> S:
    """Load `cls` from the environment, raising `SettingsError` with a one-line message."""
    try:
        return cls()
    except ValidationError as exc:
        raise SettingsError("; ".join(_describe(cls, error) for error in exc.errors())) from None


def settings_or_exit(cls: type[S]) -> S:
    """For console scripts: load settings, or print the one-line error and exit 2."""
    try:
        return load_settings(cls)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
