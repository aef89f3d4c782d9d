"""Back up and restore the services' SQLite database with SQLite's online backup API.

A backup is a consistent copy taken while the services run (they keep writing;
the copy is of one moment), written beside the database under `backups/` as
`<name>-<UTC time>.sqlite3`. A restore first checks that the file is a SQLite
database of this project (its alembic_version revision is one of the project's
migrations, and SQLite's quick_check passes), keeps a copy of the current
database, copies the file in with the same API and opens the result to check
its revision again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from ops.project import current_project

from .database import Migrations
from .errors import BackupError, BadInputError

SUFFIX = ".sqlite3"
BUSY_TIMEOUT_SECONDS = 15  # as long as the services wait for each other


def sqlite_file(url: str) -> Path:
    """The file of a `sqlite:///path` URL; any other database is bad input."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise BadInputError(f"DATABASE_URL {url!r} is not a database URL") from None
    backend = parsed.get_backend_name()
    if backend != "sqlite":
        hint = (
            " (RDS: make db-snapshot ENV=staging)"
            if current_project().has("staging_deployment")
            else ""
        )
        raise BadInputError(
            f"the services' database is {backend} at {parsed.host or 'a server'}, not a "
            f"SQLite file: back it up with that server's tools{hint}"
        )
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file::memory:"):
        raise BadInputError("DATABASE_URL is an in-memory SQLite database: nothing to back up")
    return Path(database).expanduser()


@contextmanager
def opened(path: Path, mode: str = "ro") -> Iterator[sqlite3.Connection]:
    """`path` opened in `mode` (ro or rw, never creating a file), closed afterwards."""
    uri = f"{path.resolve().as_uri()}?mode={mode}"
    try:
        connection = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS)
    except sqlite3.Error as error:
        raise BadInputError(f"cannot open {path}: {error}") from None
    with closing(connection):
        yield connection


def schema_revision(connection: sqlite3.Connection, where: Path, migrations: Migrations) -> str:
    """The revision of the database on `connection`, checked: a SQLite database, not
    damaged, with one alembic_version row that the project's migrations know."""
    try:
        problems = [row[0] for row in connection.execute("PRAGMA quick_check")]
    except sqlite3.DatabaseError as error:
        raise BadInputError(f"{where} is not a SQLite database ({error})") from None
    if problems != ["ok"]:
        raise BadInputError(f"{where} is damaged: {problems[0]}")
    slug = current_project().slug
    try:
        rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.OperationalError:
        raise BadInputError(
            f"{where} is not a {slug} database: it has no alembic_version table"
        ) from None
    if len(rows) != 1:
        raise BadInputError(f"{where}: alembic_version holds {len(rows)} revisions, not one")
    revision = str(rows[0][0])
    if revision not in migrations.known:
        known = ", ".join(sorted(migrations.known))
        raise BadInputError(
            f"{where} is at schema revision {revision!r}, which is not one of {slug}'s "
            f"migrations ({known}): a database of another project or of a newer version"
        )
    return revision


def backup(
    database: Path, folder: Path, migrations: Migrations, label: str = ""
) -> tuple[Path, str]:
    """Copy `database` into `folder` as `<name>[-label]-<UTC time>[-n].sqlite3`, written
    under a temporary name, then opened and checked; return the copy and its revision."""
    with opened(database, "rw") as live:
        revision = schema_revision(live, database, migrations)
        stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
        stem = "-".join(filter(None, (database.stem, label, stamp)))
        target, number = folder / f"{stem}{SUFFIX}", 1
        while target.exists():  # two backups in one second
            number += 1
            target = folder / f"{stem}-{number}{SUFFIX}"
        partial = target.with_name(target.name + ".partial")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with closing(sqlite3.connect(partial)) as copy:
                live.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
            partial.replace(target)
        except (OSError, sqlite3.Error) as error:
            raise BackupError(f"cannot write a backup of {database} in {folder}: {error}") from None
    with opened(target) as copy:
        if schema_revision(copy, target, migrations) != revision:
            raise BackupError(f"the backup {target} does not hold revision {revision}")
    return target, revision


def restore(
    file: Path, database: Path, folder: Path, migrations: Migrations
) -> tuple[str, Path | None]:
    """Replace `database` with the backup `file`, keeping a copy of it in `folder` first;
    return the revision the database now holds and the copy kept, if there was a database."""
    if not file.is_file():
        raise BadInputError(f"no backup file at {file}")
    if database.exists() and file.resolve() == database.resolve():
        raise BadInputError(f"{file} is the database itself: pass one of its backups")
    with opened(file) as source:
        revision = schema_revision(source, file, migrations)
        kept = None
        if database.exists():
            kept, _ = backup(database, folder, migrations, "before-restore")
        try:
            database.parent.mkdir(parents=True, exist_ok=True)
            with closing(sqlite3.connect(database, timeout=BUSY_TIMEOUT_SECONDS)) as live:
                source.backup(live)
        except (OSError, sqlite3.Error) as error:
            where = f"; the database before it is {kept}" if kept else ""
            raise BackupError(f"cannot restore {file} into {database}: {error}{where}") from None
    with opened(database, "rw") as restored:
        found = schema_revision(restored, database, migrations)
    if found != revision:
        raise BackupError(f"{database} holds revision {found} after the restore, not {revision}")
    return found, kept


def backups(folder: Path) -> list[Path]:
    """The backups in `folder`, newest first."""
    found = [path for path in folder.glob(f"*{SUFFIX}") if path.is_file()]
    return sorted(found, key=lambda path: path.stat().st_mtime, reverse=True)
