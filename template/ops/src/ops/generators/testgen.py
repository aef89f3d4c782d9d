"""Property-based tests for the public functions of a module, written as source.

For each function the generator draws every required argument from its type
annotation (Hypothesis strategies) and asserts what holds for any input:

- the result has the annotated return type;
- the function is deterministic (same arguments, equal result) when its result is
  a plain value;
- it raises no exception but those it raises itself (found in its body and in the
  module functions it calls); other exceptions fail the test;
- `normalize_*`/`canonical_*`/`clean_*`/`sort_*` functions are idempotent.

An argument it cannot draw but the project can build offline (the bot's
`BotServices`: market-data in process on its sample provider, SQLite, default
flags) comes from a module-scoped fixture written into the test module; such a
test checks the type and the exceptions, not determinism (the services hold
state). Where no property can be inferred (an argument it can neither draw nor
build, no return annotation, a function returning None) the function is left
out, with one line saying why in the output and in the test module. It never
writes a test that cannot fail, nor a placeholder.
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
    """A target that cannot be read or has nothing to test (exit code 2)."""


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
    fixture: str | None = None  # the fixture that builds it, when it is not drawn


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
        except Exception:  # unresolvable annotations: no strategy, the function is left out
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


def reached(module: types.ModuleType, function: Callable[..., Any]) -> list[ast.AST]:
    """The syntax nodes of the function and of the module functions it calls, transitively."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(module)))
    except (OSError, TypeError, SyntaxError):
        return []
    functions = {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    nodes: list[ast.AST] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen or name not in functions:
            return
        seen.add(name)
        for node in ast.walk(functions[name]):
            nodes.append(node)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                visit(node.func.id)

    visit(function.__name__)
    return nodes


def raised_exceptions(module: types.ModuleType, function: Callable[..., Any]) -> list[type]:
    """Exception classes the function raises itself, directly or through module functions."""
    names: list[str] = []
    for node in reached(module, function):
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(target, ast.Name) and target.id not in names:
                names.append(target.id)
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
    """The generated test of one function, or why the function is left out."""

    name: str
    source: str
    left_out: str | None = None  # the reason, when there is no test
    fixture: tuple[Fixture, str] | None = None  # the fixture the test takes, the package prefix


@dataclass(frozen=True)
class Fixture:
    """A value the annotations cannot draw, built by a fixture from the project's own pieces.

    `{prefix}` in the imports stands for the project's package prefix (read from the type's
    module). The tests that take it draw the arguments named in `arguments` from the
    fixture's world (the values the bot's parser hands to its commands). A function that
    calls through the value's attribute `via` and catches none of `raises` may raise them.
    """

    name: str
    source: str
    imports: tuple[tuple[str, str], ...]
    modules: tuple[str, ...]  # plain `import x`
    via: str = ""
    raises: tuple[tuple[str, str], ...] = ()
    arguments: dict[str, str] = field(default_factory=dict)

    def let_through(self, module: types.ModuleType, function: Callable[..., Any]) -> list[str]:
        """The names in `raises` that can escape `function`."""
        nodes = reached(module, function)
        if not any(isinstance(node, ast.Attribute) and node.attr == self.via for node in nodes):
            return []
        caught = {
            name.id
            for node in nodes
            if isinstance(node, ast.ExceptHandler) and node.type is not None
            for name in ast.walk(node.type)
            if isinstance(name, ast.Name)
        }
        return [name for _, name in self.raises if name not in caught]


BOT_SERVICES = Fixture(
    name="services",
    source='''
DEFAULT_SYMBOLS = BotSettings.model_validate({}).default_symbols  # no env vars, no .env
# What the parser (parsing.py) hands to the commands: symbols market-data knows and
# well-formed ones it does not, ATR periods, positive prices; and any command name.
SYMBOLS = st.sampled_from(DEFAULT_SYMBOLS) | st.from_regex(r"[a-z0-9]{2,10}", fullmatch=True).map(
    normalize_symbol
)
PERIODS = st.integers(min_value=1, max_value=MAX_ATR_PERIOD)
PRICES = st.decimals(min_value=Decimal("0.00000001"), max_value=MAX_PRICE - 1, places=8)
COMMANDS = st.sampled_from(sorted(HANDLERS)) | st.text(max_size=12)


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotServices]:
    """The bot's services on the project's offline pieces: market-data in process on its
    sample provider, SQLite databases in a temporary folder, every flag at its default."""
    folder = tmp_path_factory.mktemp("services")
    market_settings = MarketDataSettings.model_validate(
        {"market_data_provider": "sample", "environment": "local"}
    )
    market_storage = Storage(f"sqlite:///{folder / 'market-data.sqlite3'}")
    app = create_app(market_settings, storage=market_storage, flags=FeatureFlags())
    market = MarketDataClient("http://market-data", transport=httpx.ASGITransport(app=app))
    storage = Storage(f"sqlite:///{folder / 'bot.sqlite3'}")
    storage.ping()  # creates the tables now, not within the first example's deadline
    yield BotServices(market, storage, FeatureFlags(), DEFAULT_SYMBOLS, "test", "local")
    asyncio.run(market.aclose())
    storage.close()
    market_storage.close()
''',
    imports=(
        ("collections.abc", "Iterator"),
        ("decimal", "Decimal"),
        ("{prefix}_common.flags", "FeatureFlags"),
        ("{prefix}_common.symbols", "normalize_symbol"),
        ("{prefix}_common.storage", "Storage"),
        ("{prefix}_market_data.app", "create_app"),
        ("{prefix}_market_data.settings", "MarketDataSettings"),
        ("{prefix}_telegram_bot.client", "MarketDataClient"),
        ("{prefix}_telegram_bot.core", "HANDLERS"),
        ("{prefix}_telegram_bot.parsing", "MAX_ATR_PERIOD"),
        ("{prefix}_telegram_bot.parsing", "MAX_PRICE"),
        ("{prefix}_telegram_bot.settings", "BotSettings"),
    ),
    modules=("asyncio", "httpx", "pytest"),
    # market-data refuses unknown symbols and bad periods (4xx); `respond` turns that
    # into a usage reply, the commands it calls let it through.
    via="market",
    raises=(("{prefix}_telegram_bot.client", "MarketDataRequestError"),),
    arguments={
        "symbol": "SYMBOLS",
        "symbols": "st.lists(SYMBOLS, max_size=4)",
        "period": "PERIODS",
        "target": "PRICES",
        "command": "COMMANDS",
    },
)
FIXTURES = {"BotServices": BOT_SERVICES}  # by class name: the package prefix varies


def _fixture_for(tp: Any) -> tuple[Fixture, str] | None:
    """The fixture that builds `tp` and the project's package prefix; None if there is none."""
    if not isinstance(tp, type) or tp.__qualname__ not in FIXTURES:
        return None
    package = tp.__module__.split(".")[0]
    if not package.endswith("_telegram_bot"):
        return None
    return FIXTURES[tp.__qualname__], package.removesuffix("_telegram_bot")


def _public_functions(module: types.ModuleType) -> list[Callable[..., Any]]:
    functions = [
        value
        for name, value in vars(module).items()
        if inspect.isfunction(value)
        and value.__module__ == module.__name__
        and not name.startswith("_")
    ]
    return sorted(functions, key=lambda function: function.__code__.co_firstlineno)


def _leave_out(function: Callable[..., Any], reason: str) -> Plan:
    return Plan(function.__name__, "", left_out=reason)


def plan_function(
    module: types.ModuleType, function: Callable[..., Any], imports: Imports, constants: set[str]
) -> Plan:
    """The property test of one function, or the reason it is left out."""
    name = function.__name__
    try:
        hints = typing.get_type_hints(function)
        signature = inspect.signature(function)
    except Exception as error:  # annotations that do not resolve at runtime
        return _leave_out(function, f"its annotations do not resolve ({error})")
    renderer = Renderer(Imports(), set())
    parameters: list[tuple[inspect.Parameter, Rendered]] = []
    built: tuple[Fixture, str] | None = None
    for parameter in signature.parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.default is not parameter.empty:
            continue  # optional arguments keep their defaults
        if parameter.name not in hints:
            return _leave_out(function, f"argument {parameter.name!r} has no annotation")
        rendered = renderer.render(hints[parameter.name])
        found = _fixture_for(hints[parameter.name])
        if rendered is not None and rendered.strategy is None and found is not None:
            built = found
            rendered = dataclasses.replace(rendered, fixture=found[0].name)
        if rendered is None or (rendered.strategy is None and rendered.fixture is None):
            return _leave_out(
                function,
                f"cannot draw or build argument {parameter.name!r} "
                f"({_type_name(hints[parameter.name])})",
            )
        parameters.append((parameter, rendered))
    if built is not None:
        parameters = [
            (p, dataclasses.replace(r, strategy=built[0].arguments.get(p.name, r.strategy)))
            for p, r in parameters
        ]
    if "return" not in hints:
        return _leave_out(function, "no return annotation, so no property to check")
    returned = Renderer(renderer.imports, set()).render(hints["return"])
    if hints["return"] is None or hints["return"] is type(None):
        return _leave_out(function, "it returns None: its effect is not a value to check")
    check = returned.check if returned is not None else None
    comparable = returned is not None and returned.comparable and built is None
    idempotent = (
        IDEMPOTENT.match(name) is not None
        and len(parameters) == 1
        and returned is not None
        and returned.annotation == parameters[0][1].annotation
    )
    if check is None and not comparable and not idempotent:
        return _leave_out(
            function, f"nothing to assert about a {_type_name(hints['return'])} result"
        )
    for module_name, names in renderer.imports.names.items():
        for imported in names:
            imports.add(module_name, imported)
    strategies = " ".join(f"{r.strategy} {r.element}" for _, r in parameters)
    constants |= {constant for constant in renderer.constants if constant in strategies}
    if sum(1 for _, rendered in parameters if rendered.sequence) >= 2:
        constants.add("SIZES")
    exceptions = [(cls.__module__, cls.__qualname__) for cls in raised_exceptions(module, function)]
    if built is not None:
        fixture, prefix = built
        through = fixture.let_through(module, function)
        exceptions += [
            (m.replace("{prefix}", prefix), n) for m, n in fixture.raises if n in through
        ]
    for exception_module, exception in exceptions:
        if exception_module != "builtins":
            imports.add(exception_module, exception)
    imports.add(module.__name__, name)
    caught = list(dict.fromkeys(exception for _, exception in exceptions))
    source = _test_source(function, parameters, check, comparable, idempotent, caught)
    return Plan(name, source, fixture=built)


def _type_name(tp: Any) -> str:
    if isinstance(tp, type):
        return tp.__qualname__
    origin = typing.get_origin(tp)
    if isinstance(origin, type) and origin.__module__ != "builtins":
        return f"{origin.__qualname__}[...]"
    return str(tp).replace("typing.", "")


def _test_source(
    function: Callable[..., Any],
    parameters: list[tuple[inspect.Parameter, Rendered]],
    check: str | None,
    comparable: bool,
    idempotent: bool,
    exceptions: list[str],
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
        if rendered.fixture is not None:
            signature.insert(0, f"{rendered.fixture}: {rendered.annotation}")
        elif not (grouped and rendered.sequence):
            given.append(f"{parameter.name}={rendered.strategy}")
            signature.append(f"{parameter.name}: {rendered.annotation}")
    values = [(p, r.fixture or p.name) for p, r in parameters]
    call_args = ", ".join(
        value if p.kind is not p.KEYWORD_ONLY else f"{p.name}={value}" for p, value in values
    )
    call = f"{name}({call_args})"
    if inspect.iscoroutinefunction(function):
        call = f"asyncio.run({call})"
    if exceptions:
        caught = ", ".join(exceptions)
        caught = f"({caught})" if len(exceptions) > 1 else caught
        body += [
            "try:",
            f"    result = {call}",
            f"except {caught}:",
            f"    return  # {name} refuses some inputs with this",
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
    if given and any(rendered.fixture for _, rendered in parameters):
        # Each example goes through SQLite and HTTP in process: fewer, with no deadline.
        decorator = "@settings(deadline=None, max_examples=20)\n" + decorator
    header = f"def test_{name}({', '.join(signature)}) -> None:\n"
    return decorator + header + "".join(f"    {line}\n" for line in body)


# ------------------------------------------------------------------ targets


def module_name_for(path: Path) -> str:
    """The dotted module of a .py file inside a package (src/<package>/.../module.py)."""
    path = path.resolve()
    parts = [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts)


def load_target(target: str, root: Path) -> tuple[types.ModuleType, str | None]:
    """`path/to/module.py`, `package.module`, either with `:function`."""
    spec, _, function = target.partition(":")
    if spec.endswith(".py") or "/" in spec:
        path = Path(spec) if Path(spec).is_absolute() else root / spec
        if not path.is_file():
            raise GenerationError(f"{spec}: no such file")
        name = module_name_for(path)
    else:
        name = spec
    if not re.fullmatch(r"[A-Za-z_][\w]*(\.[A-Za-z_]\w*)*", name):
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
    tests = [plan for plan in plans if plan.left_out is None]
    left_out = [plan for plan in plans if plan.left_out is not None]
    if not tests:
        reasons = "".join(f"\n  left out {plan.name}: {plan.left_out}" for plan in left_out)
        raise GenerationError(f"{module.__name__}: no function to test{reasons}")
    fixtures = {plan.fixture[0].name: plan.fixture for plan in tests if plan.fixture is not None}
    modules = {"asyncio"} if any("asyncio.run(" in plan.source for plan in tests) else set()
    for fixture, prefix in fixtures.values():
        modules.update(fixture.modules)
        for name, imported in fixture.imports:
            imports.add(name.replace("{prefix}", prefix), imported)
    drawn = bool(fixtures) or any("@given(" in plan.source for plan in tests)
    import_lines = [f"import {name}" for name in sorted(modules)] + imports.lines()
    stdlib = [line for line in import_lines if _top(line) in sys.stdlib_module_names]
    third_party = [line for line in import_lines if _top(line) in ("httpx", "pytest")]
    if drawn:
        third_party += ["from hypothesis import given", "from hypothesis import strategies as st"]
    if fixtures:
        third_party.append("from hypothesis import settings")
    own = [line for line in import_lines if line not in stdlib + third_party]
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
    for name in fixtures:
        lines += [
            "",
            f"Tests taking `{name}` get it from the fixture below, built from the project's",
            "offline pieces; it holds state, so they check no determinism.",
        ]
    if left_out:
        lines += ["", "The functions left out are listed below, each with the reason."]
    lines += ['"""', "", "from __future__ import annotations", "", *stdlib, "", *third_party]
    lines += ["", *own, ""]
    if not drawn:
        constants.clear()
    for constant in sorted(constants):
        lines.append(f"{constant} = {CONSTANTS[constant]}")
    lines += [fixture.source.rstrip() for fixture, _ in fixtures.values()]
    if left_out:
        lines += ["", "# Left out, to test by hand:"]
        for plan in left_out:
            lines += textwrap.wrap(
                f"{plan.name}: {plan.left_out}",
                width=97,
                initial_indent="# - ",
                subsequent_indent="#   ",
            )
    source = "\n".join(lines) + "\n\n\n" + "\n\n".join(plan.source for plan in tests)
    return source, plans


def _top(import_line: str) -> str:
    return import_line.split()[1].split(".")[0]


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
    parser = argparse.ArgumentParser(
        prog="generate-tests.py",
        description=textwrap.fill(description, 79),
        epilog=textwrap.fill(epilog, 79, break_on_hyphens=False, break_long_words=False),
        formatter_class=argparse.RawDescriptionHelpFormatter,  # paths unbroken at hyphens
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
    left_out = [plan for plan in plans if plan.left_out]
    if args.output == "-":
        print(source, end="")
        for plan in left_out:
            print(f"generate-tests: left out {plan.name}: {plan.left_out}", file=sys.stderr)
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
    print(f"wrote {output}: {len(plans) - len(left_out)} property tests, {len(left_out)} left out")
    for plan in left_out:
        print(f"  left out {plan.name}: {plan.left_out}")
    return 0
