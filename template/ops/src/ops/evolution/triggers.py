"""The trigger language of config/evolution.yml (roadmap) and config/feature-flags.yml.

A trigger is a condition on the project's metrics, written as in the seed:

    when_team_size > 2 OR deployment_frequency > weekly
    when_production_traffic > 1000_users OR uptime_requirement > 99%
    when_multiple_services OR geographic_distribution
    when staging_deployment.enabled

Grammar (keywords in either case, `when` or `when_` in front is optional):

    trigger    := or
    or         := and ("OR" and)*
    and        := not ("AND" not)*
    not        := "NOT" not | "(" or ")" | comparison
    comparison := operand (("<" | "<=" | ">" | ">=" | "==" | "!=") operand)?
    operand    := name | quantity | "true" | "false"

- A name is a metric (`team_size`) or a dotted path (`staging_deployment.enabled`,
  `production_traffic.users`). A bare name is a condition on a true/false metric.
- A quantity is a number with an optional unit: `2`, `1_000`, `99%`, `99.9%`,
  `1000_users`, `100_requests_per_minute`. A number without a unit takes the unit of
  the other side; two different units never compare (the result is unknown).
- `hourly`, `daily`, `weekly`, `biweekly`, `monthly`, `quarterly` and `yearly` are
  frequencies, counted in events per week (daily = 7/week, monthly = 12/52 per week),
  so `monthly < weekly < daily`; a frequency metric is events per week.

Evaluation is three-valued: a metric nobody measured or set is unknown, not false.
`true OR unknown` is true, `false OR unknown` is unknown, `false AND unknown` is false,
`NOT unknown` is unknown. The same pass writes the trigger in plain words, each
condition with the value it reads now:
`when_production_traffic > 1000_users OR uptime_requirement > 99%` reads "more than
1000 production users (now: unknown) or promised uptime above 99% (now: 99.5%)".

Never `eval`. The phrases of the plain words are in metrics.yml.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pyparsing as pp
import yaml

PER_WEEK = "per_week"
PERCENT = "%"

FREQUENCIES: dict[str, float] = {
    "hourly": 24 * 7,
    "daily": 7.0,
    "weekly": 1.0,
    "biweekly": 0.5,
    "monthly": 12 / 52,
    "quarterly": 4 / 52,
    "yearly": 1 / 52,
}

_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}

_QUANTITY = re.compile(r"(?P<number>\d+(?:_\d+)*(?:\.\d+)?)(?P<unit>%|_[A-Za-z][A-Za-z0-9_]*)?")
_NAME = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"
# The token a syntax error quotes as found; none there: a character the language has no use for.
_TOKEN = re.compile(rf"{_QUANTITY.pattern}|{_NAME}|[<>=!]=|[<>()]")
_RESERVED = {"and", "or", "not", "true", "false", *FREQUENCIES}
_HINTS = {
    "=": "use == to compare",
    "&": "use AND",
    "|": "use OR",
    "!": "use NOT, or != to compare",
}


class TriggerError(Exception):
    """A trigger that cannot be read or evaluated (a configuration error)."""


class TriggerSyntaxError(TriggerError):
    """A malformed trigger, with the 0-based position of the problem."""

    def __init__(self, message: str, text: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.text = text
        self.position = position

    def __str__(self) -> str:
        return f'{self.message} at column {self.position + 1} of "{self.text}"'

    def pointer(self) -> str:
        """The trigger with a caret under the problem."""
        return f"{self.text}\n{' ' * self.position}^"


@dataclass(frozen=True)
class Quantity:
    """A number and its unit (None: a plain number)."""

    amount: float
    unit: str | None = None

    def __str__(self) -> str:
        amount = format_amount(self.amount)
        if self.unit is None:
            return amount
        if self.unit == PERCENT:
            return f"{amount}%"
        if self.unit == PER_WEEK:
            return f"{amount}/week"
        return f"{amount} {self.unit.replace('_', ' ')}"


# What a name stands for: true/false, a quantity, a quantity per unit
# (production_traffic: {users: 1200, requests_per_minute: None}), or None (unknown).
Value = bool | Quantity | Mapping[str, Quantity | None] | None
Lookup = Callable[[str], Value]


def format_amount(amount: float) -> str:
    """A number for people: no trailing zeros, and 10_000 and up grouped with underscores."""
    if float(amount).is_integer():
        return f"{int(amount):,}".replace(",", "_") if abs(amount) >= 10_000 else str(int(amount))
    return f"{amount:.2f}".rstrip("0").rstrip(".")


def parse_quantity(text: str) -> Quantity:
    """`1000_users`, `99.9%`, `weekly` or `3` as a Quantity; ValueError otherwise."""
    word = text.strip()
    if word.lower() in FREQUENCIES:
        return Quantity(FREQUENCIES[word.lower()], PER_WEEK)
    match = _QUANTITY.fullmatch(word)
    if match is None:
        raise ValueError(f"{text!r} is not a quantity (such as 3, 99.9%, 1000_users or weekly)")
    unit = match["unit"]
    if unit is not None and unit != PERCENT:
        unit = unit[1:]
    return Quantity(float(match["number"].replace("_", "")), unit)


# ------------------------------------------------------------------ syntax tree


@dataclass(frozen=True)
class Name:
    """A metric name in a trigger."""

    name: str


@dataclass(frozen=True)
class Literal:
    """A number, quantity or true/false written in a trigger."""

    value: bool | Quantity
    text: str


Operand = Name | Literal


@dataclass(frozen=True)
class Compare:
    """`left op right`, such as `team_size > 3`."""

    op: str
    left: Operand
    right: Operand


@dataclass(frozen=True)
class Truth:
    """A bare name or true/false used as a condition."""

    operand: Operand


@dataclass(frozen=True)
class Not:
    """NOT of a condition."""

    operand: Node


@dataclass(frozen=True)
class BoolOp:
    """Conditions joined by AND or by OR."""

    op: str  # "AND" or "OR"
    operands: tuple[Node, ...]


Node = Compare | Truth | Not | BoolOp


@dataclass(frozen=True)
class Trigger:
    """A parsed trigger: its source text and syntax tree."""

    text: str
    tree: Node


def _word(accept: Callable[[str], bool]) -> pp.ParserElement:
    """A word (`team_size`, `AND`, `weekly`, `staging_deployment.enabled`) whose lower case
    `accept` takes."""
    return pp.Regex(_NAME).add_condition(lambda tokens: accept(tokens[0].lower()))


def _keyword(word: str) -> pp.ParserElement:
    return _word(lambda found: found == word).suppress()


def _expected(what: str) -> pp.ParserElement:
    """Matches where nothing else did, and stops the parse there: `what` was expected."""

    def fail(source: str, position: int, _: pp.ParseResults) -> NoReturn:
        token = _TOKEN.match(source, position)
        if token is None and position < len(source):
            hint = _HINTS.get(source[position])
            message = f"unexpected character {source[position]!r}" + (f" ({hint})" if hint else "")
            raise pp.ParseFatalException(source, position, message)
        found = repr(token.group()) if token else "the end of the trigger"
        raise pp.ParseFatalException(source, position, f"expected {what}, found {found}")

    return pp.Empty().set_parse_action(fail)


def _condition(source: str, position: int, tokens: pp.ParseResults) -> Node:
    """A comparison, or a bare name or true/false; a bare number is an error."""
    if len(tokens) == 3:
        return Compare(tokens[1], tokens[0], tokens[2])
    left = tokens[0]
    if isinstance(left, Literal) and isinstance(left.value, Quantity):
        raise pp.ParseFatalException(
            source,
            position,
            f"{left.text!r} is a number, not a condition: compare it (for example "
            f"team_size > {left.text})",
        )
    return Truth(left)


def _joined(keyword: str) -> Callable[[pp.ParseResults], Node]:
    return lambda tokens: tokens[0] if len(tokens) == 1 else BoolOp(keyword, tuple(tokens))


def _grammar() -> pp.ParserElement:
    """The grammar of the module docstring, building the syntax tree as it parses."""
    quantity = pp.Regex(_QUANTITY.pattern) | _word(FREQUENCIES.__contains__)
    truth = _word({"true", "false"}.__contains__)
    operand = (
        quantity.add_parse_action(lambda tokens: Literal(parse_quantity(tokens[0]), tokens[0]))
        | truth.add_parse_action(lambda tokens: Literal(tokens[0].lower() == "true", tokens[0]))
        | _word(lambda word: word not in _RESERVED).add_parse_action(lambda t: Name(t[0]))
        | _expected("a metric name, a number or '('")
    )
    comparison = operand + pp.Opt(pp.one_of(list(_COMPARISONS)) + operand)
    condition = pp.Forward()
    either = pp.Forward()
    condition <<= (
        (_keyword("not") + condition).set_parse_action(lambda tokens: Not(tokens[0]))
        | pp.Suppress("(") + either + (pp.Suppress(")") | _expected("')'"))
        | comparison.set_parse_action(_condition)
    )
    both = (condition + pp.ZeroOrMore(_keyword("and") + condition)).set_parse_action(_joined("AND"))
    either <<= (both + pp.ZeroOrMore(_keyword("or") + both)).set_parse_action(_joined("OR"))
    when = pp.Regex(r"(?i)when(?= )|when_(?=[A-Za-z_])").suppress()
    return pp.Opt(when) + either + (pp.StringEnd() | _expected("AND, OR or the end of the trigger"))


_TRIGGER = _grammar()


def parse(text: str) -> Trigger:
    """Parse a trigger; TriggerSyntaxError says what is wrong and where."""
    if re.fullmatch(r"\s*(?:when\b\s*)?", text, re.IGNORECASE):
        raise TriggerSyntaxError("empty trigger: expected a condition", text, 0)
    try:  # every kind of blank as a space, each at its own position
        return Trigger(text, _TRIGGER.parse_string(re.sub(r"\s", " ", text))[0])
    except pp.ParseBaseException as error:
        raise TriggerSyntaxError(error.msg, text, error.loc) from None


# ------------------------------------------------------------------ evaluation


def describe(value: Value) -> str:
    """A metric's value for people; "unknown" when nothing is known."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Quantity):
        return str(value)
    known = {unit: amount for unit, amount in value.items() if amount is not None}
    if not known:
        return "unknown"
    return ", ".join(str(amount) for amount in known.values())


@dataclass(frozen=True)
class Outcome:
    """A trigger evaluated: True, False or None (unknown), the trigger in plain words with
    "(now: ...)" after each condition, and the names it read whose value is unknown."""

    value: bool | None
    words: str
    unknown: tuple[str, ...]


def evaluate(trigger: Trigger, lookup: Lookup) -> Outcome:
    """The trigger's value by Kleene's three-valued logic, and why, in plain words;
    TriggerError on a type mismatch."""
    reader = _Reader(trigger.text, lookup)
    value, words = reader.node(trigger.tree)
    return Outcome(value, words, tuple(reader.unknown))


# How the reports speak of each metric: what it counts, measures or states.
PHRASES: dict[str, dict[str, str]] = yaml.safe_load(
    Path(__file__).with_name("metrics.yml").read_text(encoding="utf-8")
)
_MORE = {">": "more than", ">=": "at least", "<": "fewer than", "<=": "at most"}
_ABOVE = {">": "above", ">=": "at least", "<": "below", "<=": "at most"}
_OFTEN = {">": "more often than", ">=": "at least", "<": "less often than", "<=": "at most"}
_EQUAL = {"==": "exactly", "!=": "other than"}
_FLIPPED = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "==", "!=": "!="}


def now(value: Value, unit: str | None = None) -> str:
    """A value for "(now: ...)": yes/no for true/false, a plain number in `unit`."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Quantity) and value.unit is None and unit is not None:
        return str(Quantity(value.amount, unit))
    return describe(value)


def spoken(name: str) -> str:
    """A name as words, for names without a phrase of their own."""
    return name.replace(".", " ").replace("_", " ")


class _Reader:
    """Evaluates a syntax tree and writes it in words, one node at a time."""

    def __init__(self, text: str, lookup: Lookup) -> None:
        self.text = text
        self.lookup = lookup
        self.unknown: dict[str, None] = {}

    def node(self, node: Node, nested: bool = False) -> tuple[bool | None, str]:
        if isinstance(node, BoolOp):
            values, texts = zip(*(self.node(child, True) for child in node.operands), strict=True)
            text = f" {node.op.lower()} ".join(texts)
            decisive = node.op == "OR"  # True decides an OR, False decides an AND
            value = decisive if decisive in values else None if None in values else not decisive
            return value, f"({text})" if nested else text
        if isinstance(node, Not):
            inner, text = self.node(node.operand, True)
            return None if inner is None else not inner, "not " + text
        if isinstance(node, Truth):
            return self.truth(node.operand), self.truth_words(node.operand, True)
        return self.compare(node), self.compare_words(node)

    def operand(self, operand: Operand) -> Value:
        return operand.value if isinstance(operand, Literal) else self.lookup(operand.name)

    def read(self, name: str, unit: str | None = None) -> tuple[str, Value]:
        """The name as reported (`<metric>.<unit>` for a per-unit metric) and its value."""
        value = self.lookup(name)
        if isinstance(value, Mapping) and unit is not None:
            name, value = f"{name}.{unit}", value.get(unit)
        if value is None or describe(value) == "unknown":
            self.unknown.setdefault(name)
            value = None
        return name, value

    def truth(self, operand: Operand) -> bool | None:
        value = self.operand(operand)
        if value is None or (isinstance(value, Mapping) and describe(value) == "unknown"):
            return None
        if not isinstance(value, bool):
            label = _label(operand)
            raise TriggerError(
                f'"{self.text}": {label} is {describe(value)}, not true or false: '
                f"compare it (for example {label} > 0)"
            )
        return value

    def compare(self, node: Compare) -> bool | None:
        left, right = self.operand(node.left), self.operand(node.right)
        if isinstance(left, bool) or isinstance(right, bool):
            if not (isinstance(left, bool | None) and isinstance(right, bool | None)):
                raise self.mismatch(node, "compares true/false with a number")
            if node.op not in ("==", "!="):
                raise self.mismatch(node, f"orders true/false values with {node.op}")
            if left is None or right is None:
                return None
            return _COMPARISONS[node.op](left, right)
        left_q, right_q = _pick_unit(left, right), _pick_unit(right, left)
        if isinstance(left_q, str) or isinstance(right_q, str):
            raise self.mismatch(node, str(left_q if isinstance(left_q, str) else right_q))
        if left_q is None or right_q is None:
            return None
        if None not in (left_q.unit, right_q.unit) and left_q.unit != right_q.unit:
            return None  # different units never compare
        return _COMPARISONS[node.op](left_q.amount, right_q.amount)

    def mismatch(self, node: Compare, problem: str) -> TriggerError:
        return TriggerError(
            f'"{self.text}": {_label(node.left)} {node.op} {_label(node.right)} {problem}'
        )

    def truth_words(self, operand: Operand, wanted: bool) -> str:
        if isinstance(operand, Literal):
            return "always" if operand.value is wanted else "never"
        name, value = self.read(operand.name)
        head, _, tail = name.partition(".")
        if tail == "enabled":
            phrase = f"the {head} flag is on"
        elif head == "features" and tail:
            phrase = f"the {tail} feature is on"
        else:
            phrase = PHRASES.get(name, {}).get("condition") or spoken(name)
        return f"{'' if wanted else 'not '}{phrase} (now: {now(value)})"

    def compare_words(self, node: Compare) -> str:
        op, left, right = node.op, node.left, node.right
        if isinstance(left, Literal) and isinstance(right, Name):
            op, left, right = _FLIPPED[op], right, left
        if not (isinstance(left, Name) and isinstance(right, Literal)):
            return f"{self.operand_words(left)} {op} {self.operand_words(right)}"
        limit = right.value
        if isinstance(limit, bool):
            return self.truth_words(left, limit is (op == "=="))
        word_unit = limit.unit not in (None, PERCENT, PER_WEEK)
        name, value = self.read(left.name, limit.unit if word_unit else None)
        shown = f"(now: {now(value, limit.unit)})"
        if limit.unit == PER_WEEK:
            noun = PHRASES.get(name, {}).get("measures") or spoken(name)
            every = right.text.lower() if right.text.lower() in FREQUENCIES else str(limit)
            return f"{noun} {_OFTEN.get(op) or _EQUAL[op]} {every} {shown}"
        count = PHRASES.get(name, {}).get("counts")
        if count is not None:
            amount = format_amount(limit.amount).replace("_", ",")
            return f"{_MORE.get(op) or _EQUAL[op]} {amount} {count} {shown}"
        noun = PHRASES.get(name, {}).get("measures") or spoken(name)
        return f"{noun} {_ABOVE.get(op) or _EQUAL[op]} {limit} {shown}"

    def operand_words(self, operand: Operand) -> str:
        if isinstance(operand, Literal):
            return operand.text
        name, value = self.read(operand.name)
        return f"{spoken(name)} (now: {now(value)})"


def _label(operand: Operand) -> str:
    return operand.name if isinstance(operand, Name) else operand.text


def _pick_unit(value: Value, other: Value) -> Quantity | str | None:
    """A quantity for this side; a per-unit metric is read in the other side's unit."""
    if value is None or isinstance(value, Quantity):
        return value
    if isinstance(value, bool):  # handled by the caller
        return None
    unit = other.unit if isinstance(other, Quantity) else None
    if unit is None:
        units = ", ".join(value)
        return f"needs a unit: the metric is kept per unit ({units}), such as 1000_users"
    return value.get(unit)
