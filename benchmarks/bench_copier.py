"""How long generating and upgrading take, each beside a baseline from the same run.

    uv run python benchmarks/bench_copier.py [--repeat 3]

Rows:
- copy at level N      vs copier copying the same rendered files as a template
                       without questions, extensions or Jinja (goal: <= 1.5x at level 4)
- update 1 -> 2        vs copier's no-op update of the same project (goal: <= 1.2x)
- raw Jinja2 render    of the same template files with the same context: the floor
"""

from __future__ import annotations

import argparse
import importlib.util
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


def logicless_template(work: Path, rendered: Path) -> Path:
    """The rendered project as a template with no questions and no Jinja."""
    src = work / "logicless"
    shutil.rmtree(src, ignore_errors=True)
    shutil.copytree(rendered, src / "template", ignore=shutil.ignore_patterns(".git"))
    (src / "template" / ".copier-answers.yml").unlink()
    (src / "copier.yml").write_text("_subdirectory: template\n_templates_suffix: .jinja\n")
    return committed(src, "v0.1.0")


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
        relative = env.from_string(str(path.relative_to(base))).render(context)
        if not relative or relative.endswith("/") or "//" in relative:
            continue
        target = dst / relative.removesuffix(".jinja")
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".jinja":
            target.write_text(env.from_string(path.read_text()).render(context))
        else:
            target.write_bytes(path.read_bytes())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per row (median)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    rows: list[tuple[str, float, str, float]] = []
    with tempfile.TemporaryDirectory(prefix="cica-bench-") as tmp:
        work = Path(tmp)
        src = template_clone(work)
        for level in (1, 2, 3, 4):
            dst = work / f"copy-{level}"
            took = timed(lambda d=dst, n=level: copy(src, d, maturity_level=n), args.repeat)
            logicless = logicless_template(work, dst)
            base = timed(lambda t=logicless: copy(t, work / "plain"), args.repeat)
            rows.append((f"copy at level {level}", took, "copy of a logic-less template", base))

        answers = yaml.safe_load((work / "copy-4" / ".copier-answers.yml").read_text())
        answers = {k: v for k, v in answers.items() if not k.startswith("_")}
        floor = timed(lambda: raw_jinja_render(src, work / "raw", answers), args.repeat)
        rows.append(("raw Jinja2 render, level 4", floor, "(the floor)", floor))

        project = work / "project"

        def fresh_level_1() -> None:
            copy(src, project, maturity_level=1)
            committed(project)

        def update(**data: Any) -> None:
            run_update(project, data=data, defaults=True, overwrite=True, unsafe=True, quiet=True)

        step = timed(lambda: update(maturity_level=2), args.repeat, setup=fresh_level_1)
        noop = timed(lambda: update(), args.repeat, setup=fresh_level_1)
        rows.append(("update 1 -> 2", step, "no-op update", noop))

    print(f"{'measure':<28} {'seconds':>8}   {'baseline':<30} {'seconds':>8} {'ratio':>6}")
    for name, took, base_name, base in rows:
        print(f"{name:<28} {took:>8.3f}   {base_name:<30} {base:>8.3f} {took / base:>5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
