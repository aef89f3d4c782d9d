"""scripts/generators/generate-docs.py: docs/api/ from the OpenAPI schema and docstrings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ops.generators.docgen import COMMAND, check, main, schema_type

ROOT = Path(__file__).resolve().parents[2]
ENDPOINTS = [
    "/health",
    "/readiness",
    "/v1/price/{symbol}",
    "/v1/ohlcv/{symbol}",
    "/v1/atr/{symbol}",
]


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("api")
    assert main(["--output-dir", str(output)], root=ROOT) == 0
    return output


def test_openapi_json_is_the_apps_schema(docs: Path) -> None:
    schema = json.loads((docs / "openapi.json").read_text())
    assert schema["info"]["title"] == "market-data"
    assert set(ENDPOINTS) <= set(schema["paths"])
    atr = schema["paths"]["/v1/atr/{symbol}"]["get"]
    defaults = {p["name"]: p["schema"].get("default") for p in atr["parameters"]}
    assert defaults == {"symbol": None, "interval": "1h", "period": 14, "limit": 100}


def test_the_endpoint_reference_documents_paths_parameters_and_schemas(docs: Path) -> None:
    text = (docs / "market-data-reference.md").read_text()
    for path in ENDPOINTS:
        assert f"## GET {path}\n" in text
    assert "| `period` | query | integer | no | ATR period, in candles, >= 1, <= " in text
    assert "| 404 | Unknown symbol | [ErrorBody](#errorbody) |" in text
    for name in ("Price", "Ohlcv", "Atr", "Health", "Readiness", "ErrorBody"):
        assert f"\n### {name}\n" in text


def test_the_module_reference_has_every_module_docstring(docs: Path) -> None:
    text = (docs / "modules.md").read_text()
    formatting = next(ROOT.glob("services/telegram-bot/src/*_telegram_bot/formatting.py"))
    package = formatting.parent.name
    assert f"## `{package}.formatting`\n\nNumbers for humans:" in text
    assert "- function `format_price`: A price with the precision its magnitude deserves." in text
    assert "- function `wilder_atr`: The ATR at the last candle." in text
    assert ".migrations" not in text


def test_check_passes_when_up_to_date_and_fails_when_not(
    docs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--check", "--output-dir", str(docs)], root=ROOT) == 0
    page = docs / "market-data-reference.md"
    original = page.read_text()
    page.write_text(original.replace("Last price", "Latest price"))
    try:
        assert main(["--check", "--output-dir", str(docs)], root=ROOT) == 1
        error = capsys.readouterr().err
        assert error == (
            f"generate-docs: {page} is out of date (it differs from the code): "
            f"run uv run python scripts/generators/generate-docs.py --output-dir {docs}\n"
        )
    finally:
        page.write_text(original)


def test_check_on_a_fresh_project_says_the_docs_were_never_generated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "api"
    output.mkdir()
    (output / "market-data.md").write_text("# the hand-written guide\n")

    assert main(["--check", "--output-dir", str(output)], root=ROOT) == 1
    error = capsys.readouterr().err
    assert error == (
        f"generate-docs: {output} is missing the generated API reference (openapi.json, "
        "market-data-reference.md, modules.md): it was never generated. Generate it with: "
        f"uv run python scripts/generators/generate-docs.py --output-dir {output}\n"
    )
    assert "out of date" not in error

    documents = {"openapi.json": "{}\n", "modules.md": "# Modules\n"}
    assert check(documents, output, Path("docs/api"), COMMAND) == 1
    assert capsys.readouterr().err.endswith(
        "it was never generated. Generate it with: "
        "uv run python scripts/generators/generate-docs.py\n"
    )


def test_check_names_each_missing_file_apart_from_the_out_of_date_ones(
    docs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "api"
    output.mkdir()
    (output / "modules.md").write_text((docs / "modules.md").read_text())
    (output / "openapi.json").write_text("{}\n")

    assert main(["--check", "--output-dir", str(output)], root=ROOT) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(
        f"generate-docs: {output / 'market-data-reference.md'} is missing: run"
    )
    assert lines[1].startswith(f"generate-docs: {output / 'openapi.json'} is out of date (it diff")


def test_a_project_without_market_data_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--check"], root=tmp_path) == 2
    assert "app.py not found" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("schema", "shown"),
    [
        ({"$ref": "#/components/schemas/Price"}, "[Price](#price)"),
        ({"type": "array", "items": {"type": "number"}}, "array of number"),
        ({"anyOf": [{"type": "string"}, {"type": "null"}]}, "string or null"),
        ({"enum": ["1h", "1d"], "type": "string"}, "one of `1h`, `1d`"),
        ({"type": "string", "format": "date-time"}, "string (date-time)"),
    ],
)
def test_schema_types_read_like_prose(schema: dict[str, object], shown: str) -> None:
    assert schema_type(schema) == shown
