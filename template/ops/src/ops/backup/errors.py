"""How a backup command fails: one line for the user, and the exit code."""

from __future__ import annotations

from ops.cli import EXIT_FAILED, EXIT_USAGE


class BackupError(Exception):
    """The backup or restore itself failed (exit 1); `str()` is one line."""

    exit_code = EXIT_FAILED


class BadInputError(BackupError):
    """A missing file, a database that is not this project's, bad settings (exit 2)."""

    exit_code = EXIT_USAGE
