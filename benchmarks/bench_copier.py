"""How long generating, upgrading and getting to green tests take, each beside
a baseline measured in the same run.

    uv run python benchmarks/bench_copier.py [--repeat 3] [--green-levels 1,4]

Rows:
- copy at level N        vs a raw Jinja2 render of the same template files with the
                         same context (no copier): what copier's machinery costs
- update N -> N+1        vs copier's no-op update of the same project at level N
- copy to green, level N copy + `uv sync --all-packages` (warm uv cache) + the
                         project's pytest, vs that pytest alone in the synced
                         project: what a user waits beyond the tests themselves
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import yaml
from copier import run_copy, run_update

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_PARTS = ("copier.yml", "extensions", "migrations", "template")
GIT_ENV = ["-c", "user.name=bench", "-c", "user.email=bench@example.com"]


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *GIT_ENV, *args], cwd=cwd, check=True, capture_output=True)


def committed(path: Path, tag: str | None = None) -> Path:
    git(path, "init", "-q", "-b", "main")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "snapshot")
    if tag:
        git(path, "tag", tag)
    return path


def template_clone(work: Path) -> Path:
    src = work / "cica"
    src.mkdir()
    for part in TEMPLATE_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, src / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, src / part)
    return committed(src, "v0.1.0")


def timed(action: Callable[[], Any], repeat: int, setup: Callable[[], Any] | None = None) -> float:
    samples = []
    for _ in range(repeat):
        if setup:
            setup()
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def copy(src: Path, dst: Path, **data: Any) -> None:
    shutil.rmtree(dst, ignore_errors=True)
    run_copy(str(src), dst, data=data, defaults=True, unsafe=True, quiet=True)


def load_context_module() -> Any:
    spec = importlib.util.spec_from_file_location("cica_context", ROOT / "extensions/context.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def raw_jinja_render(src: Path, dst: Path, answers: dict[str, Any]) -> None:
    """Render template/ with plain Jinja2: the cost floor of generating."""
    context_module = load_context_module()
    level = context_module.clamp_level(answers["maturity_level"])
    context = {
        **answers,
        "level": level,
        "level_name": context_module.LEVELS[level],
        "levels": context_module.LEVELS,
        "next_level": min(level + 1, 4),
        "features": context_module.features_for(level),
        "evolution_features": context_module.EVOLUTION_FEATURES,
        "flags": context_module.flags_for(level),
        "roadmap": context_module.ROADMAP,
        "aws_regions": context_module.AWS_REGIONS,
        "codedeploy_configs": context_module.CODEDEPLOY_CONFIGS,
        "_copier_answers": answers,
        "_copier_conf": {"answers_file": ".copier-answers.yml", "dst_path": str(dst)},
    }
    env = jinja2.Environment(
        keep_trailing_newline=True,
        extensions=["jinja2_time.TimeExtension"],
    )
    env.filters["to_nice_yaml"] = lambda value: yaml.safe_dump(value, sort_keys=True)
    env.filters["regex_replace"] = lambda value, *_: value
    shutil.rmtree(dst, ignore_errors=True)
    base = src / "template"
    for path in sorted(base.rglob("*")):
        if not path.is_file():
            continue
        template_path = path.relative_to(base)
        if path.suffix == ".jinja":
            template_path = template_path.with_suffix("")
        parts = [env.from_string(part).render(context) for part in template_path.parts]
        if not all(parts):  # copier skips a path whose name renders empty
            continue
        target = dst.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".jinja":
            target.write_text(env.from_string(path.read_text()).render(context))
        else:
            target.write_bytes(path.read_bytes())


def project_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "UV_PROJECT"))}
    env["UV_NO_PROGRESS"] = "1"
    return env


def sh(cwd: Path, *args: str) -> None:
    subprocess.run(args, cwd=cwd, env=project_env(), check=True, capture_output=True)


def project_answers(project: Path) -> dict[str, Any]:
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    return {k: v for k, v in answers.items() if not k.startswith("_")}


PYTEST = ("uv", "run", "--no-sync", "pytest", "-q", "-p", "no:cacheprovider")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per row (median)")
    parser.add_argument(
        "--green-levels", default="1,4", help="levels for the copy-to-green rows (comma-separated)"
    )
    args = parser.parse_args()
    green_levels = [int(level) for level in args.green_levels.split(",") if level]
    warnings.simplefilter("ignore")
    rows: list[tuple[str, float, str, float]] = []
    with tempfile.TemporaryDirectory(prefix="cica-bench-") as tmp:
        work = Path(tmp)
        src = template_clone(work)
        for level in (1, 2, 3, 4):
            dst = work / f"copy-{level}"
            took = timed(lambda d=dst, n=level: copy(src, d, maturity_level=n), args.repeat)
            answers = project_answers(dst)
            raw = timed(lambda a=answers: raw_jinja_render(src, work / "raw", a), args.repeat)
            rows.append((f"copy at level {level}", took, "raw Jinja2 render", raw))

        project = work / "project"

        def update(**data: Any) -> None:
            run_update(project, data=data, defaults=True, overwrite=True, unsafe=True, quiet=True)

        for level in (1, 2, 3):

            def at_level(n: int = level) -> None:
                copy(src, project, maturity_level=n)
                committed(project)

            step = timed(lambda n=level: update(maturity_level=n + 1), args.repeat, setup=at_level)
            noop = timed(lambda: update(), args.repeat, setup=at_level)
            rows.append((f"update {level} -> {level + 1}", step, "no-op update", noop))

        for level in green_levels:
            green = work / f"green-{level}"

            def copy_to_green(d: Path = green, n: int = level) -> None:
                copy(src, d, maturity_level=n)
                sh(d, "uv", "sync", "--all-packages", "--quiet")
                sh(d, *PYTEST)

            copy_to_green()  # warms the uv cache for this level's dependencies
            took = timed(copy_to_green, 1)
            tests_only = timed(lambda d=green: sh(d, *PYTEST), 1)
            rows.append((f"copy to green, level {level}", took, "its pytest alone", tests_only))

    print(f"{'measure':<26} {'seconds':>8}   {'baseline':<20} {'seconds':>8} {'ratio':>6}")
    for name, took, base_name, base in rows:
        print(f"{name:<26} {took:>8.3f}   {base_name:<20} {base:>8.3f} {took / base:>5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
