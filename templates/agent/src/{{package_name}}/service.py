"""AgentService: the one code path behind every trigger (CLI, HTTP, webhook, inbox) (factors 6,
7, 11).

It records what happened (a launch, an answer, an approval) and, in the same transaction, a run
of the thread; its `Scheduler` then decides who takes the steps. The HTTP API answers at once
and a runner advances the thread (`Queued`); the CLI advances it in the foreground
(`Foreground`). Either way the steps go through one queue, so a thread is advanced by one
process at a time and a recorded tool call runs once. No per-thread memory is kept.
"""

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from .channels import HumanChannel
from .config import Settings
from .errors import NotAwaiting, ThreadExists, VersionConflict
from .events import ApprovalDecision, Event, HumanResponse, UserMessage
from .llm import LLM
from .people import Door
from .prefetch import DEFAULT_PREFETCH, Prefetch
from .store import ThreadStore, ThreadSummary
from .thread import Status, Thread
from .tools import ToolRegistry


class Trigger(BaseModel):
    """Something that starts a thread. `metadata` is stored but never shown to the model."""

    model_config = ConfigDict(frozen=True)

    message: str = Field(min_length=1)
    source: Literal["cli", "http", "webhook"] = "cli"
    metadata: dict[str, str] = Field(default_factory=dict)
    # The sender's id for this request (e.g. a webhook delivery id): senders retry, and a
    # repeat must find the first request's thread instead of starting another run.
    idempotency_key: str | None = None


class Responder(BaseModel):
    """Who responds and through which door; recorded in the event, never shown to the model."""

    model_config = ConfigDict(frozen=True)

    by: str | None = None
    via: Door | None = None


class HumanAnswer(Responder):
    """A reply to `request_more_information` or to an escalation."""

    answer: str = Field(min_length=1)


class Approval(Responder):
    """A decision on a call that needs approval; a rejection's comment reaches the model."""

    approved: bool
    comment: str | None = None


def new_thread_id() -> str:
    return uuid.uuid4().hex


_KEYED = uuid.UUID("5d7f3f8e-2a51-4c0e-9a49-6f1f3c2b7a10")


def keyed_thread_id(trigger: Trigger, key: str) -> str:
    """The thread id for a request with an idempotency key: the same key, the same id."""
    return uuid.uuid5(_KEYED, f"{trigger.source}:{key}").hex


class Scheduler(Protocol):
    def scheduled(self, thread: Thread) -> Thread:
        """A run of `thread` was just recorded: return the thread to answer the caller with
        (as recorded, when a runner takes it; as paused, when run in the foreground)."""
        ...


class AgentService:
    def __init__(
        self,
        store: ThreadStore,
        scheduler: Scheduler,
        *,
        new_id: Callable[[], str] = new_thread_id,
    ) -> None:
        self._store = store
        self._scheduler = scheduler
        self._new_id = new_id

    @classmethod
    def foreground(
        cls,
        store: ThreadStore,
        llm: LLM,
        settings: Settings,
        *,
        tools: ToolRegistry | None = None,
        prefetch: Sequence[Prefetch] = DEFAULT_PREFETCH,
        channel: HumanChannel | None = None,
        new_id: Callable[[], str] = new_thread_id,
    ) -> "AgentService":
        """A service that runs each thread in the caller's thread until it pauses (the CLI,
        scripts, tests)."""
        from .execution import Executor
        from .runner import Foreground

        executor = Executor(store, llm, settings, tools=tools, prefetch=prefetch, channel=channel)
        return cls(store, Foreground(executor, store), new_id=new_id)

    def launch(self, trigger: Trigger) -> Thread:
        """Start a thread. A repeated `idempotency_key` returns the first launch's thread as
        it is now, scheduling nothing: the store's atomic create decides which came first."""
        first = UserMessage(
            message=trigger.message, source=trigger.source, metadata=dict(trigger.metadata)
        )
        key = trigger.idempotency_key
        thread_id = self._new_id() if key is None else keyed_thread_id(trigger, key)
        thread = Thread(id=thread_id, events=(first,))
        try:
            self._store.create(thread, schedule=True)
        except ThreadExists:
            if key is None:
                raise
            return self._store.load(thread_id)
        return self._scheduler.scheduled(thread)

    def respond(
        self,
        thread_id: str,
        response: HumanAnswer | Approval,
        *,
        expected_version: int | None = None,
    ) -> Thread:
        """Record a human's answer or approval decision and schedule the thread to run on.
        Raises NotAwaiting (and changes nothing) when the thread is not waiting for this kind
        of response. With `expected_version` (the version the person saw), raises
        VersionConflict unless the thread is still exactly there: the store's version check
        makes this atomic, so a stale form can never answer a newer question."""
        thread = self._store.load(thread_id)
        if expected_version is not None and thread.version != expected_version:
            raise VersionConflict(thread.id, expected_version, thread.version)
        event = response_event(thread, response)
        self._store.append(thread.id, thread.version, [event], schedule=True)
        return self._scheduler.scheduled(thread.append(event))

    def advance(self, thread_id: str) -> Thread:
        """Schedule a run of a running thread (e.g. after a model outage escalated nothing yet);
        raises NotAwaiting for a thread that waits for a human or is done."""
        thread = self._store.load(thread_id)
        if thread.status != "running":
            raise NotAwaiting(thread.id, thread.status, "a request to continue")
        self._store.runs.schedule(thread.id)
        return self._scheduler.scheduled(thread)

    def get(self, thread_id: str) -> Thread:
        return self._store.load(thread_id)

    def list_threads(
        self,
        status: Status | None = None,
        limit: int = 50,
        *,
        updated_before: datetime | None = None,
    ) -> list[ThreadSummary]:
        """Most recently updated threads first (e.g. an inbox of those waiting for a human, or
        running threads not updated for an hour)."""
        return self._store.list_threads(status, limit, updated_before=updated_before)


def response_event(thread: Thread, response: HumanAnswer | Approval) -> Event:
    """The event recording `response`; raises NotAwaiting unless the thread waits for it."""
    status = thread.status
    by, via, at = response.by, response.via, datetime.now(UTC).isoformat()
    if isinstance(response, HumanAnswer):
        if status != "waiting_for_human":
            raise NotAwaiting(thread.id, status, "an answer")
        return HumanResponse(answer=response.answer, by=by, via=via, at=at)
    pending = thread.pending_call
    if status != "waiting_for_approval" or pending is None:
        raise NotAwaiting(thread.id, status, "an approval")
    return ApprovalDecision(
        intent=pending.intent,
        approved=response.approved,
        comment=response.comment,
        by=by,
        via=via,
        at=at,
    )
