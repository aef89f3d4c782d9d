"""Bad answers are refused with a message that says what is accepted, and
nothing is written."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import answers, git_commit_all, run, tree_digest

BAD_ANSWERS = [
    ("project_name", "   ", "must not be empty"),
    ("project_name", 'The "Moon" Bot', "must not contain double quotes or backslashes"),
    ("project_name", "A" * 51, "project_name must be at most 50 characters"),
    ("description", "prices \\ alerts", "must not contain double quotes or backslashes"),
    ("author_name", 'Ada "the" Dev', "must not contain double quotes or backslashes"),
    ("project_slug", "Bad_Slug", "must start with a lower-case letter"),
    ("project_slug", "9lives", "must start with a lower-case letter"),
    ("package_prefix", "my-bot", "must be a Python identifier"),
    ("author_email", "not-an-email", "must be an e-mail address"),
    ("github_owner", "-leading-dash", "must be a GitHub user or organisation name"),
    ("license", "GPL-3.0", "must be MIT, Apache-2.0 or Proprietary"),
    ("python_version", "3.9", "must be 3.11, 3.12 or 3.13"),
    ("market_data_provider", "coinmarketcap", "must be sample or exchange"),
    ("default_symbols", "BTC-USDT,btc", "'BTC' is not a BASE-QUOTE symbol"),
    ("default_symbols", "BTCUSDT", "'BTCUSDT' is not a BASE-QUOTE symbol"),
    ("maturity_level", "0", "0 is not a maturity level: choose one of 1 (Basic)"),
    ("maturity_level", "5", "5 is not a maturity level: choose one of 1 (Basic)"),
    ("maturity_level", "two", "'two' is not a maturity level: choose one of 1 (Basic)"),
    ("project_slug", "my-bot-", "must not end with '-' or contain '--'"),
    ("project_slug", "my--bot", "must not end with '-' or contain '--'"),
    ("project_slug", "a" * 31, "must be at most 30 characters"),
    ("package_prefix", "CryptoBot", "must be a Python identifier in lower case"),
    ("package_prefix", "2fast", "must be a Python identifier in lower case"),
    ("author_name", "   ", "author_name must not be empty"),
    ("author_email", "team@example", "must be an e-mail address"),
    ("github_owner", "double--dash", "must be a GitHub user or organisation name"),
    ("github_owner", "x" * 40, "must be a GitHub user or organisation name"),
    ("python_version", "3.10", "must be 3.11, 3.12 or 3.13"),
    ("default_symbols", "BTC-USDT,,ETH-USDT", "'' is not a BASE-QUOTE symbol"),
    ("default_symbols", "BTC-USDT,ETH-USDT,BTC-USDT", "BTC-USDT is listed twice"),
    ("license", "mit", "must be MIT, Apache-2.0 or Proprietary"),
]
# Questions asked only from some level on, or after some answer, need those
# answers for the question to be asked at all.
LEVEL_2, LEVEL_3, LEVEL_4 = ({"maturity_level": str(n)} for n in (2, 3, 4))
CONDITIONAL_BAD_ANSWERS = [
    (LEVEL_2, "aws_region", "mars-east-1", "must be an AWS region code such as us-east-1"),
    (LEVEL_2, "aws_region", "us_east_1", "must be an AWS region code such as us-east-1"),
    (LEVEL_3, "notification_channel", "pager", "must be none, slack or telegram"),
    (LEVEL_3, "notification_channel", "email", "must be none, slack or telegram"),
    (LEVEL_4, "deployment_config", "AllAtOnce", "must be one of CodeDeployDefault.ECSAllAtOnce"),
    (LEVEL_4, "rollout_percentage", "0", "must be a whole number from 1 to 100"),
    (LEVEL_4, "rollout_percentage", "101", "must be a whole number from 1 to 100"),
    (LEVEL_4, "rollout_percentage", "abc", "must be a whole number from 1 to 100"),
    (LEVEL_4, "rollout_percentage", "12.5", "must be a whole number from 1 to 100"),
    (
        {"market_data_provider": "exchange"},
        "exchange_id",
        "kraken",
        "exchange_id must be binance or okx",
    ),
]


def copier_cli(copier_bin: list[str], *args: str, cwd: Path) -> Any:
    return run([*copier_bin, *args], cwd, check=False, timeout=120)


def assert_validation_error(result: Any, key: str, message: str) -> None:
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert f"Validation error for question '{key}': " in last_line, last_line
    assert message in last_line, last_line


@pytest.mark.parametrize(("key", "value", "message"), BAD_ANSWERS)
def test_bad_answer_is_refused_and_writes_nothing(
    copier_template: Path, copier_bin: list[str], tmp_path: Path, key: str, value: str, message: str
) -> None:
    dst = tmp_path / "my-bot"
    result = copier_cli(
        copier_bin, "copy", "--trust", "--defaults", "--data", f"{key}={value}",
        str(copier_template), str(dst), cwd=tmp_path,
    )  # fmt: skip
    assert_validation_error(result, key, message)
    assert not dst.exists()


@pytest.mark.parametrize(("given", "key", "value", "message"), CONDITIONAL_BAD_ANSWERS)
def test_bad_conditional_answer_is_refused_and_writes_nothing(
    copier_template: Path,
    copier_bin: list[str],
    tmp_path: Path,
    given: dict[str, str],
    key: str,
    value: str,
    message: str,
) -> None:
    dst = tmp_path / "my-bot"
    dst.mkdir()
    (dst / "notes.txt").write_text("the user's own file\n")
    before = tree_digest(dst)
    given_data = [arg for name, answer in given.items() for arg in ("--data", f"{name}={answer}")]
    result = copier_cli(
        copier_bin, "copy", "--trust", "--defaults", *given_data, "--data", f"{key}={value}",
        str(copier_template), str(dst), cwd=tmp_path,
    )  # fmt: skip
    assert_validation_error(result, key, message)
    assert tree_digest(dst) == before


def test_downgrade_is_refused_and_changes_nothing(
    render: Callable[..., Path], copier_bin: list[str]
) -> None:
    project = render(2)
    git_commit_all(project, "level 2")
    before = tree_digest(project)
    result = copier_cli(
        copier_bin, "update", "--trust", "--defaults", "--data", "maturity_level=1",
        cwd=project,
    )  # fmt: skip
    assert_validation_error(
        result, "maturity_level", "this project is at level 2 (Automated) and downgrades are not"
    )
    assert tree_digest(project) == before
    assert answers(project)["maturity_level"] == 2


def test_same_level_update_is_accepted(render: Callable[..., Path], copier_bin: list[str]) -> None:
    project = render(3)
    git_commit_all(project, "level 3")
    result = copier_cli(copier_bin, "update", "--trust", "--defaults", cwd=project)
    assert result.returncode == 0, result.stderr
    assert answers(project)["maturity_level"] == 3


def load_answer_filters() -> Any:
    """extensions/answers.py, loaded the way copier's extension loader loads it."""
    path = Path(__file__).resolve().parents[1] / "extensions" / "answers.py"
    spec = importlib.util.spec_from_file_location("cica_answers", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Moon Wätch", "moon-watch"),
        ("Crypto Assistant", "crypto-assistant"),
        ("  Ça   Marche!! ", "ca-marche"),
        ("3Commas Helper", "bot-3commas-helper"),
        ("The Crypto Assistant For The Whole Family", "the-crypto-assistant-for-the"),
        ("Überwachungsdienstprogrammsammlungsbot", "uberwachungsdienstprogrammsamm"),
        ("月の見張り", "crypto-assistant"),
    ],
)
def test_any_project_name_derives_a_slug_that_its_validator_accepts(name: str, slug: str) -> None:
    derived = load_answer_filters().slugify(name)
    assert derived == slug
    assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", derived)
    assert len(derived) <= 30


def test_free_typed_answers_are_written_normalised(render: Callable[..., Path]) -> None:
    project = render(
        2,
        name="typed",
        project_name="Moon Wätch",
        default_symbols=" btc-usdt, eth/usdt ,Doge-Usdt",
        aws_region=" EU-West-1 ",
    )
    recorded = answers(project)
    assert recorded["project_slug"] == "moon-watch"
    assert recorded["package_prefix"] == "moon_watch"
    assert recorded["default_symbols"] == "BTC-USDT,ETH-USDT,DOGE-USDT"
    assert recorded["aws_region"] == "eu-west-1"
    bot_settings = project / "services/telegram-bot/src/moon_watch_telegram_bot/settings.py"
    assert '    "BTC-USDT",\n    "ETH-USDT",\n    "DOGE-USDT",\n]' in bot_settings.read_text()
    assert (
        "DEFAULT_SYMBOLS=BTC-USDT,ETH-USDT,DOGE-USDT\n"
        in (project / "config/staging.env.example").read_text()
    )
    assert "eu-west-1" in (project / "Makefile").read_text()
