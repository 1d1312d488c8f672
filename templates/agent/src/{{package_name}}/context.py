"""Thread -> the model's context (factor 3): compact tagged events, nothing the model must not see.

This is the one place that decides what the model is shown. Each event is rendered once and the
thread keeps the blocks (`Thread.context_blocks`), so building a context is mostly a join.
- Errors are compacted (factor 9): only the latest unresolved error is shown.
- Tool results and human answers longer than `clip_chars` are clipped (the thread keeps them).
- Past the token budget (budget.py), the context keeps the first user message and pre-fetched
  data, the pending call and the latest unresolved error, and as many recent events as fit; one
  block says what was left out. The same thread always gives the same context.
"""

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from itertools import accumulate

from . import tagged
from .budget import DEFAULT_CLIP_CHARS, estimate_tokens
from .events import (
    ApprovalDecision,
    ErrorEvent,
    Event,
    HumanResponse,
    ModelCallFailed,
    ToolCall,
    ToolResult,
    UserMessage,
)
from .thread import Kind, Thread, kind

SEPARATOR = "\n\n"
OMITTED_TAG = "earlier_events_omitted"
# Kinds of event named in the omitted block; the rest are counted together.
SUMMARY_KINDS = 6
_REPLIES = (ToolResult, HumanResponse, ApprovalDecision)


def render_context(
    thread: Thread,
    tokens: int | None = None,
    *,
    clip_chars: int | None = DEFAULT_CLIP_CHARS,
    hide_resolved_errors: bool = True,
) -> str:
    """The thread as tagged blocks separated by blank lines, within `tokens` (estimated; None
    for no limit). Tool results and human answers are clipped to `clip_chars` (None: never)."""
    events = thread.events
    blocks: Sequence[str] = thread.context_blocks
    if clip_chars is not None and thread.long_positions:
        blocks = _clipped(events, blocks, thread.long_positions, clip_chars)
    hidden = _hidden(events, thread.error_positions) if hide_resolved_errors else []
    text = SEPARATOR.join(_without(blocks, hidden))
    if tokens is None or estimate_tokens(text) <= tokens:
        return text
    return _fit(thread, blocks, set(hidden), tokens)


def compact_errors(events: Sequence[Event]) -> list[Event]:
    """`events` without the ones compaction hides from the model (see `_hidden`)."""
    errors = [i for i, event in enumerate(events) if isinstance(event, ErrorEvent)]
    hidden = set(_hidden(events, errors))
    return [event for i, event in enumerate(events) if i not in hidden]


def _without(blocks: Sequence[str], hidden: Sequence[int]) -> list[str]:
    """The non-empty blocks but those at the `hidden` positions (ascending), copied in slices."""
    kept: list[str] = []
    start = 0
    for i in hidden:
        kept.extend(blocks[start:i])
        start = i + 1
    kept.extend(blocks[start:])
    # Events kept for people only render as "" and leave no trace.
    return list(filter(None, kept))


def _clipped(
    events: Sequence[Event], blocks: Sequence[str], long: Sequence[int], limit: int
) -> list[str]:
    """`blocks` with each long tool result and human answer clipped to `limit` characters."""
    clipped = list(blocks)
    for i in long:
        if isinstance(events[i], ToolResult | HumanResponse):
            clipped[i] = _clip(blocks[i], limit)
    return clipped


@lru_cache(maxsize=1024)  # a long result is clipped once, not once per step
def _clip(block: str, limit: int) -> str:
    return tagged.clip_block(block, limit)


def _fit(thread: Thread, blocks: Sequence[str], hidden: set[int], tokens: int) -> str:
    """The context cut to `tokens`: the pinned events, the newest that fit, one omitted block."""
    events = thread.events
    head = _head(events)
    pinned = set(head) | _pinned_tail(thread, hidden)
    pinned_cost = sum(estimate_tokens(blocks[i]) + 1 for i in pinned)
    left = tokens - pinned_cost - _OMITTED_TOKENS
    cut = _newest_that_fit(blocks, len(head), pinned | hidden, left)
    # What answers an event that is left out goes too, since alone it only misleads.
    while cut < len(events) and cut not in pinned and _answers(events[cut]):
        cut += 1
    left_out = thread.rendered.kinds_before(cut) - thread.rendered.kinds_before(len(head))
    shown_anyway = pinned | hidden  # counted above, but not left out by the budget
    left_out.subtract(kind(events[i]) for i in shown_anyway if len(head) <= i < cut and blocks[i])
    left_out = +left_out  # drops what the subtraction took to zero
    parts = [blocks[i] for i in head if blocks[i]]
    if left_out.total():
        parts.append(_omitted_block(left_out))
    later = sorted(i for i in pinned if len(head) <= i < cut)
    parts.extend(blocks[i] for i in later if blocks[i])
    tail_hidden = [i - cut for i in sorted(hidden) if i >= cut]
    parts.extend(_without(blocks[cut:], tail_hidden))
    return SEPARATOR.join(parts)


def _newest_that_fit(blocks: Sequence[str], start: int, free: set[int], left: int) -> int:
    """The first position of the longest run of newest blocks (from `start` on) whose tokens add
    up to at most `left`; the `free` positions cost nothing (counted or hidden elsewhere). Reads
    the blocks from the newest in chunks, so its cost follows what is kept, not the thread."""
    cut = len(blocks)
    free_positions = sorted(free)
    chunk = 32  # doubled each round: few blocks read past the cut, few rounds on long runs
    while cut > start:
        low = max(start, cut - chunk)
        chunk *= 2
        # +1 per block for its separator, so the sum stays an upper bound of the joined text.
        costs = [tokens + 1 if tokens else 0 for tokens in map(estimate_tokens, blocks[low:cut])]
        first, last = bisect_left(free_positions, low), bisect_left(free_positions, cut)
        for i in free_positions[first:last]:
            costs[i - low] = 0
        totals = list(accumulate(reversed(costs)))
        fitting = bisect_right(totals, left)
        if fitting < len(totals):
            return cut - fitting
        left -= totals[-1]
        cut = low
    return cut


def _head(events: Sequence[Event]) -> list[int]:
    """The positions of the first user message and the pre-fetched calls and results after it."""
    if not events or not isinstance(events[0], UserMessage):
        return []
    end = 1
    while end < len(events):
        event, before = events[end], events[end - 1]
        after_prefetch = isinstance(before, ToolCall) and before.prefetched
        is_prefetch = isinstance(event, ToolCall) and event.prefetched
        if not (is_prefetch or (after_prefetch and isinstance(event, ToolResult | ErrorEvent))):
            break
        end += 1
    return list(range(end))


def _pinned_tail(thread: Thread, hidden: set[int]) -> set[int]:
    """The pending call (the question or approval the thread waits on) and the latest error
    when it is unresolved, with the call that failed."""
    pinned: set[int] = set()
    last = len(thread.events) - 1
    if thread.pending_call is not None:
        pinned.add(last)
    errors = [i for i in thread.error_positions[-1:] if i not in hidden]
    for i in errors:
        if all(isinstance(e, ToolCall | ModelCallFailed) for e in thread.events[i + 1 :]):
            pinned.add(i)
            error = thread.events[i]
            if isinstance(error, ErrorEvent) and error.stage == "tool" and i > 0:
                pinned.add(i - 1)
    return pinned


def _answers(event: Event) -> bool:
    """Whether `event` answers the one before it (a result, an answer, a decision, a tool error)."""
    return isinstance(event, _REPLIES) or (isinstance(event, ErrorEvent) and event.stage == "tool")


_NOUNS: dict[str, tuple[str, str]] = {
    "error": ("error", "errors"),
    "human_response": ("human answer", "human answers"),
    "approval": ("approval decision", "approval decisions"),
    "user_message": ("user message", "user messages"),
    "escalation": ("escalation", "escalations"),
}


def _omitted_block(left_out: Counter[Kind]) -> str:
    """One block counting the events left out, by kind: "200 multiply calls and results, …"."""
    calls: Counter[str] = Counter()
    results: Counter[str] = Counter()
    others: Counter[str] = Counter()
    for (event_type, intent), count in left_out.items():
        if event_type == "tool_call" and intent is not None:
            calls[intent] += count
        elif event_type == "tool_result" and intent is not None:
            results[intent] += count
        else:
            others[event_type] += count
    groups: list[tuple[int, str]] = []
    for intent in calls.keys() | results.keys():
        count = calls[intent] or results[intent]
        if calls[intent] and results[intent]:
            noun = ("call and result", "calls and results")
        elif calls[intent]:
            noun = ("call", "calls")
        else:
            noun = ("result", "results")
        groups.append((count, f"{intent} {noun[count != 1]}"))
    for event_type, count in others.items():
        noun = _NOUNS.get(event_type, (f"{event_type} event", f"{event_type} events"))
        groups.append((count, noun[count != 1]))
    groups.sort(key=lambda group: (-group[0], group[1]))
    named = [f"{count} {label}" for count, label in groups[:SUMMARY_KINDS]]
    rest = sum(count for count, _ in groups[SUMMARY_KINDS:])
    if rest:
        named.append(f"{rest} other event{'s' if rest != 1 else ''}")
    summary = ", ".join(named)
    return tagged.block(OMITTED_TAG, {"count": left_out.total(), "summary": summary})


# Room kept for the omitted block: its tags and count, and each named kind (a tool's name, its
# count and "calls and results" fit in 60 characters, 20 tokens by the estimate).
_OMITTED_TOKENS = 40 + (SUMMARY_KINDS + 1) * 20


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
