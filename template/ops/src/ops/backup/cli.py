"""`db-backup`: back up, list and restore the services' SQLite database.

    uv run db-backup backup [--to FOLDER]                 # make backup
    uv run db-backup restore FILE                         # make restore FILE=...
    uv run db-backup list

The database is the services' own (DATABASE_URL, else the SQLite file under
DATA_DIR; `--database-url` for another). Backups go to `backups/` beside it
(.data/backups/ by default); `backup` prints the new file's path on stdout.
`restore` checks FILE (a SQLite database of this project's schema), keeps a copy
of the current database there first, then checks the restored database's schema
revision; stop the services first, or they keep working on what they had read.
Exit codes: 0 done; 1 the copy failed; 2 bad input (a missing file, a database
that is not this project's, an unknown schema revision, bad settings).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ops.cli import EXIT_OK, OneLineParser

from . import sqlite
from .database import project_migrations, services_database_url
from .errors import BackupError, BadInputError

PROG = "db-backup"


def build_parser() -> OneLineParser:
    """The command line."""
    parser = OneLineParser(
        prog=PROG,
        description="Back up, list and restore the services' SQLite database.",
        epilog="Exit codes: 0 done; 1 the copy failed; 2 bad input.",
    )
    parser.add_argument(
        "--database-url", help="the database (default: the services' DATABASE_URL or DATA_DIR)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    make = commands.add_parser("backup", help="copy the database into a new timestamped file")
    make.add_argument("--to", type=Path, help="the folder (default: backups/ beside the database)")
    restore = commands.add_parser("restore", help="replace the database with a backup")
    restore.add_argument("file", type=Path, metavar="FILE", help="the backup to restore")
    commands.add_parser("list", help="the backups, newest first")
    return parser


def run(args: argparse.Namespace) -> int:
    """Carry out the parsed command."""
    database = sqlite.sqlite_file(args.database_url or services_database_url())
    folder = database.parent / "backups"
    if args.command == "list":
        for path in sqlite.backups(folder):
            print(path)
        return EXIT_OK
    migrations = project_migrations()
    if args.command == "backup":
        if not database.is_file():
            raise BadInputError(
                f"no database at {database} yet: the services create it when they first start"
            )
        copy, revision = sqlite.backup(database, args.to or folder, migrations)
        size = copy.stat().st_size
        size_text = f"{size / 1024:.0f} KiB" if size < 1024**2 else f"{size / 1024**2:.1f} MiB"
        print(
            f"backed up {database}: {migrations.describe(revision)}; {size_text}", file=sys.stderr
        )
        print(copy)
        return EXIT_OK
    revision, kept = sqlite.restore(args.file, database, folder, migrations)
    if kept is not None:
        print(f"kept the database before the restore: {kept}", file=sys.stderr)
    print(f"restored {args.file} into {database}, opened it again: {migrations.describe(revision)}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code (errors as one line on stderr)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return run(args)
    except BackupError as error:
        return parser.fail(error, error.exit_code)
