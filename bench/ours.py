"""Our side: the generated agent's step loop over its SQLite store, exactly as AgentService drives it
(`agent.iterate`, then one `store.append` per step with the version the step started from)."""

import time
from pathlib import Path
from typing import Any

from project import GeneratedAgent
from stats import intervals
from workload import new_id, scripted_steps


class OursSide:
    def __init__(self, agent: GeneratedAgent, db_path: Path) -> None:
        self._agent = agent
        self._store = agent.sqlite_store.SQLiteStore(str(db_path))
        self._tools = agent.tools.discover()

    def warm(self, base: Any) -> None:
        """Render the prefix once: in a running worker every earlier event was rendered already."""
        self._agent.context.render_context(base)

    def step_seconds(self, base: Any, steps: int) -> list[float]:
        """Seconds of each model decision: from one decision's start to its commit."""
        thread = base.fork(new_id(), base.version)
        self._store.create(thread)
        llm = scripted_steps(self._agent, steps)
        iterate = self._agent.agent.iterate
        append = self._store.append
        marks = [time.perf_counter()]
        for after in iterate(thread, llm, self._tools, max_steps=steps + 1):
            append(thread.id, thread.version, after.events[thread.version :])
            thread = after
            marks.append(time.perf_counter())
        expected = base.version + 2 * steps + 1
        if thread.status != "done" or thread.version != expected:
            raise RuntimeError(f"our agent ended {thread.status} at {thread.version}, expected {expected}")
        return intervals(marks)

    def close(self) -> None:
        self._store.close()


def resume_seconds(agent: GeneratedAgent, store: Any, thread_id: str) -> float:
    """Load a thread from SQLite and render its context, with nothing cached."""
    start = time.perf_counter()
    thread = store.load(thread_id)
    agent.context.render_context(thread)
    return time.perf_counter() - start
