"""Log output for every entry point: `AGENT_LOG_FORMAT=text` (default) or `json`, one object a
line with level, time, logger, message and the thread id whenever a thread is involved.

Stdlib logging with a small JSON formatter rather than structlog: our code, uvicorn and the
SDKs all log through stdlib loggers, so one root handler formats every line the same way, no
log call changes shape, and the project gains no dependency.
"""

import json
import logging
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TextIO

from .errors import ConfigError

FORMATS = ("text", "json")
TEXT_FORMAT = "%(levelname)s:     %(name)s: %(message)s"

# The thread being worked on in this context (a request, a runner's job, a CLI command).
_thread_id: ContextVar[str | None] = ContextVar("thread_id", default=None)


@contextmanager
def thread_context(thread_id: str) -> Iterator[None]:
    """Tag every log line written inside the block with `thread_id`."""
    token = _thread_id.set(thread_id)
    try:
        yield
    finally:
        _thread_id.reset(token)


class ThreadIdFilter(logging.Filter):
    """Sets `record.thread_id`: passed with `extra=`, else the current thread context."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "thread_id", None) is None:
            record.thread_id = _thread_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        thread_id = getattr(record, "thread_id", None)
        if thread_id is not None:
            entry["thread_id"] = thread_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_format(environ: Mapping[str, str] = os.environ) -> str:
    """`AGENT_LOG_FORMAT`, checked: text (the default) or json."""
    value = (environ.get("AGENT_LOG_FORMAT") or "text").strip().lower()
    if value not in FORMATS:
        raise ConfigError(f"AGENT_LOG_FORMAT must be text or json, got {value!r}")
    return value


def configure(fmt: str, *, level: int = logging.INFO, stream: TextIO | None = None) -> None:
    """One stderr handler on the root logger, in `fmt`, showing `level` and above; calling it
    again replaces it."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(ThreadIdFilter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "agent_handler", False)]:
        root.removeHandler(old)
    handler.agent_handler = True  # type: ignore[attr-defined]
    # The level is the handler's: a root level set elsewhere (pytest's caplog) is left alone
    # unless it would hide what this handler should show.
    handler.setLevel(level)
    root.addHandler(handler)
    if root.getEffectiveLevel() > level:
        root.setLevel(level)
