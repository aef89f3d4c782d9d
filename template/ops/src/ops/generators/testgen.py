"""Property-based tests for the public functions of a module, written as source.

For each function the generator draws every required argument from its type
annotation (Hypothesis strategies) and asserts what holds for any input:

- the result has the annotated return type;
- the function is deterministic (same arguments, equal result) when its result is
  a plain value;
- it raises no exception but those it raises itself (found in its body and in the
  functions of its package it calls); other exceptions fail the test;
- `normalize_*`/`canonical_*`/`clean_*`/`sort_*` functions are idempotent.

An argument it cannot draw but the project can build offline (the bot's
`BotServices`: market-data in process on its sample provider, SQLite, default
flags) comes from a module-scoped fixture written into the test module; such a
test checks the type and the exceptions, not determinism (the services hold
state). Where no property can be inferred (an argument it can neither draw nor
build, no return annotation, a function returning None) the function is left
out, with one line saying why in the output and in the test module. It never
writes a test that cannot fail, nor a placeholder. The project's ruff sorts the
imports, drops the unused ones and formats the result.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import collections.abc
import dataclasses
import enum
import importlib
import inspect
import re
import sys
import textwrap
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from string import Template
from typing import Any

from ops.cli import EXIT_OK, EXIT_USAGE, OneLineParser, output

# The strategies of plain numbers and text: finite, bounded, small.
CONSTANTS = {
    "INTEGERS": "st.integers(min_value=-20, max_value=20)",
    "FLOATS": "st.floats(min_value=-1e12, max_value=1e12, allow_nan=False)",
    "DECIMALS": (
        "st.decimals(min_value=-(10**12), max_value=10**12, allow_nan=False, allow_infinity=False)"
    ),
    "TEXT": "st.text(max_size=40)",
    "SIZES": "st.integers(min_value=0, max_value=20)",
}
# type -> (annotation, strategy, the class a result must be an instance of)
SCALARS: dict[Any, tuple[str, str, str]] = {
    bool: ("bool", "st.booleans()", "bool"),
    int: ("int", "INTEGERS", "int"),
    float: ("float", "FLOATS", "int | float"),  # an int is a valid float (PEP 484)
    str: ("str", "TEXT", "str"),
    Decimal: ("Decimal", "DECIMALS", "Decimal"),
}
IDEMPOTENT = re.compile(r"^(normali[sz]e|canonical|clean|sanitiz|sanitis|sort|dedupe|strip)")
# Sequences drawn as lists: their name, and whether the result is checked against it.
SEQUENCES = {
    list: ("list", True),
    collections.abc.Sequence: ("Sequence", True),
    collections.abc.Iterable: ("Iterable", False),
}
MAPPINGS = {dict: "dict", collections.abc.Mapping: "Mapping"}
HEADER = """\
from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
"""
_V = "{value}"  # where a check expression puts the value it checks
Imports = set[tuple[str, str]]  # (module, name)


class GenerationError(Exception):
    """A target that cannot be read or has nothing to test (exit code 2)."""


@dataclass(frozen=True)
class Rendered:
    """How the generated source spells a type: annotation, strategy, check."""

    annotation: str
    strategy: str | None  # None: no way to draw it
    check: str | None  # an expression with _V for the value; None: nothing to check
    comparable: bool  # == between two results is meaningful
    element: str | None = None  # a list-like argument's element strategy (common lengths)
    fixture: str | None = None  # the fixture that builds it, when it is not drawn


class Renderer:
    """Turns a type hint into its annotation, a Hypothesis strategy and a type check."""

    def __init__(self, imports: Imports) -> None:
        self.imports = imports
        self.depth = 0

    def name(self, module: str, name: str) -> str:
        """Import `name` from `module` (not from builtins) and return it."""
        if module != "builtins":
            self.imports.add((module, name))
        return name

    def render(self, tp: Any) -> Rendered | None:
        """How to spell, draw and check a value of `tp`; None when the type is not supported."""
        if tp is None or tp is type(None):
            return Rendered("None", "st.none()", f"{_V} is None", True)
        if tp in SCALARS:
            annotation, strategy, kind = SCALARS[tp]
            if tp is Decimal:
                self.name("decimal", "Decimal")
            return Rendered(annotation, strategy, f"isinstance({_V}, {kind})", True)
        if tp is Any or tp is object:
            return Rendered(
                self.name("typing", "Any") if tp is Any else "object", None, None, False
            )
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin in (typing.Union, types.UnionType):
            return self.union([self.render(arg) for arg in args])
        if origin is typing.Literal:
            values = ", ".join(map(repr, args))
            literal = f"{self.name('typing', 'Literal')}[{values}]"
            return Rendered(literal, f"st.sampled_from([{values}])", f"{_V} in ({values},)", True)
        if origin in SEQUENCES and len(args) == 1:
            return self.sequence(origin, args[0])
        if origin is tuple:
            return self.tuple_type(args)
        if origin in MAPPINGS and len(args) == 2:
            return self.mapping(origin, args)
        return self.cls(tp) if isinstance(tp, type) else None

    def union(self, parts: list[Rendered | None]) -> Rendered | None:
        """`A | B`: drawn from either, checked against either; None if a member is unsupported."""
        known = [part for part in parts if part is not None]
        if len(known) < len(parts):
            return None
        strategies = [part.strategy for part in known]
        checks = [part.check for part in known]
        return Rendered(
            " | ".join(part.annotation for part in known),
            None if None in strategies else f"st.one_of({', '.join(map(str, strategies))})",
            None if None in checks else "(" + " or ".join(map(str, checks)) + ")",
            all(part.comparable for part in known),
        )

    def sequence(self, origin: Any, arg: Any) -> Rendered | None:
        """list, Sequence and Iterable of one element type."""
        element = self.render(arg)
        if element is None:
            return None
        name, checked = SEQUENCES[origin]
        if origin is not list:
            self.name("collections.abc", name)
        check = None
        if checked:
            check = f"isinstance({_V}, {name})"
            if element.check is not None:
                self.depth += 1
                item = "item" if self.depth == 1 else f"item{self.depth}"
                check += f" and all({element.check.replace(_V, item)} for {item} in {_V})"
        return Rendered(
            f"{name}[{element.annotation}]",
            None if element.strategy is None else f"st.lists({element.strategy}, max_size=20)",
            check,
            element.comparable and checked,
            element=element.strategy if checked else None,
        )

    def tuple_type(self, args: tuple[Any, ...]) -> Rendered | None:
        """`tuple[X, ...]` and fixed-length tuples."""
        if len(args) == 2 and args[1] is Ellipsis:
            element = self.render(args[0])
            if element is None:
                return None
            draw = element.strategy and f"st.lists({element.strategy}, max_size=20).map(tuple)"
            check = f"isinstance({_V}, tuple)"
            return Rendered(f"tuple[{element.annotation}, ...]", draw, check, element.comparable)
        parts = [self.render(arg) for arg in args]
        known = [part for part in parts if part is not None]
        if not parts or len(known) < len(parts):
            return None
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
        name = MAPPINGS[origin] if origin is dict else self.name("collections.abc", "Mapping")
        strategy = None
        if key.strategy is not None and value.strategy is not None:
            strategy = f"st.dictionaries({key.strategy}, {value.strategy}, max_size=10)"
        return Rendered(
            f"{name}[{key.annotation}, {value.annotation}]",
            strategy,
            f"isinstance({_V}, {name})",
            key.comparable and value.comparable,
        )

    def cls(self, tp: type) -> Rendered | None:
        """A class: enums are sampled, dataclasses built, other classes only checked."""
        module, name = getattr(tp, "__module__", ""), tp.__qualname__
        if "." in name or "<" in name or module in ("", "__main__"):
            return None
        self.name(module, name)
        check = f"isinstance({_V}, {name})"
        if issubclass(tp, enum.Enum):
            return Rendered(name, f"st.sampled_from({name})", check, True)
        if not dataclasses.is_dataclass(tp):
            return Rendered(name, None, check, False)
        comparable = bool(tp.__dataclass_params__.eq)  # type: ignore[attr-defined]
        return Rendered(name, self.builds(tp), check, comparable)

    def builds(self, tp: type) -> str | None:
        """`st.builds(...)` for a dataclass's required fields; None if one cannot be drawn."""
        try:
            hints = typing.get_type_hints(tp)
        except Exception:  # unresolvable annotations: no strategy, the function is left out
            return None
        arguments = []
        for item in dataclasses.fields(tp):
            missing = dataclasses.MISSING
            if not item.init or item.default is not missing or item.default_factory is not missing:
                continue
            rendered = self.render(hints.get(item.name))
            if rendered is None or rendered.strategy is None:
                return None
            arguments.append(f", {item.name}={rendered.strategy}")
        return f"st.builds({tp.__qualname__}{''.join(arguments)})"


# ------------------------------------------------------------------ analysis


def _functions(module: types.ModuleType) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    """The module-level functions of `module`'s source, by name."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(module)))
    except (OSError, TypeError, SyntaxError):
        return {}
    return {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def reached(
    module: types.ModuleType, function: Callable[..., Any]
) -> list[tuple[types.ModuleType, ast.AST]]:
    """The syntax nodes (with the module they are in) of the function and of the functions
    it calls by name, transitively: its module's, and those it imports from its package."""
    package = module.__name__.split(".")[0]
    sources: dict[str, dict[str, ast.FunctionDef | ast.AsyncFunctionDef]] = {}
    nodes: list[tuple[types.ModuleType, ast.AST]] = []
    seen: set[tuple[str, str]] = set()

    def visit(called: object) -> None:
        home = sys.modules.get(getattr(called, "__module__", None) or "")
        name = getattr(called, "__name__", "")
        if home is None or home.__name__.split(".")[0] != package or (home.__name__, name) in seen:
            return
        seen.add((home.__name__, name))
        if home.__name__ not in sources:
            sources[home.__name__] = _functions(home)
        if name not in sources[home.__name__]:
            return
        for node in ast.walk(sources[home.__name__][name]):
            nodes.append((home, node))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                visit(getattr(home, node.func.id, None))

    visit(function)
    return nodes


def raised_exceptions(module: types.ModuleType, function: Callable[..., Any]) -> list[type]:
    """Exception classes the function raises itself, directly or through the functions of
    its package that it calls."""
    found: list[object] = []
    for home, node in reached(module, function):
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(target, ast.Name):
                found.append(getattr(home, target.id, None) or getattr(builtins, target.id, None))
    classes = [cls for cls in dict.fromkeys(found) if isinstance(cls, type)]
    classes = [cls for cls in classes if issubclass(cls, Exception)]
    # Keep the most general: NotEnoughCandlesError(ValueError) is covered by ValueError.
    return [cls for cls in classes if not any(o is not cls and issubclass(cls, o) for o in classes)]


def lets_through(module: types.ModuleType, function: Callable[..., Any]) -> bool:
    """Whether MarketDataRequestError can escape `function`: it calls through
    `services.market` (itself or in what it calls) and its own body catches none of it.
    A helper that catches it for its own call (an optional ATR) does not make the
    function one that handles market-data's refusals."""
    nodes = [node for _, node in reached(module, function)]
    if not any(isinstance(node, ast.Attribute) and node.attr == "market" for node in nodes):
        return False
    home = sys.modules.get(function.__module__, module)
    own = _functions(home).get(function.__name__)
    caught = {
        name.id
        for node in (ast.walk(own) if own is not None else nodes)
        if isinstance(node, ast.ExceptHandler) and node.type is not None
        for name in ast.walk(node.type)
        if isinstance(name, ast.Name)
    }
    return "MarketDataRequestError" not in caught


# The bot's BotServices cannot be drawn: a module-scoped fixture builds it from the
# project's offline pieces (bot_services.py.txt, ${prefix} the project's package prefix),
# and the tests that take it draw their other arguments from its world (what the bot's
# parser hands to the commands). market-data refuses unknown symbols and bad periods
# (4xx): `respond` turns that into a usage reply, the commands it calls let it through.
SERVICES_FIXTURE = Template((Path(__file__).parent / "bot_services.py.txt").read_text())
SERVICES_ARGUMENTS = {
    "symbol": "SYMBOLS",
    "symbols": "st.lists(SYMBOLS, max_size=4)",
    "period": "PERIODS",
    "target": "PRICES",
    "command": "COMMANDS",
}


def bot_prefix(tp: Any) -> str | None:
    """The project's package prefix when `tp` is the bot's BotServices; None otherwise."""
    package = getattr(tp, "__module__", "").split(".")[0]
    if getattr(tp, "__qualname__", "") != "BotServices" or not package.endswith("_telegram_bot"):
        return None
    return package.removesuffix("_telegram_bot")


@dataclass
class Plan:
    """The generated test of one function, or why the function is left out."""

    name: str
    source: str = ""
    left_out: str | None = None  # the reason, when there is no test
    prefix: str | None = None  # the test takes the `services` fixture (of this package prefix)


def _type_name(tp: Any) -> str:
    if isinstance(tp, type):
        return tp.__qualname__
    origin = typing.get_origin(tp)
    if isinstance(origin, type) and origin.__module__ != "builtins":
        return f"{origin.__qualname__}[...]"
    return str(tp).replace("typing.", "")


def plan_function(module: types.ModuleType, function: Callable[..., Any], imports: Imports) -> Plan:
    """The property test of one function, or the reason it is left out."""
    name = function.__name__
    try:
        hints = typing.get_type_hints(function)
        signature = inspect.signature(function)
    except Exception as error:  # annotations that do not resolve at runtime
        return Plan(name, left_out=f"its annotations do not resolve ({error})")
    renderer = Renderer(imports)
    parameters: list[tuple[inspect.Parameter, Rendered]] = []
    built: str | None = None  # the package prefix of the BotServices argument
    for parameter in signature.parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.default is not parameter.empty:
            continue  # optional arguments keep their defaults
        if parameter.name not in hints:
            return Plan(name, left_out=f"argument {parameter.name!r} has no annotation")
        rendered = renderer.render(hints[parameter.name])
        prefix = bot_prefix(hints[parameter.name])
        if rendered is not None and rendered.strategy is None and prefix is not None:
            built = prefix
            rendered = dataclasses.replace(rendered, fixture="services")
        if rendered is None or (rendered.strategy is None and rendered.fixture is None):
            what = f"{parameter.name!r} ({_type_name(hints[parameter.name])})"
            return Plan(name, left_out=f"cannot draw or build argument {what}")
        parameters.append((parameter, rendered))
    if built is not None:
        parameters = [
            (p, dataclasses.replace(r, strategy=SERVICES_ARGUMENTS.get(p.name, r.strategy)))
            for p, r in parameters
        ]
    if "return" not in hints:
        return Plan(name, left_out="no return annotation, so no property to check")
    if hints["return"] is None or hints["return"] is type(None):
        return Plan(name, left_out="it returns None: its effect is not a value to check")
    renderer.depth = 0  # the check's loop variables start again at `item`
    returned = renderer.render(hints["return"])
    check = returned.check if returned is not None else None
    comparable = returned is not None and returned.comparable and built is None
    idempotent = (
        IDEMPOTENT.match(name) is not None
        and len(parameters) == 1
        and returned is not None
        and returned.annotation == parameters[0][1].annotation
    )
    if check is None and not comparable and not idempotent:
        return Plan(
            name, left_out=f"nothing to assert about a {_type_name(hints['return'])} result"
        )
    exceptions = [(cls.__module__, cls.__qualname__) for cls in raised_exceptions(module, function)]
    if built is not None and lets_through(module, function):
        exceptions.append((f"{built}_telegram_bot.client", "MarketDataRequestError"))
    caught = [renderer.name(*exception) for exception in dict.fromkeys(exceptions)]
    renderer.name(module.__name__, name)
    source = _test_source(function, parameters, check, comparable, idempotent, caught)
    return Plan(name, source, prefix=built)


def _test_source(
    function: Callable[..., Any],
    parameters: list[tuple[inspect.Parameter, Rendered]],
    check: str | None,
    comparable: bool,
    idempotent: bool,
    exceptions: list[str],
) -> str:
    name = function.__name__
    sequences = [(p, r) for p, r in parameters if r.element is not None and r.fixture is None]
    grouped = {p.name for p, _ in sequences} if len(sequences) >= 2 else set()
    given: list[str] = []
    signature: list[str] = []
    body: list[str] = []
    if grouped:
        columns = ", ".join(
            f"st.lists({r.element}, min_size=size, max_size=size)" for _, r in sequences
        )
        given.append(f"columns=SIZES.flatmap(lambda size: st.tuples({columns}))")
        signature.append(f"columns: tuple[{', '.join(r.annotation for _, r in sequences)}]")
        body.append(f"{', '.join(p.name for p, _ in sequences)} = columns")
    for parameter, rendered in parameters:
        if rendered.fixture is not None:
            signature.insert(0, f"{rendered.fixture}: {rendered.annotation}")
        elif parameter.name not in grouped:  # parallel columns have one common length
            given.append(f"{parameter.name}={rendered.strategy}")
            signature.append(f"{parameter.name}: {rendered.annotation}")

    def call(*values: str) -> str:
        text = f"{name}({', '.join(values)})"
        return f"asyncio.run({text})" if inspect.iscoroutinefunction(function) else text

    arguments = [
        (r.fixture or p.name) if p.kind is not p.KEYWORD_ONLY else f"{p.name}={r.fixture or p.name}"
        for p, r in parameters
    ]
    if exceptions:
        caught = ", ".join(exceptions)
        body += [
            "try:",
            f"    result = {call(*arguments)}",
            f"except {f'({caught})' if len(exceptions) > 1 else caught}:",
            f"    return  # {name} refuses some inputs with this",
        ]
    else:
        body.append(f"result = {call(*arguments)}")
    if check is not None:
        body.append("assert " + check.replace(_V, "result"))
    if comparable:
        body.append(f"assert {call(*arguments)} == result")
    if idempotent:
        body.append(f"assert {call('result')} == result")
    decorator = f"@given({', '.join(given)})\n" if given else ""
    if given and any(rendered.fixture for _, rendered in parameters):
        # Each example goes through SQLite and HTTP in process: fewer, with no deadline.
        decorator = "@settings(deadline=None, max_examples=20)\n" + decorator
    header = f"def test_{name}({', '.join(signature)}) -> None:\n"
    return decorator + header + "".join(f"    {line}\n" for line in body)


# ------------------------------------------------------------------ targets


def load_target(target: str, root: Path) -> tuple[types.ModuleType, str | None]:
    """`path/to/module.py`, `package.module`, either with `:function`."""
    spec, _, function = target.partition(":")
    name = spec
    if spec.endswith(".py") or "/" in spec:
        path = Path(spec) if Path(spec).is_absolute() else root / spec
        if not path.is_file():
            raise GenerationError(f"{spec}: no such file")
        path, parts = path.resolve(), [path.stem]
        while (path.parent / "__init__.py").is_file():  # the package the module is in
            path = path.parent
            parts.insert(0, path.name)
        name = ".".join(parts)
    if not re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", name):
        raise GenerationError(f"{target}: not a module path or dotted module name")
    try:
        module = importlib.import_module(name)
    except Exception as error:  # any import failure is reported in one line
        raise GenerationError(
            f"cannot import {name}: {type(error).__name__}: {error} "
            "(the module must be in a workspace package that uv sync installs)"
        ) from None
    if function and not inspect.isfunction(getattr(module, function, None)):
        raise GenerationError(f"{name} has no function {function!r}")
    return module, function or None


def generate(module: types.ModuleType, only: str | None = None) -> tuple[str, list[Plan]]:
    """The test module's source (imports unsorted: tidy() sorts them), one plan per function."""
    functions = sorted(
        (
            value
            for key, value in vars(module).items()
            if inspect.isfunction(value)
            and value.__module__ == module.__name__
            and not key.startswith("_")
            and only in (None, key)
        ),
        key=lambda function: function.__code__.co_firstlineno,
    )
    if not functions:
        raise GenerationError(f"{module.__name__} has no public functions to test")
    imports: Imports = set()
    plans = [plan_function(module, function, imports) for function in functions]
    tests = [plan for plan in plans if plan.left_out is None]
    left_out = [plan for plan in plans if plan.left_out is not None]
    if not tests:
        reasons = "".join(f"\n  left out {plan.name}: {plan.left_out}" for plan in left_out)
        raise GenerationError(f"{module.__name__}: no function to test{reasons}")
    prefix = next((plan.prefix for plan in tests if plan.prefix is not None), None)
    body = "\n\n".join(plan.source for plan in tests)
    lines = [
        f'"""Property-based tests of {len(tests)} of {len(plans)} functions of a module:',
        f"{module.__name__}.",
        "",
        "Written by scripts/generators/generate-tests.py: each test draws the arguments",
        "from the annotations and checks that the result has the annotated type, that the",
        "function is deterministic, and that it raises nothing but the exceptions it raises",
        "itself. Numbers are finite and bounded, integers small (see the strategies below):",
        "widen them if your domain needs it.",
    ]
    if prefix is not None:
        lines += [
            "",
            "Tests taking `services` get it from the fixture below, built from the project's",
            "offline pieces; it holds state, so they check no determinism.",
        ]
    if left_out:
        lines += ["", "The functions left out are listed below, each with the reason."]
    lines += ['"""', HEADER]
    lines += sorted(f"from {module} import {name}" for module, name in imports)
    lines += [SERVICES_FIXTURE.substitute(prefix=prefix)] if prefix is not None else [""]
    for constant, strategy in CONSTANTS.items():
        if re.search(rf"\b{constant}\b", body):
            lines.append(f"{constant} = {strategy}")
    if left_out:
        lines += ["", "# Left out, to test by hand:"]
        for plan in left_out:
            reason = f"{plan.name}: {plan.left_out}"
            lines += textwrap.wrap(reason, 97, initial_indent="# - ", subsequent_indent="#   ")
    return "\n".join(lines) + "\n\n\n" + body, plans


def tidy(source: str, root: Path) -> str:
    """`source` with its imports sorted (unused ones dropped) and formatted by the project's
    ruff; unchanged when ruff is not installed."""
    config = (
        ["--config", str(root / "pyproject.toml")] if (root / "pyproject.toml").is_file() else []
    )
    stdin = ["--stdin-filename", "tests/unit/test_generated.py", *config, "-"]
    for command in (["check", "--fix-only", "--quiet", "--select", "I,F401"], ["format"]):
        tidied = output([sys.executable, "-m", "ruff", *command, *stdin], source)
        if not tidied:
            return source
        source = tidied
    return source


def target_examples(root: Path) -> str:
    """What TARGET is, with this project's packages and modules as the examples."""
    packages = sorted(path.parent for path in root.glob("services/*/src/*/__init__.py"))
    modules = [path for package in packages for path in sorted(package.glob("[!_]*.py"))]
    if not modules:
        return "TARGET is a module file or a dotted module name, optionally with :function."
    by_name = {path.name: path for path in modules}
    example = by_name.get("formatting.py", modules[0])
    dotted = by_name.get("atr.py", modules[-1])
    names = ", ".join(package.name for package in packages)
    return (
        f"TARGET is a file ({example.relative_to(root)}) or a dotted module "
        f"({dotted.parent.name}.{dotted.stem}) of this project's packages ({names}), "
        "optionally with :function."
    )


def main(argv: list[str] | None = None, root: Path | None = None) -> int:
    """The `generate-tests` command; returns its exit code."""
    root = root or Path.cwd()
    description = (
        "Write property-based tests (Hypothesis) for the public functions of a module: "
        "each asserts the annotated return type, determinism and the exceptions the "
        "function raises itself. A function whose arguments can be neither drawn nor "
        "built by a fixture, or without a property to check, is left out with the reason."
    )
    epilog = (
        f"{target_examples(root)} Exit codes: 0 written, 2 bad target, nothing to test, "
        "or the output exists (use --force)."
    )
    parser = OneLineParser(
        prog="generate-tests.py",
        description=textwrap.fill(description, 79),
        epilog=textwrap.fill(epilog, 79, break_on_hyphens=False, break_long_words=False),
        formatter_class=argparse.RawDescriptionHelpFormatter,  # paths unbroken at hyphens
    )
    parser.add_argument("target", help="module file or dotted module, optionally :function")
    parser.add_argument(
        "-o",
        "--output",
        help="where to write (default tests/unit/services/ or ops/test_<module>_properties.py, "
        "- for stdout)",
    )
    parser.add_argument("--force", action="store_true", help="overwrite an existing output file")
    args = parser.parse_args(argv)
    try:
        module, only = load_target(args.target, root)
        source, plans = generate(module, only)
    except GenerationError as error:
        return parser.fail(error, EXIT_USAGE)
    left_out = [f"left out {plan.name}: {plan.left_out}" for plan in plans if plan.left_out]
    stem = module.__name__.rsplit(".", 1)[-1]
    group = "ops" if module.__name__.split(".")[0] == "ops" else "services"
    output = Path(args.output or root / "tests" / "unit" / group / f"test_{stem}_properties.py")
    if args.output == "-":
        print(tidy(source, root), end="")
        for line in left_out:
            print(f"generate-tests: {line}", file=sys.stderr)
        return EXIT_OK
    if output.exists() and not args.force:
        return parser.fail(f"{output} exists: pass --force to overwrite it", EXIT_USAGE)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(tidy(source, root), encoding="utf-8")
    print(f"wrote {output}: {len(plans) - len(left_out)} property tests, {len(left_out)} left out")
    print("".join(f"  {line}\n" for line in left_out), end="")
    return EXIT_OK
