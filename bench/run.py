"""Benchmarks: the generator against copier, the generated agent against a plain SQLite loop and
LangGraph + SqliteSaver. Scripted model only: no network, no sleeps; medians of alternating runs.

    uv run --group bench python bench/run.py              # full run, a Markdown table
    uv run --group bench python bench/run.py --quick --json   # < 5 minutes, one JSON object
"""

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import agent_bench
import generator_bench
import postgres_bench
import project


@dataclass(frozen=True)
class Plan:
    help_rounds: int
    generate_rounds: int
    step_rounds: int
    steps_per_sample: int
    resume_runs: int
    cold_runs: int
    pg_seconds: float
    pg_repeats: int


FULL = Plan(help_rounds=15, generate_rounds=9, step_rounds=15, steps_per_sample=20, resume_runs=51,
            cold_runs=15, pg_seconds=5.0, pg_repeats=2)  # fmt: skip
QUICK = Plan(help_rounds=5, generate_rounds=3, step_rounds=5, steps_per_sample=10, resume_runs=15,
             cold_runs=5, pg_seconds=2.0, pg_repeats=1)  # fmt: skip

# key -> (goal, True when lower is better)
GOALS: dict[str, tuple[float, bool]] = {
    "help_vs_copier": (0.4, True),
    "generate_vs_copier": (1.3, True),
    "step_vs_floor": (3.0, True),
    "step_vs_langgraph_sqlite": (0.02, True),
    "step_growth_1000_vs_10": (2.0, True),
    "resume_1000_ms": (10.0, True),
    "show_cold_1000_s": (0.25, True),
    "bytes_per_event": (512.0, True),
    "pg_2w_vs_1w": (1.6, False),
}


def progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def collect(plan: Plan, work: Path) -> dict[str, Any]:
    results: dict[str, Any] = {}
    load_before = os.getloadavg()[0]
    progress("generator: --help and generation against copier")
    gen = generator_bench.measure(plan.help_rounds, plan.generate_rounds, work)
    results |= {
        "help_vs_copier": gen.help_vs_copier,
        "generate_vs_copier": gen.generate_vs_copier,
        "help_s": gen.help_s,
        "generate_s": gen.generate_s,
        "copier_help_s": gen.copier_help_s,
        "copier_generate_s": gen.copier_generate_s,
    }
    progress("generating the agent project under test")
    agent = project.generate(work)
    progress("agent: steps against the floor and LangGraph, resume, storage")
    figures = agent_bench.measure(
        agent, work, rounds=plan.step_rounds, steps=plan.steps_per_sample,
        runs=plan.resume_runs, cold_runs=plan.cold_runs,
    )  # fmt: skip
    results |= {
        "step_vs_floor": figures.worst_ratio("ours", "floor"),
        "step_vs_langgraph_sqlite": figures.worst_ratio("ours", "langgraph_sqlite"),
        "step_growth_1000_vs_10": figures.growth,
        "resume_1000_ms": figures.resume_s * 1e3,
        "show_cold_1000_s": figures.show_cold_s,
        "bytes_per_event": figures.bytes_per_event,
        "per_step_us": {
            side: {str(n): seconds * 1e6 for n, seconds in by_length.items()}
            for side, by_length in figures.per_step.items()
        },
        "langgraph_resume_1000_ms": figures.langgraph_resume_s * 1e3,
        "langgraph_show_cold_1000_s": figures.langgraph_show_cold_s,
    }
    progress("postgres: steps/s with 1, 2 and 4 workers")
    results |= postgres_bench.measure(agent, plan.pg_seconds, plan.pg_repeats)
    results["goals_met"] = {key: met(key, results.get(key)) for key in GOALS}
    results["machine"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(terse=True),
        # Other work on the machine shows up here; ratios hold up better than absolute times.
        "load_average_1m_before_after": [load_before, os.getloadavg()[0]],
    }
    return results


def met(key: str, value: Any) -> bool | None:
    if not isinstance(value, int | float):
        return None
    goal, lower_is_better = GOALS[key]
    return value <= goal if lower_is_better else value >= goal


def markdown(results: dict[str, Any]) -> str:
    """The results as the table docs/benchmarks.md shows."""
    lines = ["| figure | measured | goal | met |", "|---|---:|---:|:---:|"]
    for key in [*GOALS, "help_s", "generate_s", "copier_help_s", "copier_generate_s",
                "langgraph_resume_1000_ms", "langgraph_show_cold_1000_s",
                "pg_steps_per_s_1w", "pg_steps_per_s_2w", "pg_steps_per_s_4w"]:  # fmt: skip
        value = results.get(key)
        shown = "n/a" if value is None else f"{value:.4g}"
        goal = GOALS.get(key)
        goal_text = "" if goal is None else ("<= " if goal[1] else ">= ") + f"{goal[0]:g}"
        verdict = {True: "yes", False: "**no**", None: ""}[met(key, value)] if goal else ""
        lines.append(f"| `{key}` | {shown} | {goal_text} | {verdict} |")
    lines += ["", "| us per step | " + " | ".join(f"{n} events" for n in agent_bench.LENGTHS) + " |",
              "|---|" + "---:|" * len(agent_bench.LENGTHS)]  # fmt: skip
    for side, by_length in results["per_step_us"].items():
        lines.append(f"| {side} | " + " | ".join(f"{us:.0f}" for us in by_length.values()) + " |")
    for note in results.get("notes", []):
        lines.append(f"\nNote: {note}")
    return "\n".join(lines)


def use_bytecode_cache(work: Path) -> None:
    """Let the measured child processes cache bytecode, as any installed package does, without
    writing into the repo or the venv: every .pyc goes to a private prefix, warmed by the
    discarded first round of each comparison."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(work / "pycache")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer rounds; finishes in a few minutes")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="c12fa-bench-") as tmp:
        use_bytecode_cache(Path(tmp))
        results = collect(QUICK if args.quick else FULL, Path(tmp))
    results["bench_seconds"] = time.perf_counter() - started
    print(json.dumps(results, indent=2) if args.json else markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
