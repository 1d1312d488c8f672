"""Timing helpers: alternate the sides of a comparison round by round and keep every sample."""

import gc
import itertools
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

Sample = Callable[[], float | list[float]]


def alternate(sides: Mapping[str, Sample], rounds: int, *, warmup: int = 1) -> dict[str, list[float]]:
    """Run every side once per round, rotating who goes first, so drift and noise hit all alike.

    Each side does its own untimed set-up and returns the figure(s) it measured (seconds).
    """
    names = list(sides)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_no in range(warmup + rounds):
        shift = round_no % len(names)
        for name in names[shift:] + names[:shift]:
            gc.collect()  # a collection left over from set-up must not land in the timed part
            value = sides[name]()
            if round_no >= warmup:
                samples[name].extend(value if isinstance(value, list) else [value])
    return samples


def intervals(marks: Sequence[float]) -> list[float]:
    """The gaps between consecutive time marks."""
    return [later - earlier for earlier, later in itertools.pairwise(marks)]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def ratio(numerator: Sequence[float], denominator: Sequence[float]) -> float:
    """The ratio of the medians."""
    return median(numerator) / median(denominator)


def wall_time(argv: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> float:
    """Seconds a command takes from spawn to exit; it must succeed."""
    start = time.perf_counter()
    completed = subprocess.run(
        list(argv), cwd=cwd, env=dict(env) if env is not None else None, capture_output=True, check=False
    )
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        detail = completed.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise RuntimeError(f"{' '.join(argv)} failed ({completed.returncode}): {' / '.join(detail)}")
    return elapsed
