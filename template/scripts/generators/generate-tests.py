#!/usr/bin/env python3
"""Write property-based tests for a module: ``uv run python scripts/generators/generate-tests.py
services/telegram-bot/src/*_telegram_bot/core.py`` (``--help`` names this project's packages).

Exit codes: 0 written, 2 bad target, nothing to test, or the output exists (``--force``
overwrites).
"""

from __future__ import annotations

import sys
from pathlib import Path

from ops.generators.testgen import main

if __name__ == "__main__":
    sys.exit(main(root=Path(__file__).resolve().parents[2]))
