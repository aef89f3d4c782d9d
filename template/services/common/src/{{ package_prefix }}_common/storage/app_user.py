"""The services' own database user on PostgreSQL: rows, not schema.

The migration (storage.migrate) runs as the database's administrator (on RDS the
master user) and then calls `grant_app_user`: the user the services log in as may
read and write the rows of every table and use their sequences, and read
`alembic_version`; it may not create, alter or drop anything, nor grant. On RDS
it logs in with IAM authentication only (membership of `rds_iam`), so it has no
password to rotate and the master password never reaches the services.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

USER_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
IAM_ROLE = "rds_iam"  # RDS's role: its members log in with IAM tokens only
VERSION_TABLE = "alembic_version"
ROW_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"


@dataclass(frozen=True)
class GrantResult:
    """What `grant_app_user` did."""

    user: str
    created: bool
    iam: bool

    def summary(self) -> str:
        """One line for the migration task's log."""
        login = "IAM token" if self.iam else "password (no rds_iam role here)"
        return (
            f"database user {self.user}: {'created' if self.created else 'exists'}, "
            f"logs in with an {login}, reads and writes rows only"
        )


def _exists(connection: Connection, role: str) -> bool:
    found = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
    return found.first() is not None


def grant_app_user(engine: Engine, user: str) -> GrantResult:
    """Create `user` if it is missing and grant it row access to the current schema.

    Idempotent: the migration runs it after every upgrade, so tables that a
    migration adds are covered at once (default privileges cover those that the
    administrator creates later by hand).
    """
    if engine.dialect.name != "postgresql":
        raise ValueError(f"a database user needs PostgreSQL, not {engine.dialect.name}")
    if not USER_NAME.fullmatch(user):
        raise ValueError(
            f"database user name {user!r}: must be 1-63 lower-case letters, digits or "
            "underscores, not starting with a digit"
        )
    quote = engine.dialect.identifier_preparer.quote
    with engine.begin() as connection:
        database = quote(connection.execute(text("SELECT current_database()")).scalar_one())
        schema = quote(connection.execute(text("SELECT current_schema()")).scalar_one())
        name = quote(user)
        if connection.execute(text("SELECT current_user")).scalar_one() == user:
            raise ValueError(
                f"database user {user} is the one migrating: the services need a user of "
                "their own, not the administrator"
            )
        created = not _exists(connection, user)
        if created:
            connection.execute(text(f"CREATE ROLE {name} LOGIN"))
        else:
            connection.execute(text(f"ALTER ROLE {name} LOGIN"))
        iam = _exists(connection, IAM_ROLE)
        statements = [
            f"GRANT {IAM_ROLE} TO {name}" if iam else "",
            f"GRANT CONNECT ON DATABASE {database} TO {name}",
            f"GRANT USAGE ON SCHEMA {schema} TO {name}",
            f"GRANT {ROW_PRIVILEGES} ON ALL TABLES IN SCHEMA {schema} TO {name}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {name}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
            f"GRANT {ROW_PRIVILEGES} ON TABLES TO {name}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
            f"GRANT USAGE, SELECT ON SEQUENCES TO {name}",
        ]
        for statement in filter(None, statements):
            connection.execute(text(statement))
        version = connection.execute(
            text("SELECT to_regclass(:t)"), {"t": f"{schema}.{VERSION_TABLE}"}
        ).scalar_one_or_none()
        if version is not None:
            # The services check the revision; only the migration moves it.
            connection.execute(
                text(f"REVOKE INSERT, UPDATE, DELETE ON {schema}.{VERSION_TABLE} FROM {name}")
            )
    return GrantResult(user=user, created=created, iam=iam)
