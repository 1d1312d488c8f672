"""Thread -> the model's context (factor 3): compact tagged events, nothing the model must not see.

Each event is rendered once and the thread keeps the blocks (`Thread.context_blocks`), so building
a context is a join. Errors are compacted (factor 9): only the latest unresolved error is shown.
"""

from collections.abc import Sequence

from .events import ErrorEvent, Event, ModelCallFailed, ToolCall
from .thread import Thread


def render_context(thread: Thread, *, hide_resolved_errors: bool = True) -> str:
    """The thread as tagged blocks separated by blank lines. Events that render as no block
    (failed model calls, kept for people) leave no trace."""
    blocks = thread.context_blocks
    errors = thread.error_positions
    if not (hide_resolved_errors and errors):
        return _join(blocks)
    kept: list[str] = []
    start = 0
    for i in _hidden(thread.events, errors):
        kept.extend(blocks[start:i])
        start = i + 1
    kept.extend(blocks[start:])
    return _join(kept)


def _join(blocks: Sequence[str]) -> str:
    return "\n\n".join([block for block in blocks if block])


def compact_errors(events: Sequence[Event]) -> list[Event]:
    """`events` without the ones compaction hides from the model (see `_hidden`)."""
    errors = [i for i, event in enumerate(events) if isinstance(event, ErrorEvent)]
    hidden = set(_hidden(events, errors))
    return [event for i, event in enumerate(events) if i not in hidden]


def _hidden(events: Sequence[Event], errors: Sequence[int]) -> list[int]:
    """Positions to drop, ascending: every error but the latest unresolved one, and the failed
    calls behind dropped ones. An error is resolved once anything other than another attempt
    (a tool call) follows it. Costs one look per error, not per event."""
    if not errors:
        return []
    last = errors[-1]
    # A failed model call resolves nothing: the model has not answered since.
    retried = (ToolCall, ModelCallFailed)
    unresolved = all(isinstance(events[i], retried) for i in range(last + 1, len(events)))
    hidden: set[int] = set()
    for i in errors[:-1] if unresolved else errors:
        hidden.add(i)
        error = events[i]
        # A tool error follows its call; without the error, the bare call only misleads.
        after_call = i > 0 and isinstance(events[i - 1], ToolCall)
        if after_call and isinstance(error, ErrorEvent) and error.stage != "parse":
            hidden.add(i - 1)
    return sorted(hidden)
