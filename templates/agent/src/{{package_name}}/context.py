"""Thread -> the model's context (factor 3): compact tagged events, nothing the model must not see.

Each event renders itself once (`EventBase.context_block`, cached), so building a context costs a
filter and a join. Errors are compacted (factor 9): only the latest unresolved error is shown.
"""

from collections.abc import Sequence

from .events import ErrorEvent, Event, ToolCall
from .thread import Thread


def render_context(thread: Thread, *, hide_resolved_errors: bool = True) -> str:
    """The thread as tagged blocks separated by blank lines."""
    events = thread.events
    shown = compact_errors(events) if hide_resolved_errors else events
    return "\n\n".join(event.context_block for event in shown)


def compact_errors(events: Sequence[Event]) -> list[Event]:
    """Drop every error but the latest unresolved one, and the failed calls behind dropped ones.

    An error is resolved once anything other than another attempt (a tool call) follows it.
    """
    last_error = max((i for i, e in enumerate(events) if isinstance(e, ErrorEvent)), default=-1)
    unresolved = last_error >= 0 and all(isinstance(e, ToolCall) for e in events[last_error + 1 :])
    keep = last_error if unresolved else -1
    hidden: set[int] = set()
    for i, event in enumerate(events):
        if isinstance(event, ErrorEvent) and i != keep:
            hidden.add(i)
            # A tool error follows its call; without the error, the bare call only misleads.
            if event.stage != "parse" and i > 0 and isinstance(events[i - 1], ToolCall):
                hidden.add(i - 1)
    return [event for i, event in enumerate(events) if i not in hidden]
