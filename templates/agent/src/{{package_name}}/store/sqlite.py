"""SQLite store: stdlib sqlite3 in WAL mode, one row per event, appended and never rewritten."""

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from ..errors import ConfigError, StoreUnavailable, ThreadExists, ThreadNotFound, VersionConflict
from ..events import EVENT_LIST, Event, events_from_json
from ..thread import Status, Thread, status_after
from . import ThreadSummary

_SCHEMA = """
CREATE TABLE IF NOT EXISTS threads (
    id         TEXT PRIMARY KEY,
    version    INTEGER NOT NULL,
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
            self._conn.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"cannot open the SQLite database {path!r}: {exc}") from exc

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
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

    def create(self, thread: Thread) -> None:
        now = _now()
        rows = _event_rows(thread.id, 0, thread.events, now)
        with self._write() as conn:
            try:
                conn.execute(
                    "INSERT INTO threads (id, version, created_at, updated_at) VALUES (?, ?, ?, ?)",
                    (thread.id, thread.version, now, now),
                )
            except sqlite3.IntegrityError as exc:
                raise ThreadExists(thread.id) from exc
            conn.executemany(_INSERT_EVENTS, rows)

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

    def append(self, thread_id: str, expected_version: int, events: Sequence[Event]) -> int:
        new_version = expected_version + len(events)
        now = _now()
        rows = _event_rows(thread_id, expected_version, events, now)
        with self._write() as conn:
            updated = conn.execute(
                "UPDATE threads SET version = ?, updated_at = ? WHERE id = ? AND version = ?",
                (new_version, now, thread_id, expected_version),
            ).rowcount
            if updated != 1:
                row = conn.execute(
                    "SELECT version FROM threads WHERE id = ?", (thread_id,)
                ).fetchone()
                if row is None:
                    raise ThreadNotFound(thread_id)
                raise VersionConflict(thread_id, expected_version, int(row[0]))
            conn.executemany(_INSERT_EVENTS, rows)
        return new_version

    def list_threads(self, status: Status | None = None, limit: int = 50) -> list[ThreadSummary]:
        # The status depends only on the last event, so one joined row per thread is enough.
        with self._lock:
            rows = self._conn.execute(
                "SELECT t.id, t.version, t.updated_at, e.data FROM threads t "
                "LEFT JOIN events e ON e.thread_id = t.id AND e.seq = t.version - 1 "
                "ORDER BY t.updated_at DESC, t.id"
            )
            summaries: list[ThreadSummary] = []
            for thread_id, version, updated_at, last in rows:
                last_event = EVENT_LIST.validate_json(f"[{last}]")[0] if last else None
                summary = ThreadSummary(thread_id, status_after(last_event), version, updated_at)
                if status is None or summary.status == status:
                    summaries.append(summary)
                    if len(summaries) >= limit:
                        break
            return summaries

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _exists(self, thread_id: str) -> bool:
        row = self._conn.execute("SELECT 1 FROM threads WHERE id = ?", (thread_id,)).fetchone()
        return row is not None


def _event_rows(
    thread_id: str, start: int, events: Sequence[Event], now: str
) -> list[tuple[str, int, str, str, str]]:
    """The rows for `events`, serialised before the write lock is taken (held for less time)."""
    return [
        (thread_id, start + i, event.type, event.model_dump_json(), now)
        for i, event in enumerate(events)
    ]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")
