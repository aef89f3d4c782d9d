"""ops/src/ops/evolution/words.py: triggers in plain words, each condition with its value."""

from __future__ import annotations

import pytest

from ops.evolution.triggers import PER_WEEK, Quantity, Value, parse
from ops.evolution.words import in_words

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
    assert in_words(parse(trigger), read).text == words


def test_the_unknown_names_are_collected_once_each_per_unit() -> None:
    trigger = parse(
        "production_traffic > 1000_users OR production_traffic > 100_requests_per_minute "
        "OR uptime_requirement > 99.9% OR user_base > 1 OR user_base > 2"
    )
    assert in_words(trigger, read).unknown == ("production_traffic.users", "user_base")
