"""AgentService: the one code path behind every trigger (CLI, HTTP, webhook) (factors 6, 11).

It keeps no per-thread memory: each call loads the thread from the store, runs the loop and
appends each step's new events with the version it started from.
"""

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from . import agent
from .budget import ContextWindow
from .channels import HumanChannel, LogChannel
from .config import Settings
from .errors import LLMUnavailable, NotAwaiting, ThreadExists, VersionConflict
from .events import ApprovalDecision, Event, HumanResponse, UserMessage
from .llm import LLM
from .logs import thread_context
from .people import Door
from .prefetch import DEFAULT_PREFETCH, Prefetch, apply_prefetch, needs_prefetch
from .store import ThreadStore, ThreadSummary
from .thread import Status, Thread
from .tools import ToolRegistry, discover


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


class AgentService:
    def __init__(
        self,
        store: ThreadStore,
        llm: LLM,
        settings: Settings,
        *,
        tools: ToolRegistry | None = None,
        prefetch: Sequence[Prefetch] = DEFAULT_PREFETCH,
        channel: HumanChannel | None = None,
        new_id: Callable[[], str] = new_thread_id,
    ) -> None:
        self._store = store
        self._llm = llm
        self._max_steps = settings.agent_max_steps
        self._max_tokens = settings.agent_max_tokens_per_thread
        self._window = ContextWindow(
            settings.agent_context_tokens, settings.agent_context_clip_chars
        )
        self._prefetch = tuple(prefetch)
        # Pre-fetched data is already in the context: the model is not offered those tools.
        self._tools = (tools or discover()).without(p.name for p in self._prefetch)
        self._channel = channel or LogChannel()
        self._new_id = new_id

    @property
    def tools(self) -> ToolRegistry:
        return self._tools

    def launch(self, trigger: Trigger, *, run: bool = True) -> Thread:
        """Start a thread; with `run=False` it is only stored (call `advance` later, e.g. in a
        background task). A repeated `idempotency_key` returns the first launch's thread as it
        is now, without running anything: the store's atomic create decides which came first."""
        first = UserMessage(
            message=trigger.message, source=trigger.source, metadata=dict(trigger.metadata)
        )
        key = trigger.idempotency_key
        thread_id = self._new_id() if key is None else keyed_thread_id(trigger, key)
        thread = Thread(id=thread_id, events=(first,))
        try:
            self._store.create(thread)
        except ThreadExists:
            if key is None:
                raise
            return self._store.load(thread_id)
        return self._drive(thread) if run else thread

    def advance(self, thread_id: str) -> Thread:
        """Run a stored thread until it pauses; a paused or finished thread is returned as is."""
        return self._drive(self._store.load(thread_id))

    def respond(
        self,
        thread_id: str,
        response: HumanAnswer | Approval,
        *,
        run: bool = True,
        expected_version: int | None = None,
    ) -> Thread:
        """Record a human's answer or approval decision, then run on (with `run=False` only
        record it; call `advance` later). Raises NotAwaiting (and changes nothing) when the
        thread is not waiting for this kind of response. With `expected_version` (the version
        the person saw), raises VersionConflict unless the thread is still exactly there: the
        store's version check makes this atomic, so a stale form can never answer a newer
        question."""
        thread = self._store.load(thread_id)
        if expected_version is not None and thread.version != expected_version:
            raise VersionConflict(thread.id, expected_version, thread.version)
        event = response_event(thread, response)
        self._store.append(thread.id, thread.version, [event])
        thread = thread.append(event)
        return self._drive(thread) if run else thread

    def get(self, thread_id: str) -> Thread:
        return self._store.load(thread_id)

    def list_threads(self, status: Status | None = None, limit: int = 50) -> list[ThreadSummary]:
        """Most recently updated threads first (e.g. an inbox of those waiting for a human)."""
        return self._store.list_threads(status, limit)

    def _drive(self, thread: Thread) -> Thread:
        with thread_context(thread.id):  # log lines of this run carry its thread id
            return self._run(thread)

    def _run(self, thread: Thread) -> Thread:
        if self._prefetch and needs_prefetch(thread):
            thread = self._commit(thread, apply_prefetch(thread, self._prefetch))
        try:
            steps = agent.iterate(
                thread,
                self._llm,
                self._tools,
                max_steps=self._max_steps,
                max_tokens=self._max_tokens,
                window=self._window,
            )
            for after in steps:
                thread = self._commit(thread, after)
        except LLMUnavailable as exc:
            raise LLMUnavailable(str(exc), thread_id=thread.id) from exc
        if thread.status in ("waiting_for_human", "waiting_for_approval"):
            self._channel.notify(thread.id, thread.events[-1])
        return thread

    def _commit(self, before: Thread, after: Thread) -> Thread:
        self._store.append(before.id, before.version, after.events[before.version :])
        return after


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
