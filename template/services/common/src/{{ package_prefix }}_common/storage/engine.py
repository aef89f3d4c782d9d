"""Engine creation and migration to head, shared by `Storage` and the Alembic CLI."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.pool import StaticPool

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_IMMEDIATE = "sqlite_immediate"
_MIGRATING = threading.Lock()  # Alembic's context is process-global: one migration at a time


def create_storage_engine(url: str, password: Callable[[], str] | None = None) -> Engine:
    """An engine for `url`; for a SQLite file, its directory is created first.

    SQLite connections get real transactions (SQLAlchemy emits BEGIN, so DDL is
    transactional too), WAL journaling and a 15 s busy timeout, so the bot and
    market-data can share one file. With `password` (a server database only), each
    new connection logs in with what it returns then, such as an RDS IAM token.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(parsed, pool_pre_ping=True)
        if password is not None:

            @event.listens_for(engine, "do_connect")
            def _fresh_password(
                _dialect: Any, _record: Any, _args: Any, params: dict[str, Any]
            ) -> None:
                params["password"] = password()

        return engine
    if password is not None:
        raise ValueError("SQLite has no login: a password callable needs a server database")
    database = parsed.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    if in_memory:
        engine = create_engine(
            parsed, poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
    else:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 15})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


# Alembic is imported when a database is first used, not when the services start.


def alembic_config() -> Config:
    """An Alembic configuration pointing at the package's migrations."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    return config


def head_revision() -> str | None:
    """The newest migration's revision id."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database at `engine` is migrated to; None before the first migration."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(engine: Engine, attempts: int = 3) -> None:
    """Migrate to the newest revision; safe when several processes start at once."""
    from alembic import command

    head = head_revision()
    with _MIGRATING:
        for attempt in range(1, attempts + 1):
            if current_revision(engine) == head:
                return
            try:
                with engine.connect() as connection:
                    connection.execution_options(**{_IMMEDIATE: True})
                    with connection.begin():
                        config = alembic_config()
                        config.attributes["connection"] = connection
                        command.upgrade(config, "head")
                return
            except (OperationalError, IntegrityError, ProgrammingError):
                # Another process may have migrated in between; check again, then give up.
                if attempt == attempts:
                    raise
                time.sleep(0.2 * attempt)
