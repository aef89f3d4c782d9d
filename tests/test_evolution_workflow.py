"""The Evolution workflow's warning quotes the command the detector recommends."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path


def test_the_upgrade_warning_finds_the_recommended_command_in_the_report(
    render: Callable[..., Path],
) -> None:
    project = render(2, name="evolution-workflow")
    workflow = (project / ".github" / "workflows" / "evolution.yml").read_text()
    [pattern] = re.findall(
        r"title=Maturity upgrade due::\$\(grep -m1 '([^']+)' evolution\.md\)", workflow
    )
    detector = (project / "ops" / "src" / "ops" / "evolution" / "detector.py").read_text()
    [command] = re.findall(r'^UPGRADE_COMMAND = "([^"]+)"', detector, re.MULTILINE)
    report_line = command.format(level=3)  # render_markdown puts it on a line of its own
    assert re.search(pattern, report_line), (pattern, report_line)
