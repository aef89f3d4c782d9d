"""The size of a generated project, as issue 15's before/after table counts it.

    uv run python benchmarks/project_size.py [PROJECT] [--level 4] [--venv] [--make-test]

Without PROJECT it renders one from this working tree. Code lines are Python
lines that hold a token other than a comment, a docstring or a line break.
"""

from __future__ import annotations

import argparse
import ast
import io
import shutil
import subprocess
import tempfile
import time
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARTS = {
    "services": ("services",),
    "ops package (ops/)": ("ops",),
    "scripts/ (entry points, upgrade.py)": ("scripts",),
    "tests": ("tests",),
}
SKIP = {".venv", "__pycache__", "migrations"}


def docstring_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if ast.get_docstring(node, clean=False) is not None and first is not None:
                lines.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return lines


def code_lines(source: str) -> int:
    skipped = docstring_lines(ast.parse(source))
    thin = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
    lines: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in thin and token.type != tokenize.ENDMARKER:
            lines.update(range(token.start[0], token.end[0] + 1))
    return len(lines - skipped)


def python_files(project: Path, folder: str) -> list[Path]:
    base = project / folder
    if not base.is_dir():
        return []
    return [p for p in base.rglob("*.py") if not SKIP & set(p.relative_to(project).parts)]


def measure(project: Path) -> dict[str, int]:
    sizes = {
        part: sum(code_lines(p.read_text()) for f in folders for p in python_files(project, f))
        for part, folders in PARTS.items()
    }
    ops, services = sizes["ops package (ops/)"], sizes["services"]
    sizes["ops package / services (%)"] = round(100 * ops / services)
    every = [p for p in project.rglob("*.py") if ".venv" not in p.parts]
    sizes["sys.path mentions"] = sum(p.read_text().count("sys.path") for p in every)
    return sizes


def render(level: int, into: Path) -> Path:
    target = into / f"level-{level}"
    subprocess.run(
        [
            "copier",
            "copy",
            "--trust",
            "--defaults",
            "--vcs-ref",
            "HEAD",
            "--quiet",
            "--data",
            f"maturity_level={level}",
            str(ROOT),
            str(target),
        ],
        check=True,
    )
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", nargs="?", type=Path)
    parser.add_argument("--level", type=int, default=4)
    parser.add_argument("--venv", action="store_true", help="uv sync, then print .venv's size")
    parser.add_argument("--make-test", action="store_true", help="time the project's make test")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="cica-size-"))
    project = args.project or render(args.level, workdir)
    template_files = list((ROOT / "template").rglob("*.py*.jinja"))
    rows: dict[str, object] = dict(measure(project))
    rows[".py.jinja files in template/"] = len(template_files)
    if args.venv or args.make_test:
        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=project, check=True)
        subprocess.run(["uv", "sync", "-q"], cwd=project, check=True)
        du = subprocess.run(["du", "-sm", ".venv"], cwd=project, capture_output=True, text=True)
        rows[".venv MB (default sync)"] = int(du.stdout.split()[0])
    if args.make_test:
        started = time.perf_counter()
        subprocess.run(["make", "test"], cwd=project, check=True, capture_output=True)
        rows["make test s"] = round(time.perf_counter() - started, 1)
    for name, value in rows.items():
        print(f"{name:40} {value}")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
