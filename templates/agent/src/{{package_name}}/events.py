"""Typed, frozen events: the thread's only content (factor 5).

Fields annotated with `INTERNAL` are stored but never rendered into the model's context
(transport metadata, ids, URLs, secrets).
"""

from functools import cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, TypeAdapter

from . import tagged
from .policy import Policy


class Internal:
    """Marker for fields the model must never see."""

    def __repr__(self) -> str:
        return "INTERNAL"


INTERNAL = Internal()


class EventBase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str

    def visible_data(self) -> dict[str, JsonValue]:
        """The fields the model may see, as JSON-ready data; unset optional fields are left out."""
        data: dict[str, JsonValue] = self.model_dump(
            mode="json", exclude=set(internal_fields(type(self))), exclude_none=True
        )
        return data

    @property
    def shown_block(self) -> str:
        """This event as people see it (`show`): its visible fields as a tagged block, the form
        the model sees it in (even for an event the model never sees)."""
        return tagged.block(self.type, self.visible_data())


@cache
def internal_fields(cls: type[EventBase]) -> frozenset[str]:
    """`type` (it is the tag) and the fields annotated INTERNAL: never shown to the model."""
    return frozenset({"type", *(n for n, f in cls.model_fields.items() if INTERNAL in f.metadata)})


class CallRecord(BaseModel):
    """How one model call went: the audit trail of a decision (never shown to the model).
    `prompt_version` is a short hash of the system prompt and tool specs sent, so a prompt edit
    is visible in threads recorded before it; the rest is what the provider reported (None when
    it reported nothing, as some OpenAI-compatible servers do for usage)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    prompt_version: str
    model: str | None = None
    latency_ms: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    finish_reason: str | None = None
    response_id: str | None = None
    tool_mode: str | None = None
    dialect: str | None = None


class UserMessage(EventBase):
    type: Literal["user_message"] = "user_message"
    message: str
    source: Annotated[str, INTERNAL] = "cli"
    metadata: Annotated[dict[str, str], INTERNAL] = Field(default_factory=dict)


class ToolCall(EventBase):
    """The model's decision, recorded before anything runs (factor 4)."""

    type: Literal["tool_call"] = "tool_call"
    intent: str
    arguments: dict[str, JsonValue] = Field(default_factory=dict)
    # The policy in force when the call was made; the thread's status is derived from it.
    policy: Annotated[Policy, INTERNAL]
    prefetched: Annotated[bool, INTERNAL] = False
    # The model call that made this decision; None for pre-fetched calls and older threads.
    llm_call: Annotated[CallRecord | None, INTERNAL] = None
    # Further calls the model sent in the same reply; none of them ran (one call per step).
    dropped_calls: str | None = None


class ToolResult(EventBase):
    type: Literal["tool_result"] = "tool_result"
    intent: str
    result: dict[str, JsonValue]


class ErrorEvent(EventBase):
    """A compact, bounded error description (factor 9); never a traceback."""

    type: Literal["error"] = "error"
    stage: Literal["parse", "tool", "prefetch"]
    intent: str | None = None
    message: str
    # For a "parse" error: the model call whose answer could not be used.
    llm_call: Annotated[CallRecord | None, INTERNAL] = None


class HumanInput(EventBase):
    """What every human response records for the audit trail, hidden from the model: who
    (a person's name, "api-token" for the shared token), through which door (cli, api, inbox,
    webhook) and when (UTC, ISO 8601). Threads written before these fields have them unset."""

    by: Annotated[str | None, INTERNAL] = None
    via: Annotated[str | None, INTERNAL] = None
    at: Annotated[str | None, INTERNAL] = None

    @property
    def shown_block(self) -> str:
        if self.by is None and self.via is None:
            return super().shown_block
        who = " ".join(part for part in (self.by, f"via {self.via}" if self.via else None) if part)
        return f"{super().shown_block}\n(by {who}{f' at {self.at}' if self.at else ''})"


class HumanResponse(HumanInput):
    type: Literal["human_response"] = "human_response"
    answer: str


class ApprovalDecision(HumanInput):
    type: Literal["approval"] = "approval"
    intent: str
    approved: bool
    comment: str | None = None


class Escalation(EventBase):
    """The agent hands over to a human: too many errors in a row or the step limit."""

    type: Literal["escalation"] = "escalation"
    reason: str
    last_error: str | None = None


class ModelCallFailed(EventBase):
    """A model call that failed for a reason that may pass (timeout, 429, 5xx, overloaded); the
    run is retried later. Kept for people (`show`, the API, the inbox timeline), never rendered
    into the model's context, and never counted as one of the agent's errors."""

    type: Literal["model_call_failed"] = "model_call_failed"
    error: str
    status: int | None = None
    # When it failed (UTC, ISO 8601): the retry deadline counts from the first failure of a
    # streak, across restarts and processes.
    at: str


Event = Annotated[
    UserMessage
    | ToolCall
    | ToolResult
    | ErrorEvent
    | HumanResponse
    | ApprovalDecision
    | Escalation
    | ModelCallFailed,
    Field(discriminator="type"),
]
EVENT_LIST: TypeAdapter[list[Event]] = TypeAdapter(list[Event])


def events_from_json(data: str | bytes) -> list[Event]:
    """Parse a JSON array of events."""
    return EVENT_LIST.validate_json(data)


def event_to_json(event: Event) -> dict[str, JsonValue]:
    data: dict[str, JsonValue] = event.model_dump(mode="json")
    return data
