"""The services' database and migrations, as the services themselves see them.

The URL comes from the services' settings (DATABASE_URL, else the SQLite file
under DATA_DIR; `.env` is read too) and the schema revisions from their Alembic
migrations, both in the project's `<package prefix>_common` package, which is
looked up at run time from the project's answers.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from alembic.script import ScriptDirectory

from ops.project import current_project

from .errors import BadInputError


def common_module(name: str) -> ModuleType:
    """`name` (such as `settings`) of the project's common package."""
    return importlib.import_module(f"{current_project().package_prefix}_common.{name}")


def services_database_url() -> str:
    """The database URL the services use here."""
    settings = common_module("settings")
    try:
        loaded = settings.load_settings(settings.CommonSettings)
    except ValueError as error:  # SettingsError: one line naming the variable
        raise BadInputError(str(error)) from None
    return str(loaded.database_url)


@dataclass(frozen=True)
class Migrations:
    """The schema revisions the project's migrations know, and the newest."""

    head: str
    known: frozenset[str]

    def describe(self, revision: str) -> str:
        """`revision` for people: whether it is the newest one."""
        if revision == self.head:
            return f"schema revision {revision}, the newest"
        return f"schema revision {revision}; the services migrate it to {self.head} when they start"


def project_migrations() -> Migrations:
    """The revisions of the project's Alembic scripts, read now."""
    scripts = ScriptDirectory.from_config(common_module("storage.engine").alembic_config())
    head = scripts.get_current_head()
    if head is None:
        raise BadInputError(f"the migrations in {scripts.dir} have no revision")
    return Migrations(head, frozenset(script.revision for script in scripts.walk_revisions()))
