#!/usr/bin/env python3
"""Each service's environment file for an environment, every value checked:
``uv run python scripts/generators/generate-deployment.py --environment staging``.

Writes build/deployment/<environment>/<service>.env from config/<environment>.env
(or its .env.example). Exit codes: 0 written, 2 a value is missing or invalid (one line each).
"""

from __future__ import annotations

import sys
from pathlib import Path

from ops.generators.deploygen import main

if __name__ == "__main__":
    sys.exit(main(root=Path(__file__).resolve().parents[2]))
