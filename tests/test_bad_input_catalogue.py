"""Bad input to a generated level-4 project, case by case: a bad API request
gets a 4xx with a JSON body, a bad bot command a helpful reply, a bad script
argument, setting or flag file a one-line message and exit 2. Never a 500,
never a traceback.

(Bad copier answers are catalogued in test_answers.py.)
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import git_commit_all, project_env, run

pytestmark = pytest.mark.xdist_group("bad-input-catalogue")

# (method, path, status, error code in the JSON body, words of its detail)
BAD_REQUESTS = [
    ("GET", "/v1/price/BTC-USDT-ETH", 400, "invalid_symbol", "is not a trading pair"),
    ("GET", "/v1/price/%00", 400, "invalid_symbol", "is not a trading pair"),
    ("GET", "/v1/price/ZZZQ-USDT", 404, "unknown_symbol", "ZZZQ-USDT is not a sample market"),
    ("GET", "/v1/atr/BTCC-USDT", 404, "unknown_symbol", "(close: BTC-USDT)"),
    ("GET", "/v1/ohlcv/BTC-USDT?interval=7m", 422, "invalid_parameter", "interval must be one of"),
    (
        "GET",
        "/v1/ohlcv/BTC-USDT?limit=100000",
        422,
        "invalid_parameter",
        "limit must be an integer",
    ),
    ("GET", "/v1/ohlcv/BTC-USDT?limit=abc", 422, "invalid_parameter", "limit must be an integer"),
    ("GET", "/v1/ohlcv/BTC-USDT?limit=0", 422, "invalid_parameter", "limit must be an integer"),
    ("GET", "/v1/atr/BTC-USDT?period=0", 422, "invalid_parameter", "period must be an integer"),
    ("GET", "/v1/atr/BTC-USDT?period=abc", 422, "invalid_parameter", "period must be an integer"),
    ("GET", "/v1/atr/BTC-USDT?period=101", 422, "invalid_parameter", "period must be an integer"),
    ("GET", "/v1/atr/BTC-USDT?interval=bad", 422, "invalid_parameter", "interval must be one of"),
    ("GET", "/nope", 404, "not_found", "endpoints: /health"),
    ("POST", "/v1/price/BTC-USDT", 405, "method_not_allowed", "use GET"),
    ("DELETE", "/health", 405, "method_not_allowed", "use GET"),
]

# (what the user types, words of the reply)
BAD_COMMANDS = [
    ("/price ZZZQ", "ZZZQ-USDT is not a known symbol. Try BTC-USDT, ETH-USDT or SOL-USDT."),
    ("/watch btcc", "BTCC-USDT is not a known symbol. Try BTC-USDT."),
    ("/price BTC-USDT-ETH", "is not a trading pair"),
    ("/atr", "Usage: /atr SYMBOL [PERIOD]"),
    ("/atr BTC 0", "PERIOD must be a whole number"),
    ("/atr BTC abc", "PERIOD must be a whole number"),
    ("/alert BTC sideways 50000", "'sideways' is not a direction: use above or below."),
    ("/alert BTC above -5", "'-5' is not a positive price"),
    ("/alert BTC above lots", "'lots' is not a price."),
    ("/alert BTC 5%", "Say within how long: /alert BTC-USDT 5% 1h.\nExamples: /alert BTC"),
    ("/alert BTC 2atr every 30s", "'30s' is not a cool-down: use minutes, hours or days"),
    ("/alert BTC -150% 1h", "A price cannot fall 100% or more"),
    ("/unalert xyz", "'xyz' is not an alert id"),
    ("/unalert 999", "You have no pending alert #999"),
    ("/settings quote doge", "the quote currency is one of USDT, USDC, USD, EUR, BTC"),
    ("/settings quiet 25-3", "an hour is 0 to 23, not 25"),
    ("/settings colour red", "there is no setting 'colour'"),
    ("/frobnicate", "Unknown command /frobnicate. Send /help"),
    ("hello", "I understand commands such as /price btc"),
    ("/watch", "Usage: /watch SYMBOL"),
    ("/unwatch ETH", "ETH-USDT is not on your watchlist"),
    ("/list extra", "Usage: /list"),
]

PY = ["uv", "run", "--no-sync", "python"]
RUN = ["uv", "run", "--no-sync"]
# (command, extra environment, words of the last stderr line)
BAD_SCRIPT_RUNS = [
    (
        ["python3", "scripts/setup/upgrade.py", "9"],
        {},
        "level 9 does not exist: choose 1, 2, 3 or 4",
    ),
    (
        ["python3", "scripts/setup/upgrade.py", "abc"],
        {},
        "argument level: invalid int value: 'abc'",
    ),
    (["bash", "scripts/generate-checklist.sh", "--level", "7"], {}, "invalid choice: 7"),
    ([*PY, "scripts/evolution_detector.py", "--bogus"], {}, "unrecognized arguments: --bogus"),
    ([*PY, "scripts/generators/generate-tests.py", "nope.py"], {}, "nope.py: no such file"),
    (
        [*PY, "scripts/generators/generate-deployment.py", "--environment", "moon"],
        {},
        "invalid choice: 'moon'",
    ),
    ([*RUN, "ecs-deploy", "deploy"], {}, "arguments are required: --environment"),
    (
        [
            *RUN,
            "ecs-deploy",
            "deploy",
            "--environment",
            "moon",
            "--image-tag",
            "x",
        ],
        {},
        "invalid choice: 'moon'",
    ),
    (
        [*RUN, "smoke-test", "--base-url", "not-a-url"],
        {},
        "'not-a-url' is not an http:// or https:// URL",
    ),
    (
        [*RUN, "health-check", "--url", "ftp://x"],
        {},
        "'ftp://x' is not an http:// or https:// URL",
    ),
    (
        [*RUN, "telegram-webhook", "set"],
        {"TELEGRAM_WEBHOOK_URL": ""},
        "no webhook URL: pass --url or set TELEGRAM_WEBHOOK_URL",
    ),
    (
        [*RUN, "deploy-dashboard", "--log", "missing.jsonl"],
        {},
        "missing.jsonl: no such deployment log",
    ),
    ([*RUN, "dora-metrics", "--window", "0"], {}, "'0' must be longer than 0"),
    (
        [*RUN, "dora-metrics", "--cache", "missing.jsonl"],
        {"GITHUB_TOKEN": "", "GH_TOKEN": ""},
        "no GITHUB_TOKEN or GH_TOKEN and no cached deployments in missing.jsonl",
    ),
    (
        [*RUN, "experiment-report", "--from", "missing.json"],
        {},
        "cannot read missing.json",
    ),
    ([*RUN, "experiment-report", "--alpha", "2"], {}, "must be between 0 and 1"),
    ([*RUN, "promotion-check", "bogus"], {}, "unrecognized arguments: bogus"),
    (
        [*RUN, "promotion-check", "--repo", "octo/bot", "--requested", "v1.0.0"],
        {"GITHUB_TOKEN": "", "GH_TOKEN": ""},
        "no GitHub token: set GH_TOKEN or GITHUB_TOKEN",
    ),
    (
        [*RUN, "flags-publish", "--environment", "staging", "--file", "missing.yml"],
        {},
        "missing.yml: no such file",
    ),
    (
        ["uv", "run", "--no-sync", "market-data"],
        {"FEATURE_FLAGS_POLL_SECONDS": "5"},
        "Invalid setting FEATURE_FLAGS_POLL_SECONDS: must be a whole number of seconds from 15",
    ),
    (
        ["uv", "run", "--no-sync", "telegram-bot", "--console"],
        {"FEATURE_FLAGS_APPCONFIG_APPLICATION": "flags"},
        "feature flags from AppConfig need FEATURE_FLAGS_APPCONFIG_APPLICATION, _ENVIRONMENT",
    ),
    (
        ["uv", "run", "--no-sync", "market-data"],
        {"MARKET_DATA_PORT": "abc"},
        "Invalid setting MARKET_DATA_PORT: must be an integer from 1 to 65535 (got 'abc')",
    ),
    (
        ["uv", "run", "--no-sync", "telegram-bot"],
        {"BOT_MODE": "carrier-pigeon"},
        "Invalid setting BOT_MODE: must be polling or webhook (got 'carrier-pigeon')",
    ),
    (
        ["uv", "run", "--no-sync", "telegram-bot"],
        {"BOT_MODE": "webhook", "TELEGRAM_BOT_TOKEN": "1:x"},
        "Invalid setting TELEGRAM_BOT_TOKEN: must be a bot token from @BotFather",
    ),
]

# (how the shipped config/feature-flags.yml is broken: before -> after, words of the error)
BAD_FLAG_FILES = [
    ("rollout_percentage: 100", "rollout_percentage: 150", "rollout_percentage"),
    ("rollout_percentage: 100", "rollout_percentage: lots", "rollout_percentage"),
    ("features:", "flags:", "flags is not a known key"),
    ("    enabled: true\n", "    enabled: maybe\n", "enabled"),
    ("features:", "features: [", "config/feature-flags.yml"),
]


@dataclass
class LevelFourProject:
    path: Path
    market_data_url: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_health(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"market-data exited {server.returncode} before answering /health")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    pytest.fail("market-data did not answer /health within 60 s")


@pytest.fixture(scope="module")
def project(
    tmp_path_factory: pytest.TempPathFactory, copier_template: Path, copier_bin: list[str]
) -> Iterator[LevelFourProject]:
    """A level-4 project, synced, with its market-data service running on 127.0.0.1."""
    path = tmp_path_factory.mktemp("catalogue") / "my-bot"
    copy = [*copier_bin, "copy", "--trust", "--defaults", "--data", "maturity_level=4"]
    run([*copy, str(copier_template), str(path)], path.parent)
    git_commit_all(path, "Generate at level 4")
    run(["uv", "sync", "--all-packages", "--all-groups", "--quiet"], path)
    port = free_port()
    env = {**project_env(), "MARKET_DATA_HOST": "127.0.0.1", "MARKET_DATA_PORT": str(port)}
    server = subprocess.Popen(
        ["uv", "run", "--no-sync", "market-data"],
        cwd=path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, server)
        yield LevelFourProject(path, url)
    finally:
        server.terminate()
        server.wait(timeout=15)


def assert_no_traceback(*outputs: str) -> None:
    for output in outputs:
        assert "Traceback" not in output, output[-2000:]


@pytest.mark.parametrize(("method", "path", "status", "error", "detail"), BAD_REQUESTS)
def test_bad_request_gets_a_4xx_with_a_json_body(
    project: LevelFourProject, method: str, path: str, status: int, error: str, detail: str
) -> None:
    request = urllib.request.Request(f"{project.market_data_url}{path}", method=method)
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request, timeout=10)
    response = answer.value
    assert response.code == status
    assert response.headers["content-type"].startswith("application/json")
    body = json.loads(response.read())
    assert body["error"] == error
    assert detail in body["detail"]


@pytest.mark.parametrize(("text", "reply"), BAD_COMMANDS)
def test_bad_bot_command_gets_a_helpful_reply(
    project: LevelFourProject, text: str, reply: str
) -> None:
    env = {**project_env(), "MARKET_DATA_URL": project.market_data_url}
    result = run(
        ["uv", "run", "--no-sync", "telegram-bot", "--console"],
        project.path,
        input=text + "\n",
        env=env,
        timeout=60,
    )
    assert reply in result.stdout
    assert_no_traceback(result.stdout, result.stderr)


@pytest.mark.parametrize(
    ("command", "environment", "message"),
    BAD_SCRIPT_RUNS,
    ids=[" ".join(c[-3:]) + "".join(f" {k}" for k in e) for c, e, _ in BAD_SCRIPT_RUNS],
)
def test_bad_script_argument_or_setting_gets_one_line_and_exit_2(
    project: LevelFourProject, command: list[str], environment: dict[str, str], message: str
) -> None:
    result = run(
        command, project.path, check=False, env={**project_env(), **environment}, timeout=60
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert message in result.stderr.strip().splitlines()[-1]
    assert_no_traceback(result.stdout, result.stderr)


@pytest.mark.parametrize(("before", "after", "message"), BAD_FLAG_FILES)
def test_bad_flag_file_stops_the_service_with_one_line(
    project: LevelFourProject, tmp_path: Path, before: str, after: str, message: str
) -> None:
    shipped = (project.path / "config/feature-flags.yml").read_text()
    assert before in shipped
    broken = tmp_path / "config" / "feature-flags.yml"
    broken.parent.mkdir()
    broken.write_text(shipped.replace(before, after, 1))
    env = {**project_env(), "FEATURE_FLAGS_FILE": str(broken), "MARKET_DATA_PORT": str(free_port())}
    market_data = ["uv", "run", "--no-sync", "market-data"]
    result = run(market_data, project.path, check=False, env=env, timeout=60)
    assert result.returncode == 2, result.stderr[-2000:]
    last_line = result.stderr.strip().splitlines()[-1]
    assert message in last_line and str(broken) in last_line, last_line
    assert_no_traceback(result.stdout, result.stderr)


def test_catalogue_has_at_least_30_cases() -> None:
    cases = BAD_REQUESTS + BAD_COMMANDS + BAD_SCRIPT_RUNS + BAD_FLAG_FILES
    assert len(cases) >= 30, len(cases)
