"""The generated agent: per-step cost against the floor and LangGraph, resume cost, bytes on disk."""

import importlib
import os
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from floor import FloorSide
from langgraph_side import LangGraphSide, to_messages
from ours import OursSide, resume_seconds
from project import PACKAGE, GeneratedAgent
from stats import alternate, median, wall_time
from workload import new_id, prefix, record_thread, scripted_steps

LENGTHS = (10, 100, 1000)
SIDES = ("floor", "ours", "langgraph_sqlite")


@dataclass
class AgentFigures:
    # side -> thread length -> median seconds per step
    per_step: dict[str, dict[int, float]] = field(default_factory=dict)
    resume_s: float = 0.0
    langgraph_resume_s: float = 0.0
    show_cold_s: float = 0.0
    langgraph_show_cold_s: float = 0.0
    bytes_per_event: float = 0.0

    def worst_ratio(self, side: str, other: str) -> float:
        return max(self.per_step[side][n] / self.per_step[other][n] for n in LENGTHS)

    @property
    def growth(self) -> float:
        ours = self.per_step["ours"]
        return ours[LENGTHS[-1]] / ours[LENGTHS[0]]


def measure_steps(
    agent: GeneratedAgent, recorded: Any, work: Path, rounds: int, steps: int
) -> dict[str, dict[int, float]]:
    """Per-step medians for every side and thread length; the sides alternate within each round."""
    tools = agent.tools.discover()
    specs = tools.specs()
    system = importlib.import_module(f"{PACKAGE}.prompts").render_system_prompt(specs)
    ours = OursSide(agent, work / "ours.db")
    floor = FloorSide(work / "floor.db", system, specs)
    graph = LangGraphSide(work / "langgraph.db", system, specs)
    per_step: dict[str, dict[int, float]] = {side: {} for side in SIDES}
    try:
        for length in LENGTHS:
            samples = _alternate_steps(agent, recorded, length, (floor, ours, graph), rounds, steps)
            for side, values in samples.items():
                per_step[side][length] = median(values)
    finally:
        ours.close()
        floor.close()
        graph.close()
    return per_step


def _alternate_steps(
    agent: GeneratedAgent,
    recorded: Any,
    length: int,
    sides: tuple[FloorSide, OursSide, LangGraphSide],
    rounds: int,
    steps: int,
) -> dict[str, list[float]]:
    """Every side continues the same `length`-event thread; each sample is one model decision."""
    floor, ours, graph = sides
    base = prefix(agent, recorded, length)
    ours.warm(base)
    rows = [(event.type, event.model_dump_json()) for event in base.events]
    rendered = [agent.context.event_block(event) for event in base.events]
    messages = to_messages(base.events[:-1])
    answer = base.events[-1].answer
    return alternate(
        {
            "floor": lambda: floor.step_seconds(rows, rendered, scripted_steps(agent, steps)),
            "ours": lambda: ours.step_seconds(base, steps),
            "langgraph_sqlite": lambda: graph.step_seconds(
                messages, answer, scripted_steps(agent, steps), steps
            ),
        },
        rounds,
    )


def measure_resume(
    agent: GeneratedAgent, recorded: Any, work: Path, runs: int, cold_runs: int
) -> AgentFigures:
    """In-process and cold-process resume of a 1,000-event thread, ours and LangGraph's."""
    figures = AgentFigures()
    thread = recorded.fork(new_id(), LENGTHS[-1])
    ours_db, graph_db = work / "resume.db", work / "resume-langgraph.db"
    store = agent.sqlite_store.SQLiteStore(str(ours_db))
    store.create(thread)
    graph = LangGraphSide(graph_db)
    graph.seed(to_messages(thread.events), thread.id)
    try:
        warm = alternate(
            {
                "ours": lambda: resume_seconds(agent, store, thread.id),
                "langgraph": lambda: _timed_render(graph, thread.id),
            },
            runs,
        )
    finally:
        store.close()
        graph.close()
    env = {**os.environ, "PYTHONPATH": str(agent.src), "AGENT_DATABASE_URL": f"sqlite:///{ours_db}"}
    side_script = str(Path(__file__).with_name("langgraph_side.py"))
    cold = alternate(
        {
            "ours": lambda: wall_time([sys.executable, "-m", PACKAGE, "show", thread.id], cwd=work, env=env),
            "langgraph": lambda: wall_time([sys.executable, side_script, str(graph_db), thread.id], cwd=work),
        },
        cold_runs,
    )
    figures.resume_s, figures.langgraph_resume_s = median(warm["ours"]), median(warm["langgraph"])
    figures.show_cold_s, figures.langgraph_show_cold_s = median(cold["ours"]), median(cold["langgraph"])
    return figures


def _timed_render(graph: LangGraphSide, thread_id: str) -> float:
    start = time.perf_counter()
    graph.render(thread_id)
    return time.perf_counter() - start


def bytes_per_event(db_path: Path, events: int) -> float:
    """The database file's size per stored event, after folding the WAL back into it."""
    conn = sqlite3.connect(str(db_path))
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return db_path.stat().st_size / events


def measure(
    agent: GeneratedAgent, work: Path, *, rounds: int, steps: int, runs: int, cold_runs: int
) -> AgentFigures:
    recorded_db = work / "recorded.db"
    recorded = record_thread(agent, recorded_db, LENGTHS[-1])
    figures = measure_resume(agent, recorded, work, runs, cold_runs)
    figures.bytes_per_event = bytes_per_event(recorded_db, recorded.version)
    figures.per_step = measure_steps(agent, recorded, work, rounds, steps)
    return figures
