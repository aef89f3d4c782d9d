"""RDS IAM database authentication: each new connection logs in with a fresh token.

A token is a SigV4-signed request that boto3 makes locally from the task role's
credentials (no network call); RDS checks it only at login and it expires after
15 minutes, so connections that are already open are not affected.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..settings import CommonSettings

if TYPE_CHECKING:
    from mypy_boto3_rds import RDSClient


class RdsAuthToken:
    """A password callable for `create_storage_engine`: a new token per call.

    boto3 is imported, and its client created, on the first call (the first
    connection), so that the services start as fast without it.
    """

    def __init__(
        self, host: str, port: int, user: str, region: str, client: RDSClient | None = None
    ) -> None:
        self.host = host
        self.port = port
        self.user = user
        self.region = region
        self._client = client
        self._lock = threading.Lock()

    def _rds(self) -> RDSClient:
        with self._lock:
            if self._client is None:
                import boto3

                self._client = boto3.session.Session().client("rds", region_name=self.region)
            return self._client

    def __call__(self) -> str:
        return self._rds().generate_db_auth_token(
            DBHostname=self.host, Port=self.port, DBUsername=self.user, Region=self.region
        )


def login_password(settings: CommonSettings) -> Callable[[], str] | None:
    """What the settings log in with: RDS IAM tokens with DATABASE_IAM_AUTH=true,
    else None (the password in the URL, if any)."""
    if not settings.database_iam_auth:
        return None
    return RdsAuthToken(
        settings.database_host, settings.database_port, settings.database_user, settings.aws_region
    )
