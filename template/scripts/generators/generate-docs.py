#!/usr/bin/env python3
"""Write docs/api/openapi.json: ``uv run python scripts/generators/generate-docs.py``.

``--check`` writes nothing and exits 1 when docs/api/openapi.json is missing (never
generated: the message says so and prints the command that generates it) or out of date
(it exists but differs from the code).
Exit codes: 0 written or up to date, 1 missing or out of date (``--check``), 2 error.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ops.generators.docgen import main

if __name__ == "__main__":
    sys.exit(main(root=Path(__file__).resolve().parents[2]))
