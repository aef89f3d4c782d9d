"""Move files that a template version renamed, keeping the user's content.

copier runs this before an update that crosses a version listed in
``_migrations``: ``python3 move_files.py <project dir> <version>``. A file is
moved only when it exists at its old path and nothing exists at the new one,
so running it twice, or on a project that never had the file, changes nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

# version -> (old path, new path), relative to the project root
RENAMES: dict[str, list[tuple[str, str]]] = {
    "0.2.0": [],
}


def move_files(project: Path, version: str) -> list[str]:
    moved = []
    for old, new in RENAMES.get(version, []):
        source, target = project / old, project / new
        if source.is_file() and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            source.rename(target)
            moved.append(f"{old} -> {new}")
    return moved


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: move_files.py PROJECT_DIR VERSION", file=sys.stderr)
        return 2
    for line in move_files(Path(argv[0]), argv[1]):
        print(f"cica migration {argv[1]}: moved {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
