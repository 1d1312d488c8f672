"""The thread: an append-only tuple of events and everything derived from it (factors 5 and 12).

There is no stored status, error counter or step counter: each is computed from the events.
What the model is shown of a thread is decided in `context.py`.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, JsonValue

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
# The statuses of a thread that waits for a person: an answer or an approval.
WAITING: tuple[Status, ...] = ("waiting_for_human", "waiting_for_approval")

_HUMAN_INPUT = (UserMessage, HumanResponse, ApprovalDecision)


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
    def waiting(self) -> bool:
        """Whether the thread waits for a person (an answer, an approval, or after escalating)."""
        return self.status in WAITING

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
        return last if isinstance(last, ToolCall) and self.waiting else None

    @property
    def approved_call(self) -> ToolCall | None:
        """A call a human just approved that has not run yet."""
        if len(self.events) < 2 or not isinstance(self.events[-1], ApprovalDecision):
            return None
        decision, call = self.events[-1], self.events[-2]
        return call if decision.approved and isinstance(call, ToolCall) else None

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
        """A new thread with `events` added; the existing events are shared, not re-validated."""
        return Thread.model_construct(id=self.id, events=(*self.events, *events))

    def fork(self, new_id: str, upto: int) -> "Thread":
        """A new thread holding the first `upto` events (factor 5: fork by copying a prefix)."""
        return Thread.model_construct(id=new_id, events=self.events[:upto])
