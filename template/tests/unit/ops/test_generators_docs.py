"""scripts/generators/generate-docs.py: docs/api/openapi.json from the market-data app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ops.generators.docgen import main

from tests.fakes import ROOT

ENDPOINTS = [
    "/health",
    "/readiness",
    "/v1/price/{symbol}",
    "/v1/ohlcv/{symbol}",
    "/v1/atr/{symbol}",
]
COMMAND = "uv run python scripts/generators/generate-docs.py"


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("api")
    assert main(["--output-dir", str(output)], root=ROOT) == 0
    return output


def test_openapi_json_is_the_apps_schema(docs: Path) -> None:
    assert [path.name for path in docs.iterdir()] == ["openapi.json"]
    schema = json.loads((docs / "openapi.json").read_text())
    assert schema["info"]["title"] == "market-data"
    assert set(ENDPOINTS) <= set(schema["paths"])
    atr = schema["paths"]["/v1/atr/{symbol}"]["get"]
    parameters = {p["name"]: p["schema"] for p in atr["parameters"]}
    # /v1/atr's query parameters are one object, so that the schema can say period <= limit
    assert set(parameters) == {"symbol", "window"}
    window = parameters["window"]["properties"]
    defaults = {name: field["default"] for name, field in window.items()}
    assert defaults == {"interval": "1h", "period": 14, "limit": 100}


def test_check_passes_when_up_to_date_and_fails_when_not(
    docs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--check", "--output-dir", str(docs)], root=ROOT) == 0
    assert capsys.readouterr().out == f"{docs / 'openapi.json'}: up to date\n"
    schema = docs / "openapi.json"
    original = schema.read_text()
    assert "Last price" in original
    schema.write_text(original.replace("Last price", "Latest price"))
    try:
        assert main(["--check", "--output-dir", str(docs)], root=ROOT) == 1
        assert capsys.readouterr().err == (
            f"generate-docs.py: error: {schema} is out of date (it differs from the code): "
            f"run {COMMAND} --output-dir {docs}\n"
        )
    finally:
        schema.write_text(original)


def test_check_on_a_fresh_project_says_the_docs_were_never_generated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "api"
    output.mkdir()
    (output / "market-data.md").write_text("# the hand-written guide\n")

    assert main(["--check", "--output-dir", str(output)], root=ROOT) == 1
    assert capsys.readouterr().err == (
        f"generate-docs.py: error: {output / 'openapi.json'} is missing: it was never "
        f"generated. Run: {COMMAND} --output-dir {output}\n"
    )


def test_a_project_without_market_data_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--check"], root=tmp_path) == 2
    assert "app.py not found" in capsys.readouterr().err
