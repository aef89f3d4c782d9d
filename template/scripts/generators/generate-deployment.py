#!/usr/bin/env python3
"""Environment files and ECS task definitions for an environment:
``uv run python scripts/generators/generate-deployment.py --environment staging``.

With ``--stack-outputs`` (the app stack's describe-stacks JSON), ``--execution-role-arn``
and optionally ``--image-tag`` it also writes the task definitions.
Exit codes: 0 written, 2 a value is missing or invalid (one line each).
"""

from __future__ import annotations

import sys
from pathlib import Path

from ops.generators.deploygen import main

if __name__ == "__main__":
    sys.exit(main(root=Path(__file__).resolve().parents[2]))
