"""The SQLite run queue: a table in the threads' own file; claims are BEGIN IMMEDIATE writes,
so SQLite's write lock hands each run to one runner, across threads and processes."""

import time
from collections.abc import Callable, Sequence
from threading import Event
from typing import TYPE_CHECKING

from .runs import Claim

if TYPE_CHECKING:
    import sqlite3

    from .sqlite import SQLiteStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS agent_runs (
    thread_id    TEXT PRIMARY KEY,
    state        TEXT NOT NULL CHECK (state IN ('queued', 'running')),
    again        INTEGER NOT NULL DEFAULT 0,
    run_after    REAL NOT NULL,
    leased_until REAL,
    owner        TEXT,
    token        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS agent_runs_due ON agent_runs(run_after);
"""
# `again`: the thread was scheduled while running; it runs once more when this run ends.
# Times are Unix seconds: the processes sharing a SQLite file share one clock.


def schedule_in(conn: "sqlite3.Connection", thread_id: str) -> None:
    """Queue a run inside the caller's write transaction (see RunQueue.schedule)."""
    conn.execute(
        "INSERT INTO agent_runs (thread_id, state, run_after) VALUES (?, 'queued', ?)"
        " ON CONFLICT (thread_id) DO UPDATE SET"
        " again = CASE WHEN state = 'running' THEN 1 ELSE again END,"
        " run_after = CASE WHEN state = 'running' THEN run_after ELSE excluded.run_after END",
        (thread_id, time.time()),
    )


class SQLiteRuns:
    def __init__(self, store: "SQLiteStore") -> None:
        self._store = store

    def schedule(self, thread_id: str) -> None:
        with self._store.write() as conn:
            schedule_in(conn, thread_id)

    def claim(self, owner: str, lease: float, thread_id: str | None = None) -> Claim | None:
        now = time.time()
        if thread_id is None:
            where = (
                "thread_id = (SELECT thread_id FROM agent_runs"
                " WHERE (state = 'queued' AND run_after <= :now)"
                " OR (state = 'running' AND leased_until < :now)"
                " ORDER BY run_after LIMIT 1)"
            )
        else:
            # A runner may take back its own run (e.g. after the store failed mid-step).
            where = (
                "thread_id = :id AND (state = 'queued' OR leased_until < :now OR owner = :owner)"
            )
        params = {"owner": owner, "until": now + lease, "now": now, "id": thread_id}
        with self._store.write() as conn:
            row = conn.execute(
                "UPDATE agent_runs SET state = 'running', owner = :owner, token = token + 1,"
                f" leased_until = :until WHERE {where} RETURNING thread_id, token",
                params,
            ).fetchone()
        return None if row is None else Claim(str(row[0]), owner, int(row[1]))

    def extend(self, claims: Sequence[Claim], lease: float) -> list[Claim]:
        if not claims:
            return []
        held: list[Claim] = []
        with self._store.write() as conn:
            for claim in claims:
                if conn.execute(
                    "UPDATE agent_runs SET leased_until = ?"
                    " WHERE thread_id = ? AND token = ? AND state = 'running'",
                    (time.time() + lease, claim.thread_id, claim.token),
                ).rowcount:
                    held.append(claim)
        return held

    def finish(self, claim: Claim) -> bool:
        with self._store.write() as conn:
            deleted = conn.execute(
                "DELETE FROM agent_runs"
                " WHERE thread_id = ? AND token = ? AND state = 'running' AND again = 0",
                (claim.thread_id, claim.token),
            ).rowcount
            return bool(deleted) or self._requeue(conn, claim, 0.0)

    def retry(self, claim: Claim, delay: float) -> bool:
        with self._store.write() as conn:
            return self._requeue(conn, claim, delay)

    def scheduled(self, thread_id: str) -> bool:
        with self._store.read() as conn:
            row = conn.execute(
                "SELECT 1 FROM agent_runs WHERE thread_id = ?", (thread_id,)
            ).fetchone()
        return row is not None

    def pending(self) -> int:
        with self._store.read() as conn:
            row = conn.execute("SELECT count(*) FROM agent_runs").fetchone()
        return int(row[0])

    def listen(self, wake: Callable[[], None], stop: Event) -> None:
        return  # SQLite has no notifications: runners poll (AGENT_WORKER_POLL_SECONDS)

    @staticmethod
    def _requeue(conn: "sqlite3.Connection", claim: Claim, delay: float) -> bool:
        now = time.time()
        updated = conn.execute(
            "UPDATE agent_runs SET state = 'queued', owner = NULL, leased_until = NULL,"
            " run_after = CASE WHEN again = 1 THEN ? ELSE ? END, again = 0"
            " WHERE thread_id = ? AND token = ? AND state = 'running'",
            (now, now + delay, claim.thread_id, claim.token),
        ).rowcount
        return bool(updated)
