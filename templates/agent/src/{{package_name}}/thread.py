"""The thread: an append-only tuple of events and everything derived from it (factors 5 and 12).

There is no stored status, error counter or step counter: each is computed from the events.
The events' rendered context blocks are kept with the thread and extended by `append`, so a step
renders only its new events, however long the thread is.
"""

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, JsonValue

from .budget import MIN_CLIP_CHARS
from .events import (
    ApprovalDecision,
    CallRecord,
    ErrorEvent,
    Escalation,
    Event,
    HumanResponse,
    ModelCallFailed,
    ToolCall,
    UserMessage,
    event_to_json,
)
from .policy import Policy

Status = Literal["running", "waiting_for_human", "waiting_for_approval", "done"]
STATUSES: tuple[Status, ...] = ("running", "waiting_for_human", "waiting_for_approval", "done")

_HUMAN_INPUT = (UserMessage, HumanResponse, ApprovalDecision)
# Blocks longer than this are noted in `Rendered.long`: the only candidates for clipping.
LONG_BLOCK = MIN_CLIP_CHARS


# What an event is, for counting what a context leaves out: its type and tool, if any.
Kind = tuple[str, str | None]
# `Rendered.kinds` keeps running counts every this many events, so counting the events of any
# range costs at most this many looks, however long the thread.
KIND_CHECKPOINT = 64


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens and model calls recorded in a run of events. Calls whose provider reported no
    usage (and threads recorded before usage was kept) count as calls with zero tokens."""

    input_tokens: int = 0
    output_tokens: int = 0
    model_calls: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @classmethod
    def of(cls, events: Iterable[Event]) -> "Usage":
        inputs = outputs = calls = 0
        for event in events:
            call = getattr(event, "llm_call", None)
            if isinstance(call, CallRecord):
                calls += 1
                inputs += call.input_tokens or 0
                outputs += call.output_tokens or 0
        return cls(inputs, outputs, calls)

    @property
    def summary(self) -> str:
        """One line for people: `1,234 input + 56 output tokens, 3 model calls`."""
        calls = f"{self.model_calls} model call{'' if self.model_calls == 1 else 's'}"
        return f"{self.input_tokens:,} input + {self.output_tokens:,} output tokens, {calls}"

    def as_json(self) -> dict[str, JsonValue]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "model_calls": self.model_calls,
        }


@dataclass(frozen=True, slots=True)
class Rendered:
    """A thread's events as context blocks, and where its errors and long blocks are, with running
    counts of its kinds of event (for compaction, clipping and budgeting, so a step never scans
    every event)."""

    events: tuple[Event, ...]  # what the blocks were rendered from (checked by identity)
    blocks: tuple[str, ...]
    errors: tuple[int, ...]
    long: tuple[int, ...]  # blocks longer than LONG_BLOCK characters
    kinds: tuple[Counter[Kind], ...]  # kinds[k]: the rendered events among the first k * 64

    @classmethod
    def of(cls, events: tuple[Event, ...]) -> "Rendered":
        return cls((), (), (), (), (Counter(),)).extended(events)

    def extended(self, events: tuple[Event, ...]) -> "Rendered":
        """The same for `events`, which begin with this rendering's events; only the new events
        are rendered."""
        start = len(self.events)
        new = events[start:]
        blocks = self.blocks + tuple([event.context_block for event in new])
        errors = self.errors + tuple(
            [start + i for i, e in enumerate(new) if isinstance(e, ErrorEvent)]
        )
        long = self.long + tuple(
            [i for i in range(start, len(blocks)) if len(blocks[i]) > LONG_BLOCK]
        )
        kinds = list(self.kinds)
        while len(kinds) * KIND_CHECKPOINT <= len(events):
            upto = (len(kinds) - 1) * KIND_CHECKPOINT
            kinds.append(kinds[-1] + _count(events, blocks, upto, upto + KIND_CHECKPOINT))
        return Rendered(events, blocks, errors, long, tuple(kinds))

    def prefix(self, events: tuple[Event, ...]) -> "Rendered":
        """The same for `events`, the first `len(events)` of this rendering's events."""
        upto = len(events)
        errors = self.errors[: bisect_left(self.errors, upto)]
        long = self.long[: bisect_left(self.long, upto)]
        kinds = self.kinds[: upto // KIND_CHECKPOINT + 1]
        return Rendered(events, self.blocks[:upto], errors, long, kinds)

    def kinds_before(self, stop: int) -> Counter[Kind]:
        """The kinds of the rendered events among the first `stop` (events kept for people only,
        which render as "", are not counted)."""
        checkpoint = min(stop // KIND_CHECKPOINT, len(self.kinds) - 1)
        start = checkpoint * KIND_CHECKPOINT
        return self.kinds[checkpoint] + _count(self.events, self.blocks, start, stop)


def kind(event: Event) -> Kind:
    return event.type, getattr(event, "intent", None)


def _count(events: Sequence[Event], blocks: Sequence[str], start: int, stop: int) -> Counter[Kind]:
    return Counter([kind(events[i]) for i in range(start, stop) if blocks[i]])


# Where a thread keeps its rendering: in the instance dict, beside the fields, so it is not part
# of the model (not dumped, not compared) and a copy with other events cannot reuse it.
_RENDERED = "_rendered"


def status_after(last: Event | None) -> Status:
    """The status of a thread whose last event is `last`: status never needs more history."""
    if isinstance(last, Escalation):
        return "waiting_for_human"
    if isinstance(last, ToolCall):
        if last.policy is Policy.NEEDS_APPROVAL:
            return "waiting_for_approval"
        if last.policy is Policy.HUMAN_CONTACT:
            return "waiting_for_human"
        if last.policy is Policy.TERMINAL:
            return "done"
    return "running"


class Thread(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    events: tuple[Event, ...] = ()

    @property
    def status(self) -> Status:
        return status_after(self.events[-1] if self.events else None)

    @property
    def version(self) -> int:
        """The number of events; the store's optimistic-concurrency token."""
        return len(self.events)

    @property
    def consecutive_errors(self) -> int:
        """Errors since the last success or human input; tool calls in between don't reset it,
        and model outages neither count nor reset it (they are not the agent's errors)."""
        count = 0
        for event in reversed(self.events):
            if isinstance(event, ErrorEvent):
                count += 1
            elif not isinstance(event, ToolCall | ModelCallFailed):
                break
        return count

    @property
    def steps_since_human(self) -> int:
        """Model decisions (tool calls or unparseable answers) since a human last spoke."""
        steps = 0
        for event in reversed(self.events):
            if isinstance(event, _HUMAN_INPUT):
                break
            if (isinstance(event, ToolCall) and not event.prefetched) or (
                isinstance(event, ErrorEvent) and event.stage == "parse"
            ):
                steps += 1
        return steps

    @property
    def outage(self) -> tuple[ModelCallFailed, ...]:
        """The failed model calls since the model last answered (oldest first): the streak the
        retry deadline is measured over."""
        start = len(self.events)
        while start > 0 and isinstance(self.events[start - 1], ModelCallFailed):
            start -= 1
        return tuple(e for e in self.events[start:] if isinstance(e, ModelCallFailed))

    @property
    def usage(self) -> Usage:
        """Tokens and model calls over the whole thread."""
        return Usage.of(self.events)

    @property
    def usage_since_human(self) -> Usage:
        """The same since a human last spoke: the window the token budget applies to."""
        since = len(self.events)
        while since > 0 and not isinstance(self.events[since - 1], _HUMAN_INPUT):
            since -= 1
        return Usage.of(self.events[since:])

    @property
    def pending_call(self) -> ToolCall | None:
        """The tool call the thread is paused on (approval or question), if any."""
        last = self.events[-1] if self.events else None
        waiting = self.status in ("waiting_for_human", "waiting_for_approval")
        return last if isinstance(last, ToolCall) and waiting else None

    @property
    def approved_call(self) -> ToolCall | None:
        """A call a human just approved that has not run yet."""
        if len(self.events) < 2 or not isinstance(self.events[-1], ApprovalDecision):
            return None
        decision, call = self.events[-1], self.events[-2]
        return call if decision.approved and isinstance(call, ToolCall) else None

    @property
    def context_blocks(self) -> tuple[str, ...]:
        """Every event's tagged block, in order (each event is rendered once)."""
        return self.rendered.blocks

    @property
    def error_positions(self) -> tuple[int, ...]:
        """The indices of the error events."""
        return self.rendered.errors

    @property
    def long_positions(self) -> tuple[int, ...]:
        """The indices of the events whose block is longer than LONG_BLOCK characters."""
        return self.rendered.long

    @property
    def rendered(self) -> Rendered:
        cached = self.__dict__.get(_RENDERED)
        if isinstance(cached, Rendered) and cached.events is self.events:
            return cached
        rendered = Rendered.of(self.events)
        self.__dict__[_RENDERED] = rendered
        return rendered

    def as_json(self) -> dict[str, JsonValue]:
        """The public view (CLI `--json`, HTTP): id, derived status, version, usage totals and
        all events."""
        return {
            "id": self.id,
            "status": self.status,
            "version": self.version,
            "usage": self.usage.as_json(),
            "events": [event_to_json(event) for event in self.events],
        }

    def append(self, *events: Event) -> "Thread":
        """A new thread with `events` added; the existing events are shared, not re-validated,
        and once this thread was rendered, only the new events are rendered for the new one."""
        thread = Thread.model_construct(id=self.id, events=(*self.events, *events))
        cached = self.__dict__.get(_RENDERED)
        if isinstance(cached, Rendered) and cached.events is self.events:
            thread.__dict__[_RENDERED] = cached.extended(thread.events)
        return thread

    def fork(self, new_id: str, upto: int) -> "Thread":
        """A new thread holding the first `upto` events (factor 5: fork by copying a prefix)."""
        thread = Thread.model_construct(id=new_id, events=self.events[:upto])
        cached = self.__dict__.get(_RENDERED)
        if isinstance(cached, Rendered) and cached.events is self.events:
            thread.__dict__[_RENDERED] = cached.prefix(thread.events)
        return thread
