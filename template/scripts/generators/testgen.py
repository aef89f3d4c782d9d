"""Property-based tests for the public functions of a module, written as source.

For each function the generator draws every required argument from its type
annotation (Hypothesis strategies) and asserts what holds for any input:

- the result has the annotated return type;
- the function is deterministic (same arguments, equal result) when its result is
  a plain value;
- it raises no exception but those it raises itself (found in its body and in the
  module functions it calls); other exceptions fail the test;
- `normalize_*`/`canonical_*`/`clean_*`/`sort_*` functions are idempotent.

Where no property can be inferred (an argument type it cannot draw, no return
annotation, a function returning None) it writes a test marked skip with the
reason, for a person to finish. It never writes a test that cannot fail.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import collections.abc
import dataclasses
import datetime as dt
import enum
import importlib
import inspect
import re
import subprocess
import sys
import textwrap
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

CONSTANTS = {
    "INTEGERS": "st.integers(min_value=-20, max_value=20)",
    "FLOATS": "st.floats(min_value=-1e12, max_value=1e12, allow_nan=False)",
    "DECIMALS": (
        "st.decimals(min_value=-(10**12), max_value=10**12, allow_nan=False, allow_infinity=False)"
    ),
    "TEXT": "st.text(max_size=40)",
    "SIZES": "st.integers(min_value=0, max_value=20)",
}
IDEMPOTENT = re.compile(r"^(normali[sz]e|canonical|clean|sanitiz|sanitis|sort|dedupe|strip)")
_SEQUENCES = {
    list: "list",
    collections.abc.Sequence: "Sequence",
    collections.abc.MutableSequence: "MutableSequence",
    collections.abc.Iterable: "Iterable",
    collections.abc.Collection: "Collection",
}
_MAPPINGS = {dict: "dict", collections.abc.Mapping: "Mapping"}
_SETS = {set: "set", frozenset: "frozenset", collections.abc.Set: "Set"}


_V = "{value}"  # where a check expression puts the value it checks


class GenerationError(Exception):
    """A target that cannot be read (exit code 2); the message is one line."""


@dataclass
class Imports:
    """The imports a generated test module needs, by module."""

    names: dict[str, set[str]] = field(default_factory=dict)  # module -> names

    def add(self, module: str, name: str) -> str:
        """Import `name` from `module` and return the name to use."""
        self.names.setdefault(module, set()).add(name)
        return name

    def lines(self) -> list[str]:
        """The import statements, sorted."""
        return [
            f"from {module} import {', '.join(sorted(names))}"
            for module, names in sorted(self.names.items())
        ]


@dataclass(frozen=True)
class Rendered:
    """How the generated source spells a type: annotation, strategy, check."""

    annotation: str
    strategy: str | None  # None: no way to draw it
    check: str | None  # an expression with _V for the value; None: nothing to check
    comparable: bool  # == between two results is meaningful
    sequence: bool = False  # a list-like argument (drawn with a common length)
    element: str | None = None  # the element strategy of a sequence


class Renderer:
    """Turns a type hint into its annotation, a Hypothesis strategy and a type check."""

    def __init__(self, imports: Imports, constants: set[str]) -> None:
        self.imports = imports
        self.constants = constants
        self.depth = 0

    def constant(self, name: str) -> str:
        """Use (and later define) the module-level strategy constant `name`."""
        self.constants.add(name)
        return name

    def render(self, tp: Any) -> Rendered | None:
        """How to spell, draw and check a value of `tp`; None when the type is not supported."""
        if tp is None or tp is type(None):
            return Rendered("None", "st.none()", "{value} is None", True)
        simple = self.simple(tp)
        if simple is not None:
            return simple
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin in (typing.Union, types.UnionType):
            return self.union(args)
        if origin is typing.Literal:
            self.imports.add("typing", "Literal")
            values = ", ".join(repr(value) for value in args)
            return Rendered(
                f"Literal[{values}]", f"st.sampled_from([{values}])", f"{_V} in ({values},)", True
            )
        if origin in _SEQUENCES and len(args) == 1:
            return self.sequence(origin, args[0])
        if origin is tuple:
            return self.tuple_type(args)
        if origin in _MAPPINGS and len(args) == 2:
            return self.mapping(origin, args)
        if origin in _SETS and len(args) == 1:
            return self.set_type(origin, args[0])
        if isinstance(tp, type):
            return self.cls(tp)
        return None

    def simple(self, tp: Any) -> Rendered | None:
        """bool, int, float, str, bytes, Decimal, datetime, date, Any and object; else None."""
        if tp is bool:
            return Rendered("bool", "st.booleans()", "isinstance({value}, bool)", True)
        if tp is int:
            return Rendered("int", self.constant("INTEGERS"), "isinstance({value}, int)", True)
        if tp is float:  # an int is a valid float (PEP 484)
            return Rendered(
                "float", self.constant("FLOATS"), "isinstance({value}, int | float)", True
            )
        if tp is str:
            return Rendered("str", self.constant("TEXT"), "isinstance({value}, str)", True)
        if tp is bytes:
            return Rendered("bytes", "st.binary(max_size=40)", "isinstance({value}, bytes)", True)
        if tp is Decimal:
            self.imports.add("decimal", "Decimal")
            return Rendered(
                "Decimal", self.constant("DECIMALS"), "isinstance({value}, Decimal)", True
            )
        if tp is dt.datetime:
            self.imports.add("datetime", "datetime")
            self.imports.add("datetime", "UTC")
            return Rendered(
                "datetime",
                "st.datetimes(timezones=st.just(UTC))",
                "isinstance({value}, datetime)",
                True,
            )
        if tp is dt.date:
            self.imports.add("datetime", "date")
            return Rendered("date", "st.dates()", "isinstance({value}, date)", True)
        if tp is Any or tp is object:
            return Rendered("Any" if tp is Any else "object", None, None, False)
        return None

    def union(self, args: tuple[Any, ...]) -> Rendered | None:
        """`A | B`: drawn from either, checked against either; None if a member is unsupported."""
        parts = [self.render(arg) for arg in args]
        if any(part is None for part in parts):
            return None
        known = [part for part in parts if part is not None]
        strategies = [part.strategy for part in known]
        checks = [part.check for part in known]
        return Rendered(
            " | ".join(part.annotation for part in known),
            None if None in strategies else f"st.one_of({', '.join(map(str, strategies))})",
            None if None in checks else "(" + " or ".join(map(str, checks)) + ")",
            all(part.comparable for part in known),
        )

    def item(self) -> str:
        """A fresh loop variable name for a nested element check."""
        self.depth += 1
        return "item" if self.depth == 1 else f"item{self.depth}"

    def sequence(self, origin: Any, arg: Any) -> Rendered | None:
        """list, Sequence and Iterable of one element type."""
        element = self.render(arg)
        if element is None:
            return None
        name = _SEQUENCES[origin]
        if origin is not list:
            self.imports.add("collections.abc", name)
        strategy = (
            None if element.strategy is None else f"st.lists({element.strategy}, max_size=20)"
        )
        check = None
        if origin is list or origin is collections.abc.Sequence:
            kind = "list" if origin is list else "Sequence"
            check = f"isinstance({_V}, {kind})"
            if element.check is not None:
                var = self.item()
                check += f" and all({element.check.replace(_V, var)} for {var} in {_V})"
        return Rendered(
            f"{name}[{element.annotation}]",
            strategy,
            check,
            element.comparable and origin is not collections.abc.Iterable,
            sequence=origin is not collections.abc.Iterable,
            element=element.strategy,
        )

    def tuple_type(self, args: tuple[Any, ...]) -> Rendered | None:
        """`tuple[X, ...]` and fixed-length tuples."""
        if len(args) == 2 and args[1] is Ellipsis:
            element = self.render(args[0])
            if element is None:
                return None
            strategy = (
                None
                if element.strategy is None
                else f"st.lists({element.strategy}, max_size=20).map(tuple)"
            )
            return Rendered(
                f"tuple[{element.annotation}, ...]",
                strategy,
                "isinstance({value}, tuple)",
                element.comparable,
            )
        parts = [self.render(arg) for arg in args]
        if not parts or any(part is None for part in parts):
            return None
        known = [part for part in parts if part is not None]
        strategies = [part.strategy for part in known]
        return Rendered(
            f"tuple[{', '.join(part.annotation for part in known)}]",
            None if None in strategies else f"st.tuples({', '.join(map(str, strategies))})",
            f"isinstance({_V}, tuple) and len({_V}) == {len(known)}",
            all(part.comparable for part in known),
        )

    def mapping(self, origin: Any, args: tuple[Any, ...]) -> Rendered | None:
        """dict and Mapping with supported key and value types."""
        key, value = self.render(args[0]), self.render(args[1])
        if key is None or value is None:
            return None
        name = _MAPPINGS[origin]
        if origin is not dict:
            self.imports.add("collections.abc", name)
        strategy = (
            None
            if key.strategy is None or value.strategy is None
            else f"st.dictionaries({key.strategy}, {value.strategy}, max_size=10)"
        )
        return Rendered(
            f"{name}[{key.annotation}, {value.annotation}]",
            strategy,
            f"isinstance({_V}, {name})",
            key.comparable and value.comparable,
        )

    def set_type(self, origin: Any, arg: Any) -> Rendered | None:
        """set, frozenset and Set of one element type."""
        element = self.render(arg)
        if element is None:
            return None
        name = _SETS[origin]
        if origin is collections.abc.Set:
            self.imports.add("collections.abc", "Set")
        draw = "st.frozensets" if origin is frozenset else "st.sets"
        return Rendered(
            f"{name}[{element.annotation}]",
            None if element.strategy is None else f"{draw}({element.strategy}, max_size=10)",
            f"isinstance({_V}, {name})",
            element.comparable,
        )

    def cls(self, tp: type) -> Rendered | None:
        """A class: enums are sampled, dataclasses built, other classes only checked."""
        module = getattr(tp, "__module__", "")
        name = tp.__qualname__
        if "." in name or "<" in name or module in ("", "__main__"):
            return None
        if module != "builtins":
            self.imports.add(module, name)
        if issubclass(tp, enum.Enum):
            return Rendered(name, f"st.sampled_from({name})", f"isinstance({_V}, {name})", True)
        if issubclass(tp, BaseException):
            return Rendered(name, None, f"isinstance({_V}, {name})", False)
        strategy = self.builds(tp) if dataclasses.is_dataclass(tp) else None
        comparable = dataclasses.is_dataclass(tp) and tp.__dataclass_params__.eq  # type: ignore[attr-defined]
        return Rendered(name, strategy, f"isinstance({_V}, {name})", bool(comparable))

    def builds(self, tp: type) -> str | None:
        """`st.builds(...)` for a dataclass's required fields; None if one cannot be drawn."""
        try:
            hints = typing.get_type_hints(tp)
        except Exception:  # unresolvable annotations: no strategy, the test is skipped
            return None
        arguments = []
        for item in dataclasses.fields(tp):
            if not item.init:
                continue
            if (
                item.default is not dataclasses.MISSING
                or item.default_factory is not dataclasses.MISSING
            ):
                continue
            rendered = self.render(hints.get(item.name))
            if rendered is None or rendered.strategy is None:
                return None
            arguments.append(f"{item.name}={rendered.strategy}")
        return f"st.builds({tp.__qualname__}{''.join(', ' + arg for arg in arguments)})"


# ------------------------------------------------------------------ analysis


def raised_exceptions(module: types.ModuleType, function: Callable[..., Any]) -> list[type]:
    """Exception classes the function raises itself, directly or through module functions."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(module)))
    except (OSError, TypeError, SyntaxError):
        return []
    functions = {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    seen: set[str] = set()
    names: list[str] = []

    def visit(name: str) -> None:
        if name in seen or name not in functions:
            return
        seen.add(name)
        for node in ast.walk(functions[name]):
            if isinstance(node, ast.Raise) and node.exc is not None:
                target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                if isinstance(target, ast.Name) and target.id not in names:
                    names.append(target.id)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                visit(node.func.id)

    visit(function.__name__)
    classes = []
    for name in names:
        found = getattr(module, name, None) or getattr(builtins, name, None)
        if isinstance(found, type) and issubclass(found, Exception):
            classes.append(found)
    # Keep the most general: NotEnoughCandlesError(ValueError) is covered by ValueError.
    return [
        cls
        for cls in classes
        if not any(other is not cls and issubclass(cls, other) for other in classes)
    ]


@dataclass
class Plan:
    """The generated test of one function."""

    name: str
    source: str
    skipped: str | None = None  # the reason, when the test is skipped


def _public_functions(module: types.ModuleType) -> list[Callable[..., Any]]:
    functions = [
        value
        for name, value in vars(module).items()
        if inspect.isfunction(value)
        and value.__module__ == module.__name__
        and not name.startswith("_")
    ]
    return sorted(functions, key=lambda function: function.__code__.co_firstlineno)


def _skip(function: Callable[..., Any], reason: str, what: str) -> Plan:
    name = function.__name__
    source = (
        f"@pytest.mark.skip(reason={f'{name}: {reason}'!r})\n"
        f"def test_{name}() -> None:\n"
        f'    """Write this one by hand: {what}"""\n'
    )
    return Plan(name, source, skipped=reason)


def plan_function(
    module: types.ModuleType, function: Callable[..., Any], imports: Imports, constants: set[str]
) -> Plan:
    """The property test of one function, or a skipped test saying what to write by hand."""
    name = function.__name__
    try:
        hints = typing.get_type_hints(function)
        signature = inspect.signature(function)
    except Exception as error:  # annotations that do not resolve at runtime
        return _skip(function, f"its annotations do not resolve ({error})", "draw its inputs.")
    renderer = Renderer(Imports(), set())
    parameters = []
    for parameter in signature.parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.default is not parameter.empty:
            continue  # optional arguments keep their defaults
        if parameter.name not in hints:
            return _skip(
                function,
                f"argument {parameter.name!r} has no annotation",
                "draw inputs for it and assert a property.",
            )
        rendered = renderer.render(hints[parameter.name])
        if rendered is None or rendered.strategy is None:
            return _skip(
                function,
                f"no strategy for argument {parameter.name!r} "
                f"({_type_name(hints[parameter.name])})",
                "build its inputs (st.builds, fixtures) and assert a property.",
            )
        parameters.append((parameter, rendered))
    if "return" not in hints:
        return _skip(
            function, "no return annotation, so no property to check", "assert on its result."
        )
    returned = Renderer(renderer.imports, set()).render(hints["return"])
    if hints["return"] is None or hints["return"] is type(None):
        return _skip(
            function,
            "it returns None: its effect is not a value",
            "check its effect (files, state, calls).",
        )
    check = returned.check if returned is not None else None
    comparable = returned is not None and returned.comparable
    idempotent = (
        IDEMPOTENT.match(name) is not None
        and len(parameters) == 1
        and returned is not None
        and returned.annotation == parameters[0][1].annotation
    )
    if check is None and not comparable and not idempotent:
        return _skip(
            function,
            f"nothing to assert about a {_type_name(hints['return'])} result",
            "assert what its result must satisfy.",
        )
    for module_name, names in renderer.imports.names.items():
        for imported in names:
            imports.add(module_name, imported)
    constants |= renderer.constants
    if sum(1 for _, rendered in parameters if rendered.sequence) >= 2:
        constants.add("SIZES")
    exceptions = raised_exceptions(module, function)
    for exception in exceptions:
        if exception.__module__ != "builtins":
            imports.add(exception.__module__, exception.__qualname__)
    imports.add(module.__name__, name)
    return Plan(name, _test_source(function, parameters, check, comparable, idempotent, exceptions))


def _type_name(tp: Any) -> str:
    return tp.__qualname__ if isinstance(tp, type) else str(tp).replace("typing.", "")


def _test_source(
    function: Callable[..., Any],
    parameters: list[tuple[inspect.Parameter, Rendered]],
    check: str | None,
    comparable: bool,
    idempotent: bool,
    exceptions: list[type],
) -> str:
    name = function.__name__
    sequences = [(p, r) for p, r in parameters if r.sequence]
    grouped = len(sequences) >= 2  # parallel columns: one common length
    given: list[str] = []
    signature: list[str] = []
    body: list[str] = []
    if grouped:
        columns = ", ".join(
            f"st.lists({r.element}, min_size=size, max_size=size)" for _, r in sequences
        )
        given.append(f"columns=SIZES.flatmap(lambda size: st.tuples({columns}))")
        annotations = ", ".join(r.annotation for _, r in sequences)
        signature.append(f"columns: tuple[{annotations}]")
        body.append(f"{', '.join(p.name for p, _ in sequences)} = columns")
    for parameter, rendered in parameters:
        if grouped and rendered.sequence:
            continue
        given.append(f"{parameter.name}={rendered.strategy}")
        signature.append(f"{parameter.name}: {rendered.annotation}")
    call_args = ", ".join(
        p.name if p.kind is not p.KEYWORD_ONLY else f"{p.name}={p.name}" for p, _ in parameters
    )
    call = f"{name}({call_args})"
    if inspect.iscoroutinefunction(function):
        call = f"asyncio.run({call})"
    if exceptions:
        caught = ", ".join(cls.__qualname__ for cls in exceptions)
        caught = f"({caught})" if len(exceptions) > 1 else caught
        body += [
            "try:",
            f"    result = {call}",
            f"except {caught}:",
            f"    return  # {name} raises this itself for some inputs",
        ]
    else:
        body.append(f"result = {call}")
    if check is not None:
        body.append("assert " + check.replace(_V, "result"))
    if comparable:
        body.append(f"assert {call} == result")
    if idempotent:
        again = f"{name}(result)"
        if inspect.iscoroutinefunction(function):
            again = f"asyncio.run({again})"
        body.append(f"assert {again} == result")
    decorator = f"@given({', '.join(given)})\n" if given else ""
    header = f"def test_{name}({', '.join(signature)}) -> None:\n"
    return decorator + header + "".join(f"    {line}\n" for line in body)


# ------------------------------------------------------------------ targets


def module_name_for(path: Path) -> tuple[str, Path]:
    """The dotted module of a .py file and the folder to import it from."""
    path = path.resolve()
    parts = [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts), folder


def load_target(target: str, root: Path) -> tuple[types.ModuleType, str | None]:
    """`path/to/module.py`, `package.module`, either with `:function`."""
    spec, _, function = target.partition(":")
    if spec.endswith(".py") or "/" in spec:
        path = Path(spec) if Path(spec).is_absolute() else root / spec
        if not path.is_file():
            raise GenerationError(f"{spec}: no such file")
        name, folder = module_name_for(path)
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
    else:
        name = spec
    if not re.fullmatch(r"[A-Za-z_][\w]*(\.[A-Za-z_]\w*)*", name):
        raise GenerationError(f"{target}: not a module path or dotted module name")
    try:
        module = importlib.import_module(name)
    except Exception as error:  # any import failure is reported in one line
        raise GenerationError(f"cannot import {name}: {type(error).__name__}: {error}") from None
    if function and not inspect.isfunction(getattr(module, function, None)):
        raise GenerationError(f"{name} has no function {function!r}")
    return module, function or None


def generate(module: types.ModuleType, only: str | None = None) -> tuple[str, list[Plan]]:
    """The test module's source, and one plan per function."""
    functions = [
        function
        for function in _public_functions(module)
        if only is None or function.__name__ == only
    ]
    if not functions:
        raise GenerationError(f"{module.__name__} has no public functions to test")
    imports, constants = Imports(), set[str]()
    plans = [plan_function(module, function, imports, constants) for function in functions]
    inferred = [plan for plan in plans if plan.skipped is None]
    stdlib = ["import asyncio"] if any("asyncio.run(" in plan.source for plan in inferred) else []
    stdlib += [line for line in imports.lines() if line.split()[1] in _STDLIB]
    third_party = ["import pytest"] if len(inferred) < len(plans) else []
    drawn = any(plan.source.startswith("@given") for plan in inferred)
    if drawn:
        third_party += ["from hypothesis import given", "from hypothesis import strategies as st"]
    lines = [
        f'"""Property-based tests of {module.__name__} ({len(inferred)} of {len(plans)} inferred).',
        "",
        "Written by scripts/generators/generate-tests.py: each test draws the arguments",
        "from the annotations and checks that the result has the annotated type, that the",
        "function is deterministic, and that it raises nothing but the exceptions it raises",
        "itself. Numbers are finite and bounded, integers small (see the strategies below):",
        "widen them if your domain needs it. Skipped tests say what to write by hand.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        *stdlib,
        "",
        *third_party,
        "",
        *[line for line in imports.lines() if line.split()[1] not in _STDLIB],
        "",
    ]
    if not drawn:
        constants.clear()
    for constant in sorted(constants):
        lines.append(f"{constant} = {CONSTANTS[constant]}")
    source = "\n".join(lines) + "\n\n" + "\n\n".join(plan.source for plan in plans)
    return source, plans


_STDLIB = {"collections.abc", "datetime", "decimal", "enum", "typing"}


def tidy(path: Path, root: Path) -> None:
    """Sort the imports and format the file with the project's ruff, when it is installed."""
    config = (
        ["--config", str(root / "pyproject.toml")] if (root / "pyproject.toml").is_file() else []
    )
    for command in (
        ["check", "--fix-only", "--quiet", "--select", "I,F401", *config, str(path)],
        ["format", "--quiet", *config, str(path)],
    ):
        try:
            subprocess.run(
                [sys.executable, "-m", "ruff", *command],
                capture_output=True,
                check=False,
                timeout=60,
            )
        except (OSError, subprocess.SubprocessError):
            return


def main(argv: list[str] | None = None, root: Path | None = None) -> int:
    """The `generate-tests` command; returns its exit code."""
    root = root or Path.cwd()
    parser = argparse.ArgumentParser(
        prog="generate-tests.py",
        description=(
            "Write property-based tests (Hypothesis) for the public functions of a module: "
            "each asserts the annotated return type, determinism and the exceptions the "
            "function raises itself; functions without an inferable property get a skipped "
            "test that says what to write."
        ),
        epilog=(
            "TARGET is a file (services/telegram-bot/src/<prefix>_telegram_bot/formatting.py) "
            "or a module (<prefix>_market_data.atr), optionally with :function. "
            "Exit codes: 0 written, 2 bad target or the output exists (use --force)."
        ),
    )
    parser.add_argument("target", help="module file or dotted module, optionally :function")
    parser.add_argument(
        "-o",
        "--output",
        help="where to write (default tests/unit/test_<module>_properties.py; - for stdout)",
    )
    parser.add_argument("--force", action="store_true", help="overwrite an existing output file")
    args = parser.parse_args(argv)
    try:
        module, only = load_target(args.target, root)
        source, plans = generate(module, only)
    except GenerationError as error:
        print(f"generate-tests: {error}", file=sys.stderr)
        return 2
    if args.output == "-":
        print(source, end="")
        return 0
    stem = module.__name__.rsplit(".", 1)[-1]
    output = (
        Path(args.output) if args.output else root / "tests" / "unit" / f"test_{stem}_properties.py"
    )
    if output.exists() and not args.force:
        print(f"generate-tests: {output} exists: pass --force to overwrite it", file=sys.stderr)
        return 2
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(source, encoding="utf-8")
    tidy(output, root)
    skipped = [plan for plan in plans if plan.skipped]
    print(f"wrote {output}: {len(plans) - len(skipped)} property tests, {len(skipped)} skipped")
    for plan in skipped:
        print(f"  skipped {plan.name}: {plan.skipped}")
    return 0
