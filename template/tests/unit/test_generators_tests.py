"""scripts/generators/generate-tests.py: the tests it writes run, pass, and can fail."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from generators.testgen import main
from hypothesis import Phase, settings

ROOT = Path(__file__).resolve().parents[2]
FORMATTING = next(ROOT.glob("services/telegram-bot/src/*_telegram_bot/formatting.py"))
ATR = next(ROOT.glob("services/market-data/src/*_market_data/atr.py"))


def generate(target: str, output: Path, *extra: str) -> str:
    assert main([target, "-o", str(output), *extra], root=ROOT) == 0
    return output.read_text()


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"generated_{uuid.uuid4().hex}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def generated_tests(module: ModuleType) -> dict[str, Callable[[], None]]:
    return {name: value for name, value in vars(module).items() if name.startswith("test_")}


def run_quickly(test: Callable[[], None]) -> None:
    settings(max_examples=25, deadline=None, database=None, phases=[Phase.generate])(test)()


def public_functions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
    ]


def bodies_are_real(source: str) -> bool:
    tests = [node for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)]
    return all(not isinstance(statement, ast.Pass) for test in tests for statement in test.body)


@pytest.mark.parametrize("source", [FORMATTING, ATR], ids=["formatting", "atr"])
def test_generated_tests_of_formatting_and_atr_run_and_pass(source: Path, tmp_path: Path) -> None:
    output = tmp_path / f"test_{source.stem}_properties.py"
    text = generate(str(source.relative_to(ROOT)), output)

    generated = load(output)
    tests = generated_tests(generated)
    assert sorted(tests) == sorted(f"test_{name}" for name in public_functions(source))
    assert "pytest.mark.skip" not in text
    assert bodies_are_real(text)
    for test in tests.values():
        run_quickly(test)


def test_generated_tests_follow_the_project_style(tmp_path: Path) -> None:
    text = generate(str(FORMATTING.relative_to(ROOT)), tmp_path / "test_out.py")
    for command in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "ruff",
                *command,
                "--stdin-filename",
                "tests/unit/test_x.py",
                "-",
            ],
            input=text,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def make_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    monkeypatch.syspath_prepend(str(tmp_path))

    def make(source: str) -> Path:
        path = tmp_path / f"subject_{uuid.uuid4().hex[:8]}.py"
        path.write_text(textwrap.dedent(source))
        return path

    return make


BROKEN = """
    from __future__ import annotations

    calls = 0


    def wrong_type(x: int) -> int:
        return str(x)  # not an int


    def not_deterministic(x: int) -> int:
        global calls
        calls += 1
        return x + calls


    def undocumented_error(x: int) -> float:
        return 1 / x  # ZeroDivisionError for 0


    def documented_error(x: int) -> int:
        if x < 0:
            raise ValueError("negative")
        return x * 2


    def normalize_case(text: str) -> str:
        return text.swapcase()  # not idempotent
"""


def test_generated_tests_fail_for_functions_that_break_their_contract(
    make_module: Callable[[str], Path], tmp_path: Path
) -> None:
    module = make_module(BROKEN)
    output = tmp_path / "test_broken.py"
    generate(str(module), output)
    tests = generated_tests(load(output))

    expected: dict[str, type[BaseException]] = {
        "test_wrong_type": AssertionError,
        "test_not_deterministic": AssertionError,
        "test_undocumented_error": ZeroDivisionError,
        "test_normalize_case": AssertionError,
    }
    for name, error in expected.items():
        with pytest.raises(error):
            run_quickly(tests[name])
    run_quickly(tests["test_documented_error"])


UNINFERABLE = """
    from __future__ import annotations

    from pathlib import Path
    from typing import Protocol


    class Client(Protocol):
        def get(self) -> str: ...


    def save(path: Path, text: str) -> None:
        path.write_text(text)


    def fetch(client: Client) -> str:
        return client.get()


    def untyped(x):
        return x
"""


def test_functions_without_an_inferable_property_get_a_skipped_test_with_the_reason(
    make_module: Callable[[str], Path], tmp_path: Path
) -> None:
    output = tmp_path / "test_uninferable.py"
    text = generate(str(make_module(UNINFERABLE)), output)
    tests = generated_tests(load(output))

    reasons: dict[str, Any] = {
        name: test.pytestmark[0].kwargs["reason"]  # type: ignore[attr-defined]
        for name, test in tests.items()
    }
    assert reasons == {
        "test_save": "save: no strategy for argument 'path' (Path)",
        "test_fetch": "fetch: no strategy for argument 'client' (Client)",
        "test_untyped": "untyped: argument 'x' has no annotation",
    }
    assert bodies_are_real(text)


def test_one_function_and_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([f"{ATR.relative_to(ROOT)}:wilder_atr", "-o", "-"], root=ROOT) == 0
    text = capsys.readouterr().out
    assert "def test_wilder_atr(" in text
    assert "def test_true_ranges(" not in text


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("services/nowhere.py", "services/nowhere.py: no such file"),
        ("no_such_module_here", "cannot import no_such_module_here: ModuleNotFoundError"),
        (f"{ATR.relative_to(ROOT)}:nothing", "has no function 'nothing'"),
        ("not a module!", "not a module path or dotted module name"),
    ],
)
def test_bad_targets_exit_2_with_one_line(
    target: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([target, "-o", "-"], root=ROOT) == 2
    error = capsys.readouterr().err
    assert message in error
    assert error.count("\n") == 1


def test_an_existing_output_is_kept_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "test_mine.py"
    output.write_text("# my own tests\n")
    assert main([str(ATR), "-o", str(output)], root=ROOT) == 2
    assert "pass --force to overwrite it" in capsys.readouterr().err
    assert output.read_text() == "# my own tests\n"
    assert main([str(ATR), "-o", str(output), "--force"], root=ROOT) == 0
    assert "def test_wilder_atr(" in output.read_text()
