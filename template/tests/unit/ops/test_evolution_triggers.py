"""The trigger language of config/evolution.yml and config/feature-flags.yml: parsing,
three-valued evaluation, and triggers in plain words with each value."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ops.evolution.triggers import (
    FREQUENCIES,
    PER_WEEK,
    Quantity,
    TriggerError,
    TriggerSyntaxError,
    Value,
    evaluate,
    parse,
    parse_quantity,
)

# Every trigger of seed 001, exactly as it writes them.
SEED_TRIGGERS = [
    "when_team_size > 2 OR deployment_frequency > weekly",
    "when_production_traffic > 1000_users OR uptime_requirement > 99%",
    "when_multiple_services OR geographic_distribution",
    "when deployment_frequency > weekly",
    "when staging_deployment.enabled",
    "when production_traffic > 100_requests_per_minute",
    "when handling_user_data OR production_deployment",
    "when uptime_requirement > 99.9%",
    "when user_base > 10000",
]


def run(text: str, **values: Value) -> bool | None:
    return evaluate(parse(text), lambda name: values.get(name)).value


def names(text: str) -> tuple[str, ...]:
    """The names a trigger reads (all unknown here), in order."""
    return evaluate(parse(text), lambda _: None).unknown


@pytest.mark.parametrize("text", SEED_TRIGGERS)
def test_every_seed_trigger_parses(text: str) -> None:
    assert names(text)


def test_when_prefixes_are_not_part_of_the_names() -> None:
    assert names("when_team_size > 2 OR deployment_frequency > weekly") == (
        "team_size",
        "deployment_frequency",
    )
    assert names("when staging_deployment.enabled") == ("staging_deployment.enabled",)
    assert names("team_size > 2") == ("team_size",)
    assert names("WHEN team_size > 2") == ("team_size",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1000_users", Quantity(1000, "users")),
        ("100_requests_per_minute", Quantity(100, "requests_per_minute")),
        ("99%", Quantity(99, "%")),
        ("99.9%", Quantity(99.9, "%")),
        ("10000", Quantity(10000)),
        ("1_000_users", Quantity(1000, "users")),
        ("weekly", Quantity(1, PER_WEEK)),
        ("daily", Quantity(7, PER_WEEK)),
    ],
)
def test_quantities_keep_their_units(text: str, expected: Quantity) -> None:
    assert parse_quantity(text) == expected


def test_named_frequencies_are_ordered_by_events_per_week() -> None:
    order = ["yearly", "quarterly", "monthly", "biweekly", "weekly", "daily", "hourly"]
    assert sorted(FREQUENCIES, key=FREQUENCIES.__getitem__) == order
    assert run("monthly < weekly AND weekly < daily") is True


@pytest.mark.parametrize(
    ("per_week", "expected"), [(2.0, True), (1.0, False), (0.5, False), (None, None)]
)
def test_deployment_frequency_compares_in_deployments_per_week(
    per_week: float | None, expected: bool | None
) -> None:
    value = None if per_week is None else Quantity(per_week, PER_WEEK)
    assert run("when deployment_frequency > weekly", deployment_frequency=value) is expected


def test_a_plain_number_takes_the_unit_of_the_other_side() -> None:
    assert run("when uptime_requirement > 99.9%", uptime_requirement=Quantity(99.95)) is True
    assert run("when uptime_requirement > 99.9%", uptime_requirement=Quantity(99.5, "%")) is False
    assert run("when user_base > 10000", user_base=Quantity(12_000, "users")) is True


def test_different_units_never_compare() -> None:
    trigger = parse("when production_traffic > 100_requests_per_minute")
    assert evaluate(trigger, lambda name: Quantity(5000, "users")).value is None


def test_a_per_unit_metric_is_read_in_the_unit_of_the_trigger() -> None:
    traffic: Mapping[str, Quantity | None] = {
        "users": Quantity(1500, "users"),
        "requests_per_minute": None,
    }
    assert run("production_traffic > 1000_users", production_traffic=traffic) is True
    assert run("production_traffic > 100_requests_per_minute", production_traffic=traffic) is None
    with pytest.raises(TriggerError, match="needs a unit"):
        run("production_traffic > 1000", production_traffic=traffic)


@pytest.mark.parametrize(
    ("left", "op", "right", "expected"),
    [
        (True, "OR", None, True),
        (False, "OR", None, None),
        (None, "OR", None, None),
        (False, "OR", False, False),
        (True, "AND", None, None),
        (False, "AND", None, False),
        (True, "AND", True, True),
    ],
)
def test_unknown_is_neither_true_nor_false(
    left: bool | None, op: str, right: bool | None, expected: bool | None
) -> None:
    assert run(f"a {op} b", a=left, b=right) is expected


def test_not_unknown_is_unknown() -> None:
    assert run("NOT a", a=None) is None
    assert run("NOT a", a=False) is True


def test_and_binds_tighter_than_or_and_parentheses_group() -> None:
    assert run("a OR b AND c", a=True, b=False, c=False) is True
    assert run("(a OR b) AND c", a=True, b=False, c=False) is False
    assert run("NOT a AND b", a=False, b=True) is True
    assert run("NOT (a AND b)", a=True, b=True) is False


def test_keywords_and_booleans_in_any_case() -> None:
    assert run("a and not b", a=True, b=False) is True
    assert run("flag == TRUE", flag=True) is True
    assert run("flag != false", flag=False) is False


def test_a_dotted_name_is_one_metric() -> None:
    assert run("when staging_deployment.enabled", **{"staging_deployment.enabled": True}) is True


def test_words_that_begin_with_a_keyword_true_false_or_a_frequency_are_metric_names() -> None:
    assert names("android OR notifications AND order_count > weekly_reports") == (
        "android",
        "notifications",
        "order_count",
        "weekly_reports",
    )
    assert run("NOT true_north", true_north=False) is True


def test_any_blank_separates_and_a_tab_is_one_column() -> None:
    assert run("a\tOR\u00a0b\nAND c", a=False, b=True, c=True) is True
    with pytest.raises(TriggerSyntaxError) as caught:
        parse("team_size\t= 2")
    assert caught.value.position == 10


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        ("when_team_size > ", 18, "expected a metric name, a number or '('"),
        ("team_size >> 2", 12, "expected a metric name, a number or '('"),
        ("(a OR b", 8, "expected ')'"),
        ("a OR b)", 7, "expected AND, OR or the end of the trigger"),
        ("team_size = 2", 11, "use == to compare"),
        ("a && b", 3, "use AND"),
        ("when 1000_users", 6, "is a number, not a condition"),
        ("when", 1, "empty trigger"),
        ("a AND AND b", 7, "found 'AND'"),
        ("team_size > 2 3", 15, "expected AND, OR or the end of the trigger"),
    ],
)
def test_malformed_triggers_say_what_and_where(text: str, column: int, message: str) -> None:
    with pytest.raises(TriggerSyntaxError) as caught:
        parse(text)
    assert caught.value.position == column - 1
    assert message in str(caught.value)
    assert f'at column {column} of "{text}"' in str(caught.value)
    assert caught.value.pointer().splitlines()[1] == " " * (column - 1) + "^"


def test_type_mismatches_are_configuration_errors() -> None:
    with pytest.raises(TriggerError, match="not true or false"):
        run("when team_size", team_size=Quantity(3))
    with pytest.raises(TriggerError, match="compares true/false with a number"):
        run("handling_user_data > 2", handling_user_data=True)
    with pytest.raises(TriggerError, match="orders true/false"):
        run("a > b", a=True, b=False)


@given(st.text(max_size=40))
def test_any_text_parses_or_fails_with_a_position(text: str) -> None:
    try:
        parse(text)
    except TriggerSyntaxError as error:
        assert 0 <= error.position <= len(text)


METRICS: dict[str, Value] = {
    "team_size": Quantity(3),
    "deployment_frequency": Quantity(0.5, PER_WEEK),
    "production_traffic": {
        "users": None,
        "requests_per_minute": Quantity(40, "requests_per_minute"),
    },
    "uptime_requirement": Quantity(99.5),
    "user_base": None,
    "multiple_services": False,
    "geographic_distribution": None,
    "staging_deployment.enabled": True,
}


def read(name: str) -> Value:
    value = METRICS.get(name)
    if value is None and "." in name:
        head, _, unit = name.partition(".")
        found = METRICS.get(head)
        if isinstance(found, dict):
            return found.get(unit)
    return value


@pytest.mark.parametrize(
    ("trigger", "words"),
    [
        (
            "when_team_size > 2 OR deployment_frequency > weekly",
            "more than 2 people who committed in the last 90 days (now: 3) "
            "or deployments more often than weekly (now: 0.5/week)",
        ),
        (
            "when_production_traffic > 1000_users OR uptime_requirement > 99%",
            "more than 1000 production users (now: unknown) "
            "or promised uptime above 99% (now: 99.5%)",
        ),
        (
            "when_multiple_services OR geographic_distribution",
            "more services than the two the template generates (now: no) "
            "or users in several regions (now: unknown)",
        ),
        ("when staging_deployment.enabled", "the staging_deployment flag is on (now: yes)"),
        (
            "when production_traffic > 100_requests_per_minute",
            "more than 100 production requests per minute (now: 40 requests per minute)",
        ),
        ("when user_base > 10000", "more than 10,000 registered users (now: unknown)"),
        (
            "3 <= team_size AND NOT (multiple_services OR geographic_distribution == false)",
            "at least 3 people who committed in the last 90 days (now: 3) and not (more services "
            "than the two the template generates (now: no) or not users in several regions "
            "(now: unknown))",
        ),
        ("when my_own_metric >= 5", "my own metric at least 5 (now: unknown)"),
    ],
)
def test_triggers_read_as_plain_words_with_their_values(trigger: str, words: str) -> None:
    assert evaluate(parse(trigger), read).words == words


def test_the_unknown_names_are_collected_once_each_per_unit() -> None:
    trigger = parse(
        "production_traffic > 1000_users OR production_traffic > 100_requests_per_minute "
        "OR uptime_requirement > 99.9% OR user_base > 1 OR user_base > 2"
    )
    assert evaluate(trigger, read).unknown == ("production_traffic.users", "user_base")


# Kleene's logic as numbers: false 0, unknown 1/2, true 1; AND is min, OR is max, NOT is 1 - x.
LEVEL: dict[bool | None, float] = {False: 0.0, None: 0.5, True: 1.0}
Tree = str | tuple[str, "Tree"] | tuple[str, "Tree", "Tree"]


def _extend(children: st.SearchStrategy[Tree]) -> st.SearchStrategy[Tree]:
    negated: st.SearchStrategy[Tree] = st.tuples(st.just("NOT"), children)
    joined: st.SearchStrategy[Tree] = st.tuples(st.sampled_from(["AND", "OR"]), children, children)
    return negated | joined


TREES: st.SearchStrategy[Tree] = st.recursive(st.sampled_from(["a", "b", "c"]), _extend)


def as_text(tree: Tree) -> str:
    if isinstance(tree, str):
        return tree
    if len(tree) == 2:
        return f"NOT ({as_text(tree[1])})"
    return f"({as_text(tree[1])}) {tree[0]} ({as_text(tree[2])})"


def kleene(tree: Tree, values: Mapping[str, bool | None]) -> float:
    if isinstance(tree, str):
        return LEVEL[values[tree]]
    if len(tree) == 2:
        return 1 - kleene(tree[1], values)
    left, right = kleene(tree[1], values), kleene(tree[2], values)
    return min(left, right) if tree[0] == "AND" else max(left, right)


@given(TREES, st.fixed_dictionaries({name: st.sampled_from([True, False, None]) for name in "abc"}))
def test_evaluation_follows_kleene_logic(tree: Tree, values: dict[str, bool | None]) -> None:
    assert LEVEL[run(as_text(tree), **values)] == kleene(tree, values)
