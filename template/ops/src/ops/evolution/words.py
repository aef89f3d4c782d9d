"""Triggers in plain words, each condition with the value it reads now.

`when_production_traffic > 1000_users OR uptime_requirement > 99%` reads
"more than 1000 production users (now: unknown) or promised uptime above 99%
(now: 99.5%)". The names whose value is unknown are collected on the way, so the
report can say once where each is set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .triggers import (
    FREQUENCIES,
    PER_WEEK,
    PERCENT,
    BoolOp,
    Compare,
    Literal,
    Lookup,
    Name,
    Node,
    Not,
    Quantity,
    Trigger,
    Truth,
    Value,
    describe,
    format_amount,
)

# What the number of a comparison counts: "more than 2 people committing".
COUNTS = {
    "team_size": "people who committed in the last 90 days",
    "services": "services",
    "test_count": "tests",
    "workflows": "workflows",
    "production_traffic.users": "production users",
    "production_traffic.requests_per_minute": "production requests per minute",
    "user_base": "registered users",
    "manual_errors": "manual deployment mistakes a month",
}
# What is measured in percent or per week: "promised uptime above 99%".
MEASURES = {
    "deployment_frequency": "deployments",
    "coverage": "test coverage",
    "uptime_requirement": "promised uptime",
}
# The true/false metrics, as the condition they state.
CONDITIONS = {
    "multiple_services": "more services than the two the template generates",
    "geographic_distribution": "users in several regions",
    "handling_user_data": "the project stores personal data",
    "production_deployment": "a production deployment",
}
_MORE = {">": "more than", ">=": "at least", "<": "fewer than", "<=": "at most"}
_ABOVE = {">": "above", ">=": "at least", "<": "below", "<=": "at most"}
_OFTEN = {
    ">": "more often than",
    ">=": "at least",
    "<": "less often than",
    "<=": "at most",
}
_EQUAL = {"==": "exactly", "!=": "other than"}
_FLIPPED = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "==", "!=": "!="}


@dataclass(frozen=True)
class Words:
    """A trigger in plain words, and the names it read whose value is unknown."""

    text: str
    unknown: tuple[str, ...]


def in_words(trigger: Trigger, lookup: Lookup) -> Words:
    """The trigger as a sentence, with "(now: ...)" after each condition."""
    writer = _Writer(lookup)
    return Words(writer.node(trigger.tree), tuple(writer.unknown))


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


def _amount(quantity: Quantity) -> str:
    return format_amount(quantity.amount).replace("_", ",")


class _Writer:
    def __init__(self, lookup: Lookup) -> None:
        self.lookup = lookup
        self.unknown: dict[str, None] = {}

    def node(self, node: Node, nested: bool = False) -> str:
        if isinstance(node, BoolOp):
            text = f" {node.op.lower()} ".join(self.node(child, True) for child in node.operands)
            return f"({text})" if nested else text
        if isinstance(node, Not):
            return "not " + self.node(node.operand, True)
        if isinstance(node, Truth):
            return self.truth(node.operand, True)
        return self.compare(node)

    def read(self, name: str, unit: str | None = None) -> tuple[str, Value]:
        """The name as reported (`<metric>.<unit>` for a per-unit metric) and its value."""
        value = self.lookup(name)
        if isinstance(value, Mapping) and unit is not None:
            name, value = f"{name}.{unit}", value.get(unit)
        if value is None or describe(value) == "unknown":
            self.unknown.setdefault(name)
            value = None
        return name, value

    def truth(self, operand: Name | Literal, wanted: bool) -> str:
        if isinstance(operand, Literal):
            return "always" if operand.value is wanted else "never"
        name, value = self.read(operand.name)
        head, _, tail = name.partition(".")
        if tail == "enabled":
            phrase = f"the {head} flag is on"
        elif head == "features" and tail:
            phrase = f"the {tail} feature is on"
        else:
            phrase = CONDITIONS.get(name, spoken(name))
        return f"{'' if wanted else 'not '}{phrase} (now: {now(value)})"

    def compare(self, node: Compare) -> str:
        op, left, right = node.op, node.left, node.right
        if isinstance(left, Literal) and isinstance(right, Name):
            op, left, right = _FLIPPED[op], right, left
        if not (isinstance(left, Name) and isinstance(right, Literal)):
            return f"{self.operand(left)} {op} {self.operand(right)}"
        limit = right.value
        if isinstance(limit, bool):
            return self.truth(left, limit is (op == "=="))
        word_unit = limit.unit not in (None, PERCENT, PER_WEEK)
        name, value = self.read(left.name, limit.unit if word_unit else None)
        shown = f"(now: {now(value, limit.unit)})"
        if limit.unit == PER_WEEK:
            noun = MEASURES.get(name, spoken(name))
            every = right.text.lower() if right.text.lower() in FREQUENCIES else str(limit)
            return f"{noun} {_OFTEN.get(op) or _EQUAL[op]} {every} {shown}"
        count = COUNTS.get(name)
        if count is not None:
            return f"{_MORE.get(op) or _EQUAL[op]} {_amount(limit)} {count} {shown}"
        noun = MEASURES.get(name, spoken(name))
        return f"{noun} {_ABOVE.get(op) or _EQUAL[op]} {limit} {shown}"

    def operand(self, operand: Name | Literal) -> str:
        if isinstance(operand, Literal):
            return operand.text
        name, value = self.read(operand.name)
        return f"{spoken(name)} (now: {now(value)})"
