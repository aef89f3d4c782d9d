"""scripts/generators/generate-tests.py: the tests it writes run, pass, and can fail."""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import io
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import Phase, settings

from ops.generators.testgen import lets_through, main

from tests.fakes import run_command

ROOT = Path(__file__).resolve().parents[3]
FORMATTING = next(ROOT.glob("services/telegram-bot/src/*_telegram_bot/formatting.py"))
ATR = next(ROOT.glob("services/market-data/src/*_market_data/atr.py"))
CORE = next(ROOT.glob("services/telegram-bot/src/*_telegram_bot/core.py"))


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
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and not node.name.startswith("_")
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
        ruff = [sys.executable, "-m", "ruff", *command, "--stdin-filename", "tests/unit/test_x.py"]
        result = run_command([*ruff, "-"], input=text, cwd=ROOT)
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


    def double(x: int) -> int:
        return 2 * x
"""
LEFT_OUT = {
    "save": "cannot draw or build argument 'path' (Path)",
    "fetch": "cannot draw or build argument 'client' (Client)",
    "untyped": "argument 'x' has no annotation",
}


def test_functions_without_an_inferable_property_are_left_out_with_the_reason(
    make_module: Callable[[str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "test_uninferable.py"
    text = generate(str(make_module(UNINFERABLE)), output)
    printed = capsys.readouterr().out

    assert sorted(generated_tests(load(output))) == ["test_double"]
    assert "pytest.mark.skip" not in text
    assert "wrote " in printed and ": 1 property tests, 3 left out" in printed
    for name, reason in LEFT_OUT.items():
        assert f"  left out {name}: {reason}\n" in printed
        assert f"# - {name}: {reason}\n" in text


def test_a_module_with_nothing_to_test_exits_2_with_the_reasons(
    make_module: Callable[[str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    module = make_module(UNINFERABLE.replace("def double(x: int) -> int:", "def double(x):"))
    output = tmp_path / "test_nothing.py"
    assert main([str(module), "-o", str(output)], root=ROOT) == 2
    error = capsys.readouterr().err
    assert ": no function to test\n" in error
    for name, reason in LEFT_OUT.items():
        assert f"  left out {name}: {reason}\n" in error
    assert not output.exists()


BROKEN_COMMANDS = """
    from __future__ import annotations

    from {package}.client import MarketDataRequestError
    from {package}.core import BotServices


    async def known_price(services: BotServices, symbol: str) -> str:
        quote = await services.market.price(symbol)  # 4xx for unknown symbols: allowed
        return str(quote.price)


    async def wrong_type(services: BotServices, symbol: str) -> str:
        quote = await services.market.price(symbol)
        return quote.price if symbol in services.default_symbols else str(quote.price)


    async def half_guarded(services: BotServices, symbol: str) -> str:
        try:
            await services.market.price(services.default_symbols[0])
        except MarketDataRequestError:
            return "?"
        return str((await services.market.price(symbol)).price)  # it handles 4xx: not here


    def not_the_storage(services: BotServices, chat_id: int) -> str:
        return str(services.storage.watchlist(chat_id)[0])  # IndexError for an empty list
"""


@dataclass(frozen=True)
class GeneratedRun:
    """The generated tests of the bot core and of commands that break their contract,
    run by one pytest (one start-up for both files)."""

    core: Path
    core_printed: str
    broken: Path
    result: subprocess.CompletedProcess[str]

    def outcomes(self, path: Path) -> dict[str, str]:
        """Each test of the generated file `path` with its outcome in pytest -rA's summary
        (a file that fails to import shows as one ERROR without a test name)."""
        found: dict[str, str] = {}
        for line in self.result.stdout.splitlines():
            outcome, _, rest = line.partition(" ")
            file, _, test = rest.split(" - ")[0].strip().partition("::")
            if outcome in {"PASSED", "FAILED", "ERROR"} and file.endswith(path.name):
                found[test] = outcome
        return found


@pytest.fixture(scope="module")
def generated_run(tmp_path_factory: pytest.TempPathFactory) -> GeneratedRun:
    folder = tmp_path_factory.mktemp("generated")
    core = folder / "test_core_properties.py"
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        generate(str(CORE.relative_to(ROOT)), core)
    subject = folder / "broken_commands.py"
    subject.write_text(textwrap.dedent(BROKEN_COMMANDS.replace("{package}", CORE.parent.name)))
    broken = folder / "test_broken_commands.py"
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.syspath_prepend(str(folder))
        generate(str(subject), broken)
    # pytest on the generated files with the project's configuration (fixtures need pytest);
    # rooted in their folder, the summary names each test by its file
    result = run_command(
        [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", "-c",
         str(ROOT / "pyproject.toml"), "--rootdir", str(folder), core.name, broken.name],
        cwd=folder, env={**os.environ, "PYTHONPATH": str(folder)}, timeout=600,
    )  # fmt: skip
    return GeneratedRun(core, printed.getvalue(), broken, result)


def test_the_bot_core_gets_a_real_test_per_command_built_from_the_projects_pieces(
    generated_run: GeneratedRun,
) -> None:
    text = generated_run.core.read_text()
    commands = public_functions(CORE)

    assert f"{len(commands)} property tests, 0 left out" in generated_run.core_printed
    assert sorted(generated_tests(load(generated_run.core))) == sorted(
        f"test_{name}" for name in commands
    )
    assert "pytest.mark.skip" not in text and "Left out" not in text
    assert "def services(" in text and "httpx.ASGITransport(app=app)" in text
    assert bodies_are_real(text)
    result = generated_run.result
    assert generated_run.outcomes(generated_run.core) == {
        f"test_{name}": "PASSED" for name in commands
    }, result.stdout + result.stderr


def test_tests_built_on_the_services_fail_when_a_command_breaks_its_contract(
    generated_run: GeneratedRun,
) -> None:
    result = generated_run.result
    assert result.returncode == 1, result.stdout + result.stderr  # 1: some tests failed
    assert generated_run.outcomes(generated_run.broken) == {
        "test_known_price": "PASSED",
        "test_wrong_type": "FAILED",
        "test_half_guarded": "FAILED",
        "test_not_the_storage": "FAILED",
    }, result.stdout


def test_help_names_the_projects_packages(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"], root=ROOT)
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    packages = sorted(path.parent.name for path in ROOT.glob("services/*/src/*/__init__.py"))
    assert f"this project's packages ({', '.join(packages)})" in text
    assert "<prefix>" not in text
    assert str(FORMATTING.relative_to(ROOT)) in text


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


def test_a_command_whose_helper_catches_a_refusal_for_itself_still_passes_refusals_on() -> None:
    """/chart's optional ATR helper catches market-data's 4xx for its own call; the candles
    it asks for first are not guarded, and `respond` turns that refusal into a reply, so the
    generated test of /chart allows it (it failed whenever Hypothesis drew an unknown
    well-formed symbol)."""
    core = importlib.import_module(f"{CORE.parent.name}.core")
    assert lets_through(core, core.chart)
