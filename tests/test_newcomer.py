"""The first hour, as a newcomer lives it: copy with answers typed the way
people type them, follow the after-copy message line by line as copier printed
it, preview and run the upgrade to level 2 with a new answer, and end on a
clean `main` whose tests pass."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from conftest import answers, project_env, run


def after_copy_steps(message: str) -> list[str]:
    """The commands under "Next steps" in copier's after-copy message."""
    lines = message.split("Next steps", 1)[1].splitlines()[1:]
    steps = []
    for line in lines:
        if not line.strip():
            break
        steps.append(line.strip())
    return steps


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def newcomer_env() -> dict[str, str]:
    """A newcomer's shell: git knows who they are; the chat's market-data gets a
    port of its own so parallel tests cannot answer for it."""
    return {
        **project_env(),
        "GIT_AUTHOR_NAME": "New Comer",
        "GIT_AUTHOR_EMAIL": "new@example.com",
        "GIT_COMMITTER_NAME": "New Comer",
        "GIT_COMMITTER_EMAIL": "new@example.com",
        "MARKET_DATA_PORT": str(free_port()),
    }


@pytest.mark.slow
def test_newcomer_follows_the_after_copy_steps_and_upgrades_to_level_2_on_a_clean_main(
    copier_template: Path, copier_bin: list[str], tmp_path: Path
) -> None:
    env = newcomer_env()
    destination = tmp_path / "moon-watch"
    copied = run(
        [
            *copier_bin, "copy", "--trust", "--defaults",
            "--data", "project_name=Moon Wätch",
            "--data", "default_symbols=btc-usdt, eth-usdt",
            str(copier_template), str(destination),
        ],
        tmp_path,
        env=env,
    )  # fmt: skip
    steps = after_copy_steps(copied.stderr)
    assert steps[0] == f"cd {destination}"
    assert "git init -b main" in steps
    assert steps.index("git init -b main") < min(
        index for index, step in enumerate(steps) if step.startswith("uv sync")
    )

    # The steps as one shell session, exactly as printed; the chat asks one price.
    session = run(
        ["bash", "-euo", "pipefail", "-c", "\n".join(steps)],
        tmp_path,
        env=env,
        input="/price btc\n",
        timeout=900,
    )
    assert "BTC-USDT" in session.stdout
    assert run(["git", "status", "--porcelain"], destination).stdout == ""
    assert run(["git", "branch", "--show-current"], destination).stdout.strip() == "main"

    preview = run(["make", "upgrade-preview", "LEVEL=2"], destination, env=env)
    assert "aws_region: us-east-1  (default)" in preview.stdout
    assert 'make upgrade LEVEL=2 DATA="aws_region=..."' in preview.stdout

    upgraded = run(
        ["make", "upgrade", "LEVEL=2", "DATA=aws_region=eu-west-1"], destination, env=env
    )
    assert upgraded.stdout.strip().splitlines()[-1].startswith("First deploy to AWS")
    assert "Upgraded to level 2 (Automated) with no conflicts" in upgraded.stdout
    recorded = answers(destination)
    assert (recorded["maturity_level"], recorded["aws_region"]) == (2, "eu-west-1")
    assert recorded["default_symbols"] == "BTC-USDT,ETH-USDT"

    run(["git", "add", "-A"], destination, env=env)
    run(["git", "commit", "-q", "-m", "Upgrade to level 2"], destination, env=env)
    run(["make", "test"], destination, env=env, timeout=900)
    assert run(["git", "status", "--porcelain"], destination).stdout == ""
    assert run(["git", "branch", "--show-current"], destination).stdout.strip() == "main"
