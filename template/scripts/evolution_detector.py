#!/usr/bin/env python3
"""Is the next maturity level due? ``uv run python scripts/evolution_detector.py``.

Measures the project (git history and tags, services, tests, coverage, workflows),
reads the figures only you know from the ``metrics:`` section of
config/evolution.yml, evaluates the roadmap and feature-flag triggers, and
recommends the next level with the exact ``make upgrade LEVEL=N`` command.

Exit codes: 0 no upgrade due, 10 an upgrade is due, 2 configuration error.
``--json`` for machines, ``--markdown`` for job summaries.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ops.evolution.detector import main

if __name__ == "__main__":
    sys.exit(main(root=Path(__file__).resolve().parent.parent))
