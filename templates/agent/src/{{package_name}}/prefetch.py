"""Pre-fetch (factor 13): data the model will almost surely need, fetched deterministically
before its first call and appended as a tool call plus result. Pre-fetched tools are not offered."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import JsonValue

from .errors import clip
from .events import ErrorEvent, Event, ToolCall, ToolResult, UserMessage
from .policy import Policy
from .thread import Thread


@dataclass(frozen=True)
class Prefetch:
    name: str
    fetch: Callable[[Thread], Mapping[str, JsonValue]]


def current_date(thread: Thread) -> dict[str, JsonValue]:
    """Today's date (UTC): models do not know it, and many requests depend on it."""
    return {"date": datetime.now(UTC).date().isoformat()}


DEFAULT_PREFETCH: tuple[Prefetch, ...] = (Prefetch("current_date", current_date),)


def needs_prefetch(thread: Thread) -> bool:
    """Only a fresh thread (just the user's message) is pre-fetched for."""
    return len(thread.events) == 1 and isinstance(thread.events[0], UserMessage)


def apply_prefetch(thread: Thread, hooks: Sequence[Prefetch]) -> Thread:
    """Run each hook; a failing hook becomes an error event, like any failing tool."""
    events: list[Event] = []
    for hook in hooks:
        events.append(ToolCall(intent=hook.name, policy=Policy.SYNC, prefetched=True))
        try:
            events.append(ToolResult(intent=hook.name, result=dict(hook.fetch(thread))))
        except Exception as exc:  # any failure of user code is data for the thread, not a crash
            detail = clip(f"{type(exc).__name__}: {exc}")
            events.append(ErrorEvent(stage="prefetch", intent=hook.name, message=detail))
    return thread.append(*events)
