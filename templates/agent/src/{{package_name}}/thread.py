"""The thread: an append-only tuple of events and everything derived from it (factors 5 and 12).

There is no stored status, error counter or step counter: each is computed from the events.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, JsonValue

from .events import (
    ApprovalDecision,
    ErrorEvent,
    Escalation,
    Event,
    HumanResponse,
    ToolCall,
    UserMessage,
    event_to_json,
)
from .policy import Policy

Status = Literal["running", "waiting_for_human", "waiting_for_approval", "done"]
STATUSES: tuple[Status, ...] = ("running", "waiting_for_human", "waiting_for_approval", "done")

_HUMAN_INPUT = (UserMessage, HumanResponse, ApprovalDecision)


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
        """Errors since the last success or human input; tool calls in between don't reset it."""
        count = 0
        for event in reversed(self.events):
            if isinstance(event, ErrorEvent):
                count += 1
            elif not isinstance(event, ToolCall):
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

    def as_json(self) -> dict[str, JsonValue]:
        """The public view (CLI `--json`, HTTP): id, derived status, version and all events."""
        return {
            "id": self.id,
            "status": self.status,
            "version": self.version,
            "events": [event_to_json(event) for event in self.events],
        }

    def append(self, *events: Event) -> "Thread":
        """A new thread with `events` added; the existing events are shared, not re-validated."""
        return Thread.model_construct(id=self.id, events=(*self.events, *events))

    def fork(self, new_id: str, upto: int) -> "Thread":
        """A new thread holding the first `upto` events (factor 5: fork by copying a prefix)."""
        return Thread.model_construct(id=new_id, events=self.events[:upto])
