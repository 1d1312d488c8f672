"""Request, response and error bodies of the HTTP API; they are also its OpenAPI schema."""

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi.responses import JSONResponse
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    StrictBool,
    StringConstraints,
    model_validator,
)

from ..events import Event
from ..thread import Status, Thread
from ..tools.base import unstorable


def storable(value: Any) -> Any:
    """Refuse what no store can keep (`tools.base.unstorable` is the rule)."""
    problem = unstorable(value)
    if problem is not None:
        raise ValueError(problem)
    return value


# The schema states what `storable` and stripping enforce, so clients (and schema-based test
# generators) know that NUL characters and blank text are refused.
NO_NUL: dict[str, JsonValue] = {"pattern": "^[^\\x00]*$"}
Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1),
    AfterValidator(storable),
    Field(json_schema_extra={"pattern": "^[^\\x00]*[^\\s\\x00][^\\x00]*$"}),
]
Comment = Annotated[str, AfterValidator(storable), Field(json_schema_extra=NO_NUL)]


class LaunchRequest(BaseModel):
    """Start a new thread with a message from a user."""

    model_config = ConfigDict(extra="forbid")

    message: Text = Field(description="What the agent should do.")


class WebhookTrigger(BaseModel):
    """A signed inbound event. Fields besides `message` are stored with the thread as trigger
    metadata, never shown to the model."""

    model_config = ConfigDict(extra="allow")

    message: Text = Field(description="What the agent should do.")

    @model_validator(mode="after")
    def _extra_fields_are_storable(self) -> "WebhookTrigger":
        storable(self.metadata())
        return self

    def metadata(self) -> dict[str, JsonValue]:
        return dict(self.model_extra or {})


class AnswerBody(BaseModel):
    """Reply to a thread that is `waiting_for_human`."""

    model_config = ConfigDict(extra="forbid")

    answer: Text = Field(description="The human's answer to the agent's question.")


class ApprovalBody(BaseModel):
    """Decide on the tool call a thread is `waiting_for_approval` for."""

    model_config = ConfigDict(extra="forbid")

    # Strict: "yes", 1 or "true" must not approve a call by coercion; only JSON true does.
    approved: StrictBool = Field(description="Run the tool call (true) or reject it (false).")
    comment: Comment | None = Field(
        default=None, description="Optional feedback; a rejection's comment reaches the model."
    )


class UsageView(BaseModel):
    """What the thread's model calls consumed, summed from their records. Calls whose provider
    reported no usage count with zero tokens."""

    input_tokens: int = Field(ge=0)
    output_tokens: int = Field(ge=0)
    model_calls: int = Field(ge=0, description="Model calls that produced a decision.")


class ThreadView(BaseModel):
    """A thread as stored: its id, its derived status, its usage totals and every event.
    Documents the shape of `Thread.as_json()`, which the API returns (as does the CLI's
    `--json`)."""

    id: str
    status: Status
    version: int = Field(description="The number of events; it only grows.")
    usage: UsageView
    events: list[Event]


# RFC 3339, the date-time format of OpenAPI: a date, a time with seconds, and an offset.
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def rfc3339(value: object) -> object:
    """Only a date and time as the schema states it: pydantic alone would also take a number
    (as Unix time) or a time without an offset."""
    if not isinstance(value, str) or not RFC3339.fullmatch(value):
        raise ValueError("must be a date and time with an offset, e.g. 2026-01-01T00:00:00Z")
    return value


Moment = Annotated[datetime, BeforeValidator(rfc3339)]


class ThreadQuery(BaseModel):
    """`GET /threads`' filters. An unknown one is refused (422): a misspelt `?statuss=done`
    must not quietly list every thread."""

    model_config = ConfigDict(extra="forbid")

    status: Status | None = Field(default=None, description="Only threads with this status.")
    updated_before: Moment | None = Field(
        default=None, description="Only threads last updated before this (RFC 3339, e.g. ...Z)."
    )
    limit: int = Field(default=50, ge=1, le=1000)


class ThreadSummaryView(BaseModel):
    """One thread in a listing, without its events (`GET /threads/{id}` has them)."""

    id: str
    status: Status
    version: int = Field(description="The number of events.")
    updated_at: str = Field(description="When the last event was recorded (ISO 8601, UTC).")


class ThreadList(BaseModel):
    """`GET /threads`: most recently updated first."""

    threads: list[ThreadSummaryView]


class ErrorBody(BaseModel):
    """The body of 401, 404, 413, 415 and 503 answers."""

    detail: str


class ConflictBody(BaseModel):
    """409: the thread does not await this kind of response; it was left unchanged."""

    detail: str
    status: Status = Field(description="The thread's current status.")
    expected: str = Field(description="What the thread accepts now: answer, approval or nothing.")


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "The body is not valid UTF-8."},
    401: {"model": ErrorBody, "description": "Missing or invalid credentials."},
    413: {"model": ErrorBody, "description": "The request body is too large."},
    415: {"model": ErrorBody, "description": "The body is not application/json."},
}


def thread_response(thread: Thread, status_code: int = 200) -> JSONResponse:
    """A thread as every route answers with it: Thread.as_json is the one public view, shared
    with the CLI's `--json`."""
    return JSONResponse(thread.as_json(), status_code=status_code)
