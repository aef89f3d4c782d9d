"""The API reference in docs/api/, generated from the code: ``openapi.json``.

It is the market-data OpenAPI schema, built by the app factory itself, so it cannot
drift from the code. Reading it is left to the tools that do it well: the docs
site's OpenAPI page (Swagger UI) renders it, mkdocstrings documents the modules
from their docstrings, and a running service serves the same schema at
``/openapi.json`` with interactive docs at ``/docs``.

``--check`` regenerates in memory and fails (exit 1) when the file is missing
(never generated: it prints the command that generates it) or out of date (it
differs from the code); CI runs it once docs/api/ is committed.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from ops.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, OneLineParser

COMMAND = "uv run python scripts/generators/generate-docs.py"
SCHEMA = "openapi.json"


class DocsError(Exception):
    """The docs cannot be generated (exit code 2); the message is one line."""


def market_data_schema(root: Path) -> dict[str, Any]:
    """The OpenAPI schema of the market-data app, built by its own factory."""
    apps = sorted(root.glob("services/market-data/src/*_market_data/app.py"))
    if not apps:
        raise DocsError("services/market-data/src/*_market_data/app.py not found")
    package = apps[0].parent.name
    try:
        create_app = importlib.import_module(f"{package}.app").create_app
        settings_class = importlib.import_module(f"{package}.settings").MarketDataSettings
        # The version the code declares, not SERVICE_VERSION of this shell.
        version = settings_class.model_fields["service_version"].default
        schema: dict[str, Any] = create_app(
            settings_class(service_version=version, environment="local")
        ).openapi()
    except Exception as error:  # an import or settings failure, reported in one line
        raise DocsError(
            f"cannot build the market-data app: {type(error).__name__}: {error}"
        ) from None
    return schema


def main(argv: list[str] | None = None, root: Path | None = None) -> int:
    """The `generate-docs` command; returns its exit code (1: missing or out of date, --check)."""
    root = root or Path.cwd()
    parser = OneLineParser(
        prog="generate-docs.py",
        description="Write docs/api/openapi.json: the market-data app's OpenAPI schema.",
        epilog="exit codes: 0 written or up to date, 1 missing or out of date (--check: "
        "missing means never generated, out of date means it differs from the code), 2 error.",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when docs/api/openapi.json is missing or out of date",
    )
    parser.add_argument("--output-dir", type=Path, help="where to write (default: docs/api)")
    args = parser.parse_args(argv)
    output = (args.output_dir or root / "docs" / "api") / SCHEMA
    try:
        text = json.dumps(market_data_schema(root), indent=2, ensure_ascii=False) + "\n"
    except DocsError as error:
        return parser.fail(error, EXIT_USAGE)
    if not args.check:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        print(f"wrote {output}")
        return EXIT_OK
    shown = output.relative_to(root) if output.is_relative_to(root) else output
    command = COMMAND + (f" --output-dir {shown.parent}" if args.output_dir else "")
    if not output.is_file():
        return parser.fail(
            f"{shown} is missing: it was never generated. Run: {command}", EXIT_FAILED
        )
    if output.read_text(encoding="utf-8") != text:
        return parser.fail(
            f"{shown} is out of date (it differs from the code): run {command}", EXIT_FAILED
        )
    print(f"{shown}: up to date")
    return EXIT_OK
