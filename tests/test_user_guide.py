"""The user guide (docs/, mkdocs.yml) builds without warnings: every page is
in the navigation and every link and anchor resolves."""

from __future__ import annotations

from pathlib import Path

from conftest import ROOT, run, tool


def test_user_guide_builds_strict_with_every_page_in_the_nav(tmp_path: Path) -> None:
    result = run([tool("mkdocs"), "build", "--strict", "--site-dir", str(tmp_path)], ROOT)
    assert "WARNING" not in result.stderr, result.stderr
    pages = {page.stem for page in (ROOT / "docs").glob("*.md")}
    built = {path.parent.name for path in tmp_path.glob("*/index.html")} | {"index"}
    assert pages <= built, f"pages missing from the built guide: {sorted(pages - built)}"
