"""SQLite store: stdlib sqlite3 in WAL mode, one row per event, appended and never rewritten.
The run queue (sqlite_runs.py) lives in the same file, so a run is queued in the same
transaction as the event that needs it."""

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from ..errors import ConfigError, StoreUnavailable, ThreadExists, ThreadNotFound, VersionConflict
from ..events import EVENT_LIST, Event, events_from_json
from ..thread import Status, Thread, status_after
from . import ThreadSummary, as_utc
from .sqlite_runs import SCHEMA as RUNS_SCHEMA
from .sqlite_runs import SQLiteRuns, schedule_in

# `status` is derived from the last event and written with it: a cache that lets the inbox
# filter in SQL, with an index, instead of reading every thread.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS threads (
    id         TEXT PRIMARY KEY,
    version    INTEGER NOT NULL,
    status     TEXT NOT NULL DEFAULT 'running',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    thread_id  TEXT NOT NULL REFERENCES threads(id),
    seq        INTEGER NOT NULL,
    type       TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (thread_id, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS threads_by_update ON threads(updated_at);
"""
_INDEXES = """
CREATE INDEX IF NOT EXISTS threads_by_status ON threads(status, updated_at);
"""
# Events are small rows always read by their key: WITHOUT ROWID keeps them in the key's b-tree,
# one insert per event instead of two (table and primary-key index). Databases created before
# keep their layout; both work the same.
_INSERT_EVENTS = (
    "INSERT INTO events (thread_id, seq, type, data, created_at) VALUES (?, ?, ?, ?, ?)"
)


class SQLiteStore:
    """Safe across threads (one lock) and processes (SQLite's write lock plus the version check)."""

    def __init__(self, path: str, *, busy_timeout: float = 30.0) -> None:
        self._lock = threading.Lock()
        try:
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            # Autocommit mode: transactions are explicit BEGIN IMMEDIATE blocks below.
            self._conn = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=busy_timeout
            )
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._upgrade()
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"cannot open the SQLite database {path!r}: {exc}") from exc
        self.runs = SQLiteRuns(self)

    def _upgrade(self) -> None:
        """Create the schema, and bring a database made by an earlier version up to date:
        a status column (filled from each thread's last event) and a run for every thread
        that was left running (nothing else would ever continue it)."""
        with self.write() as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
            _execute_all(conn, _SCHEMA)
            columns = {row[1] for row in conn.execute("PRAGMA table_info(threads)")}
            if "status" not in columns:
                conn.execute("ALTER TABLE threads ADD COLUMN status TEXT NOT NULL DEFAULT ''")
                _fill_status(conn)
            _execute_all(conn, _INDEXES + RUNS_SCHEMA)
            if "threads" in tables and "agent_runs" not in tables:
                conn.execute(
                    "INSERT OR IGNORE INTO agent_runs (thread_id, state, run_after)"
                    " SELECT id, 'queued', 0 FROM threads WHERE status = 'running'"
                )

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:  # another process held the lock too long
                raise StoreUnavailable(f"the SQLite database is busy: {exc}") from exc
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def create(self, thread: Thread, *, schedule: bool = False) -> None:
        now = _now()
        rows = _event_rows(thread.id, 0, thread.events, now)
        with self.write() as conn:
            try:
                conn.execute(
                    "INSERT INTO threads (id, version, status, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (thread.id, thread.version, thread.status, now, now),
                )
            except sqlite3.IntegrityError as exc:
                raise ThreadExists(thread.id) from exc
            conn.executemany(_INSERT_EVENTS, rows)
            if schedule:
                schedule_in(conn, thread.id)

    def load(self, thread_id: str) -> Thread:
        with self._lock:
            rows = self._conn.execute(
                "SELECT data FROM events WHERE thread_id = ? ORDER BY seq", (thread_id,)
            ).fetchall()
            if not rows and not self._exists(thread_id):
                raise ThreadNotFound(thread_id)
        # One JSON array, validated in one pass.
        events = events_from_json("[" + ",".join(row[0] for row in rows) + "]")
        return Thread.model_construct(id=thread_id, events=tuple(events))

    def append(
        self,
        thread_id: str,
        expected_version: int,
        events: Sequence[Event],
        *,
        schedule: bool = False,
    ) -> int:
        new_version = expected_version + len(events)
        now = _now()
        rows = _event_rows(thread_id, expected_version, events, now)
        status = status_after(events[-1]) if events else None
        with self.write() as conn:
            updated = conn.execute(
                "UPDATE threads SET version = ?, status = coalesce(?, status), updated_at = ?"
                " WHERE id = ? AND version = ?",
                (new_version, status, now, thread_id, expected_version),
            ).rowcount
            if updated != 1:
                row = conn.execute(
                    "SELECT version FROM threads WHERE id = ?", (thread_id,)
                ).fetchone()
                if row is None:
                    raise ThreadNotFound(thread_id)
                raise VersionConflict(thread_id, expected_version, int(row[0]))
            conn.executemany(_INSERT_EVENTS, rows)
            if schedule:
                schedule_in(conn, thread_id)
        return new_version

    def list_threads(
        self,
        status: Status | None = None,
        limit: int = 50,
        *,
        updated_before: datetime | None = None,
    ) -> list[ThreadSummary]:
        # Times are stored as UTC ISO text of one width, so text order is time order.
        before = None if updated_before is None else _iso(as_utc(updated_before))
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, status, version, updated_at FROM threads"
                " WHERE (?1 IS NULL OR status = ?1) AND (?3 IS NULL OR updated_at < ?3)"
                " ORDER BY updated_at DESC, id LIMIT ?2",
                (status, limit, before),
            ).fetchall()
        return [ThreadSummary(r[0], r[1], r[2], r[3]) for r in rows]

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _exists(self, thread_id: str) -> bool:
        row = self._conn.execute("SELECT 1 FROM threads WHERE id = ?", (thread_id,)).fetchone()
        return row is not None


def _execute_all(conn: sqlite3.Connection, script: str) -> None:
    # Not `executescript`: it commits first, and this runs inside the upgrade's transaction.
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _fill_status(conn: sqlite3.Connection) -> None:
    """Each thread's status from its last event (one pass, when upgrading a database)."""
    rows = conn.execute(
        "SELECT t.id, e.data FROM threads t"
        " LEFT JOIN events e ON e.thread_id = t.id AND e.seq = t.version - 1"
    ).fetchall()
    for thread_id, last in rows:
        event = EVENT_LIST.validate_json(f"[{last}]")[0] if last else None
        conn.execute("UPDATE threads SET status = ? WHERE id = ?", (status_after(event), thread_id))


def _event_rows(
    thread_id: str, start: int, events: Sequence[Event], now: str
) -> list[tuple[str, int, str, str, str]]:
    """The rows for `events`, serialised before the write lock is taken (held for less time)."""
    return [
        (thread_id, start + i, event.type, event.model_dump_json(), now)
        for i, event in enumerate(events)
    ]


def _now() -> str:
    return _iso(datetime.now(UTC))


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")
