"""Thread -> the model's context (factor 3): compact tagged events, nothing the model must not see.

This is the one place that decides what the model is shown (`tagged.py` is the block format).
- Each event is one tagged block of its fields but the INTERNAL ones; failed model calls are kept
  for people and never shown (`event_block`).
- Errors are compacted (factor 9): only the latest unresolved error is shown.
- Tool results and human answers longer than `clip_chars` are clipped (the thread keeps them).
- Past the token budget (budget.py), the context keeps the first user message and pre-fetched
  data, the pending call and the latest unresolved error, and as many recent events as fit; one
  block says what was left out. The same thread always gives the same context.
Each event is rendered once per thread (`Rendering`, `Renderings`), so a step's cost does not
grow with the thread; the thread itself is plain data.
"""

from bisect import bisect_left, bisect_right
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import accumulate
from operator import is_
from threading import Lock
from typing import Literal, get_args, get_origin

from pydantic import JsonValue

from . import tagged
from .budget import DEFAULT_CLIP_CHARS, MIN_CLIP_CHARS, estimate_tokens
from .events import (
    ApprovalDecision,
    ErrorEvent,
    Event,
    EventBase,
    HumanResponse,
    ModelCallFailed,
    ToolCall,
    ToolResult,
    UserMessage,
    internal_fields,
)
from .thread import Thread

SEPARATOR = "\n\n"
OMITTED_TAG = "earlier_events_omitted"
# Kinds of event named in the omitted block; the rest are counted together.
SUMMARY_KINDS = 6
_REPLIES = (ToolResult, HumanResponse, ApprovalDecision)
# Kept in the thread for people (`show`, the API, the inbox timeline), never sent to the model.
PEOPLE_ONLY = (ModelCallFailed,)


def render_context(
    thread: Thread, tokens: int | None = None, *, clip_chars: int | None = DEFAULT_CLIP_CHARS
) -> str:
    """The thread as tagged blocks separated by blank lines, within `tokens` (estimated; None
    for no limit). Tool results and human answers are clipped to `clip_chars` (None: never)."""
    events = thread.events
    rendering = RENDERINGS.of(thread)
    blocks: Sequence[str] = rendering.blocks
    if clip_chars is not None and rendering.long:
        blocks = _clipped(events, blocks, rendering.long, clip_chars)
    hidden = _hidden(events, rendering.errors)
    text = SEPARATOR.join(_without(blocks, hidden))
    if tokens is None or estimate_tokens(text) <= tokens:
        return text
    return _fit(thread, rendering, blocks, set(hidden), tokens)


def event_block(event: Event) -> str:
    """One event as the model sees it: a tagged block of its fields but the INTERNAL and unset
    ones, or "" for an event kept for people only."""
    if isinstance(event, PEOPLE_ONLY):
        return ""
    fields = _plain_fields(type(event))
    if fields is None:
        return tagged.block(event.type, event.visible_data())
    # The same data as `visible_data`, read in place (3-4 times faster than a `model_dump`).
    values = event.__dict__
    shown = {name: values[name] for name in fields if values[name] is not None}
    return tagged.block(event.type, shown)


@cache
def _plain_fields(cls: type[EventBase]) -> tuple[str, ...] | None:
    """The shown fields of an event class when each holds JSON data as validated (so nothing
    needs converting to render it), else None."""
    hidden = internal_fields(cls)
    shown = [(name, f) for name, f in cls.model_fields.items() if name not in hidden]
    plain = all(_is_plain_json(f.annotation) for _, f in shown)
    return tuple(name for name, _ in shown) if plain else None


# Field types whose validated values are already what `model_dump(mode="json")` gives.
_PLAIN_JSON: tuple[object, ...] = (str, bool, int, str | None, bool | None, dict[str, JsonValue])


def _is_plain_json(annotation: object) -> bool:
    if get_origin(annotation) is Literal:
        return all(type(arg) is str for arg in get_args(annotation))
    return any(annotation == plain for plain in _PLAIN_JSON)


# What an event is, for counting what a context leaves out: its type and tool, if any.
Kind = tuple[str, str | None]
# `Rendering.kinds` keeps running counts every this many events, so counting the events of any
# range costs at most this many looks, however long the thread.
KIND_CHECKPOINT = 64


def kind(event: Event) -> Kind:
    return event.type, getattr(event, "intent", None)


@dataclass(frozen=True, slots=True)
class Rendering:
    """A thread's events as blocks, where its errors and long blocks are, and running counts of
    its kinds of event: what compaction, clipping and the budget read, so a step never scans
    every event."""

    events: tuple[Event, ...]  # what the blocks were rendered from
    blocks: tuple[str, ...]
    errors: tuple[int, ...]
    long: tuple[int, ...]  # blocks longer than MIN_CLIP_CHARS: the only candidates for clipping
    kinds: tuple[Counter[Kind], ...]  # kinds[k]: the shown events among the first k * 64

    @classmethod
    def of(cls, events: tuple[Event, ...]) -> "Rendering":
        return cls((), (), (), (), (Counter(),)).extended(events)

    def extended(self, events: tuple[Event, ...]) -> "Rendering":
        """The same for `events`, which begin with this rendering's events; only the new events
        are rendered."""
        start = len(self.events)
        new = events[start:]
        blocks = self.blocks + tuple([event_block(event) for event in new])
        errors = self.errors + tuple(
            [start + i for i, e in enumerate(new) if isinstance(e, ErrorEvent)]
        )
        long = self.long + tuple(
            [i for i in range(start, len(blocks)) if len(blocks[i]) > MIN_CLIP_CHARS]
        )
        kinds = list(self.kinds)
        while len(kinds) * KIND_CHECKPOINT <= len(events):
            upto = (len(kinds) - 1) * KIND_CHECKPOINT
            kinds.append(kinds[-1] + _count(events, blocks, upto, upto + KIND_CHECKPOINT))
        return Rendering(events, blocks, errors, long, tuple(kinds))

    def begins(self, events: tuple[Event, ...]) -> bool:
        """Whether `events` begin with these very event objects (an equal but distinct event
        may still render differently: `1 == True`)."""
        return len(events) >= len(self.events) and all(map(is_, self.events, events))

    def kinds_before(self, stop: int) -> Counter[Kind]:
        """The kinds of the shown events among the first `stop` (events kept for people only,
        which render as "", are not counted)."""
        checkpoint = min(stop // KIND_CHECKPOINT, len(self.kinds) - 1)
        start = checkpoint * KIND_CHECKPOINT
        return self.kinds[checkpoint] + _count(self.events, self.blocks, start, stop)


def _count(events: Sequence[Event], blocks: Sequence[str], start: int, stop: int) -> Counter[Kind]:
    return Counter([kind(events[i]) for i in range(start, stop) if blocks[i]])


class Renderings:
    """The latest rendering of each of the last `size` threads rendered, by thread id: a step
    renders only the events its thread gained since the previous step. A thread loaded anew
    (other event objects) is rendered afresh; so is a fork (another id). Safe across threads."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._latest: OrderedDict[str, Rendering] = OrderedDict()
        self._lock = Lock()

    def of(self, thread: Thread) -> Rendering:
        with self._lock:
            previous = self._latest.get(thread.id)
            if previous is not None and previous.events is thread.events:
                self._latest.move_to_end(thread.id)
                return previous
        if previous is not None and previous.begins(thread.events):
            rendering = previous.extended(thread.events)
        else:
            rendering = Rendering.of(thread.events)
        with self._lock:
            self._latest[thread.id] = rendering
            self._latest.move_to_end(thread.id)
            while len(self._latest) > self._size:
                self._latest.popitem(last=False)
        return rendering


# Enough for every thread a process steps at once; each entry holds one thread's blocks.
RENDERINGS = Renderings(size=256)


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


def _fit(
    thread: Thread, rendering: Rendering, blocks: Sequence[str], hidden: set[int], tokens: int
) -> str:
    """The context cut to `tokens`: the pinned events, the newest that fit, one omitted block."""
    events = thread.events
    head = _head(events)
    pinned = set(head) | _pinned_tail(thread, rendering.errors, hidden)
    pinned_cost = sum(estimate_tokens(blocks[i]) + 1 for i in pinned)
    left = tokens - pinned_cost - _OMITTED_TOKENS
    cut = _newest_that_fit(blocks, len(head), pinned | hidden, left)
    # What answers an event that is left out goes too, since alone it only misleads.
    while cut < len(events) and cut not in pinned and _answers(events[cut]):
        cut += 1
    left_out = rendering.kinds_before(cut) - rendering.kinds_before(len(head))
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


def _pinned_tail(thread: Thread, errors: Sequence[int], hidden: set[int]) -> set[int]:
    """The pending call (the question or approval the thread waits on) and the latest error
    when it is unresolved, with the call that failed."""
    pinned: set[int] = set()
    last = len(thread.events) - 1
    if thread.pending_call is not None:
        pinned.add(last)
    for i in [i for i in errors[-1:] if i not in hidden]:
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
