"""The floor: the least a persistent agent loop can do. One row per event in SQLite (WAL,
synchronous=NORMAL, one commit per step) and a context joined from already-rendered strings.
It uses the same scripted model, system prompt and tool specs as our agent."""

import json
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stats import intervals
from workload import new_id

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    thread_id TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    type      TEXT NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (thread_id, seq)
)
"""
_INSERT = "INSERT INTO events (thread_id, seq, type, data) VALUES (?, ?, ?, ?)"


def _tag(tag: str, fields: dict[str, Any]) -> str:
    return f"<{tag}>\n" + "\n".join(f"{key}: {value}" for key, value in fields.items()) + f"\n</{tag}>"


class FloorSide:
    def __init__(self, db_path: Path, system: str, specs: Sequence[Any]) -> None:
        self._conn = sqlite3.connect(str(db_path), isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute(_SCHEMA)
        self._system = system
        self._specs = list(specs)

    def step_seconds(self, rows: Sequence[tuple[str, str]], rendered: Sequence[str], llm: Any) -> list[float]:
        """Seconds of each model decision over a thread that starts with `rows` (type, JSON)."""
        thread_id = new_id()
        conn = self._conn
        conn.execute("BEGIN")
        conn.executemany(_INSERT, [(thread_id, i, kind, data) for i, (kind, data) in enumerate(rows)])
        conn.execute("COMMIT")
        context = list(rendered)
        seq = len(rows)
        marks = [time.perf_counter()]
        while True:
            reply = llm.next_step(self._system, "\n\n".join(context), self._specs)
            arguments = json.loads(reply.arguments)
            call = {"intent": reply.name, **arguments}
            new = [("tool_call", call)]
            if reply.name == "multiply":
                new.append(("tool_result", {"intent": reply.name, "result": arguments["a"] * arguments["b"]}))
            conn.execute("BEGIN")
            conn.executemany(
                _INSERT, [(thread_id, seq + i, kind, json.dumps(data)) for i, (kind, data) in enumerate(new)]
            )
            conn.execute("COMMIT")
            context.extend(_tag(kind, data) for kind, data in new)
            seq += len(new)
            marks.append(time.perf_counter())
            if reply.name == "done_for_now":
                return intervals(marks)

    def close(self) -> None:
        self._conn.close()
