"""The database migration of a release, as the migration task runs it:

    python -m <package prefix>_common.storage.migrate

It migrates the database of the settings (DATABASE_URL, or DATABASE_HOST and
friends) to the newest revision and then, with DATABASE_APP_USER set, gives that
user the row access the services need (storage.app_user). On AWS the task logs
in as the master user, whose password ECS reads from the secret RDS manages when
the task starts. Exit codes: 0 done, 1 the database refused, 2 bad settings.
"""

from __future__ import annotations

import logging
import sys
from typing import Annotated

from pydantic import Field

from ..settings import CommonSettings, settings_or_exit
from .app_user import USER_NAME, grant_app_user
from .engine import create_storage_engine, current_revision, upgrade_to_head
from .rds_auth import login_password


class MigrationSettings(CommonSettings):
    """The services' settings, plus the user that the services log in as."""

    database_app_user: Annotated[
        str,
        Field(
            pattern=f"^({USER_NAME.pattern})?$",
            description="a database user name of lower-case letters, digits and underscores",
        ),
    ] = ""


def main() -> None:
    """Migrate to head, then grant the services' user; one line each on stdout."""
    settings = settings_or_exit(MigrationSettings)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.migration").setLevel(logging.INFO)
    engine = create_storage_engine(settings.database_url, login_password(settings))
    try:
        before = current_revision(engine)
        upgrade_to_head(engine)
        print("database schema:", before or "empty", "->", current_revision(engine), flush=True)
        if settings.database_app_user:
            print(grant_app_user(engine, settings.database_app_user).summary(), flush=True)
    except ValueError as error:  # a user the database cannot have
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
