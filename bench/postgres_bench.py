"""Postgres steps/s with 1, 2 and 4 workers, from bench/pg_workers.py (written alongside the
Postgres store). Reported as null, with the reason in `notes`, when it or a server is unavailable."""

import importlib
from typing import Any

from project import GeneratedAgent

KEYS = ("pg_steps_per_s_1w", "pg_steps_per_s_2w", "pg_steps_per_s_4w")


def measure(agent: GeneratedAgent, seconds: float, repeats: int) -> dict[str, Any]:
    nulls: dict[str, Any] = dict.fromkeys(KEYS)
    try:
        workers = importlib.import_module("pg_workers")
    except ImportError as exc:
        return {**nulls, "pg_2w_vs_1w": None, "notes": [f"Postgres figures skipped: {exc}"]}
    figures: dict[str, Any] = workers.measure(agent, seconds, repeats)
    one, two = figures.get(KEYS[0]), figures.get(KEYS[1])
    scaling = two / one if isinstance(one, float) and isinstance(two, float) and one > 0 else None
    return {**nulls, **figures, "pg_2w_vs_1w": scaling}
