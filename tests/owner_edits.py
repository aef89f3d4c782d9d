"""What an owner typically changes in a generated project, and how to tell
that those changes survived an update."""

from __future__ import annotations

from pathlib import Path

from conftest import answers, project_files

CONFLICT_MARKERS = ("<<<<<<< ", ">>>>>>> ")

README_NOTE = "\nOur team runs this bot for the #trading channel. Ask @alice for access.\n"
SERVICE_NOTE = (
    "\n\ndef team_motto() -> str:\n"
    '    """Printed on the team dashboard."""\n'
    '    return "HODL responsibly"\n'
)
MAKE_TARGET = "\nsync-data: ## Copy the data folder to the team share\n\tcp -r .data /srv/share/\n"
CUSTOM_FLAG = (
    "  weekend_digest:\n"
    "    enabled: true\n"
    '    description: "Our own flag: send a weekly digest on Saturdays"\n\n'
)
NEW_DEPENDENCY = '    "humanize>=4.9,<5",\n'
MOTTO_USAGE = '    CommandInfo("motto", "/motto", "the team motto"),\n'
MOTTO_HANDLER = (
    "async def motto(services: BotServices, asker: Asker, args: Sequence[str]) -> Reply:\n"
    '    parse_no_args("motto", args)\n'
    '    return Reply(f"HODL responsibly since block {humanize.intcomma(840_000)}")\n'
    "\n\n"
)
HANDLERS_COMMENT = (
    "# A coroutine (not just an awaitable), so a handler can be given to asyncio.run.\n"
)
MOTTO_TEST = '''"""Our own /motto command."""

import asyncio
from typing import cast

from {prefix}_telegram_bot import core
from {prefix}_telegram_bot.parsing import USAGE


def test_motto_is_a_command_with_a_usage_line() -> None:
    assert USAGE["motto"] == "/motto"


def test_motto_replies_with_the_team_motto() -> None:
    asker = core.Asker(chat_id=1, user_id=1)
    reply = asyncio.run(core.HANDLERS["motto"](cast(core.BotServices, None), asker, []))
    assert reply.text == "HODL responsibly since block 840,000"
'''
QUALITY_TIMEOUT_BEFORE = (
    "    name: Unit tests\n    runs-on: ubuntu-latest\n    timeout-minutes: 15\n"
)
TESTING_STEP_BEFORE = "timeout-minutes: 15"


def bot_source(project: Path, module: str) -> Path:
    prefix = answers(project)["package_prefix"]
    return project / "services/telegram-bot/src" / f"{prefix}_telegram_bot" / module


def replace_once(path: Path, before: str, after: str) -> None:
    text = path.read_text()
    assert before in text, f"{path.name} no longer contains {before!r}"
    path.write_text(text.replace(before, after, 1))


def add_motto_command(project: Path) -> None:
    """A new bot command: its usage line, its handler, a dependency and a test."""
    replace_once(
        bot_source(project, "parsing.py"),
        '    CommandInfo("status", ',
        MOTTO_USAGE + '    CommandInfo("status", ',
    )
    core = bot_source(project, "core.py")
    first_party = f"\nfrom {answers(project)['package_prefix']}_common."
    replace_once(core, first_party, "\nimport humanize\n" + first_party)
    replace_once(core, HANDLERS_COMMENT, MOTTO_HANDLER + HANDLERS_COMMENT)
    replace_once(core, '    "status": status,\n', '    "status": status,\n    "motto": motto,\n')
    replace_once(
        project / "services/telegram-bot/pyproject.toml",
        '    "uvicorn>=0.30,<1",\n',
        '    "uvicorn>=0.30,<1",\n' + NEW_DEPENDENCY,
    )
    prefix = answers(project)["package_prefix"]
    (project / "tests/unit/test_our_motto.py").write_text(MOTTO_TEST.format(prefix=prefix))


def make_user_edits(project: Path) -> None:
    """What an owner typically changes at level 1: a service, a command, the
    README, a flag, the Makefile and a workflow step."""
    with bot_source(project, "__init__.py").open("a") as module:
        module.write(SERVICE_NOTE)
    add_motto_command(project)
    with (project / "Makefile").open("a") as makefile:
        makefile.write(MAKE_TARGET)
    readme = project / "README.md"
    lines = readme.read_text().splitlines(keepends=True)
    readme.write_text("".join([*lines[:3], README_NOTE, *lines[3:]]))
    replace_once(
        project / "config/feature-flags.yml", "\nfeatures:\n", "\nfeatures:\n" + CUSTOM_FLAG
    )
    replace_once(
        project / ".github/workflows/quality.yml",
        QUALITY_TIMEOUT_BEFORE,
        QUALITY_TIMEOUT_BEFORE.replace("15", "20"),
    )


def edit_testing_workflow(project: Path) -> None:
    """A level-2 owner gives the unit tests more time."""
    replace_once(
        project / ".github/workflows/testing.yml", TESTING_STEP_BEFORE, "timeout-minutes: 25"
    )


def assert_user_edits_kept(project: Path, level: int) -> None:
    assert bot_source(project, "__init__.py").read_text().endswith(SERVICE_NOTE)
    assert MOTTO_USAGE in bot_source(project, "parsing.py").read_text()
    core = bot_source(project, "core.py").read_text()
    assert MOTTO_HANDLER in core and '    "motto": motto,\n' in core
    assert NEW_DEPENDENCY in (project / "services/telegram-bot/pyproject.toml").read_text()
    assert (project / "tests/unit/test_our_motto.py").is_file()
    assert (project / "Makefile").read_text().endswith(MAKE_TARGET)
    assert (
        QUALITY_TIMEOUT_BEFORE.replace("15", "20")
        in (project / ".github/workflows/quality.yml").read_text()
    )
    if level >= 3:
        assert "timeout-minutes: 25" in (project / ".github/workflows/testing.yml").read_text()
    assert README_NOTE in (project / "README.md").read_text()
    assert "\nfeatures:\n" + CUSTOM_FLAG in (project / "config/feature-flags.yml").read_text()


def leftover_conflicts(project: Path) -> list[str]:
    """Files with copier's inline conflict markers, and `.rej` files."""
    found = []
    for file in project_files(project):
        if file.suffix == ".rej":
            found.append(str(file.relative_to(project)))
            continue
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError:
            continue
        if any(line.startswith(CONFLICT_MARKERS) for line in lines):
            found.append(str(file.relative_to(project)))
    return found
