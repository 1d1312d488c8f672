"""Advancing one claimed thread (factors 8, 9, 12): the one code path behind every runner, the
CLI's foreground runs included.

Each step is committed as it is made. A model outage is recorded as a ModelCallFailed event
and retried later with exponential backoff and jitter (honouring Retry-After) until
AGENT_LLM_RETRY_DEADLINE has passed since the first failure of the streak; then, or at once for
a permanent refusal, the thread is escalated to a human. Outages never count as the agent's
errors. A step that raises anything else (a bug) is escalated with the error instead of being
retried forever.
"""

import logging
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from . import agent
from .budget import ContextWindow
from .channels import HumanChannel, LogChannel
from .config import Settings
from .errors import AgentError, LLMRejected, LLMUnavailable, clip, first_line
from .events import Escalation, ModelCallFailed
from .llm import LLM
from .logs import thread_context
from .prefetch import DEFAULT_PREFETCH, Prefetch, apply_prefetch, needs_prefetch
from .store import ThreadStore
from .thread import Thread
from .tools import ToolRegistry, discover
from .tracing import UNTRACED, Tracing

log = logging.getLogger(__name__)

MAX_BACKOFF = 60.0  # seconds between two attempts at most (unless the provider asks for more)


@dataclass(frozen=True)
class Paused:
    """The thread waits for a human or is done: its run is over."""

    thread: Thread


@dataclass(frozen=True)
class RetryLater:
    """The model is unavailable: try again in `delay` seconds."""

    thread: Thread
    delay: float
    error: str


@dataclass(frozen=True)
class Interrupted:
    """The runner is stopping, or lost its claim: hand the run back as it is."""


Outcome = Paused | RetryLater | Interrupted


def backoff(
    failures: int, base: float, retry_after: float | None, jitter: Callable[[], float]
) -> float:
    """The wait before attempt `failures + 1`: base, 2x, 4x... (at most MAX_BACKOFF), times a
    jitter factor in [0.5, 1) so runners that failed together do not retry together; never
    less than the provider's Retry-After."""
    delay = min(MAX_BACKOFF, base * 2.0 ** (failures - 1)) * (0.5 + jitter() / 2)
    return max(delay, retry_after or 0.0)


class StepFailed(Exception):
    """A step raised something unexpected: a bug in a client, the context code or the loop."""


def _next_step(steps: Iterator[Thread]) -> Thread | None:
    """The thread after the next step, or None once the loop has paused. An unexpected exception
    becomes StepFailed and the thread is escalated: retried, it would fail the same way, paying
    for the same model call each time. (Store errors are raised by `_commit`, not here: they
    still propagate, and the run is tried again.)"""
    try:
        return next(steps, None)
    except AgentError:
        raise
    except Exception as exc:
        raise StepFailed(f"{type(exc).__name__}: {first_line(exc)}") from exc


class Executor:
    """Advances a stored thread until it pauses, recording outages and escalating when due."""

    def __init__(
        self,
        store: ThreadStore,
        llm: LLM,
        settings: Settings,
        *,
        tools: ToolRegistry | None = None,
        prefetch: Sequence[Prefetch] = DEFAULT_PREFETCH,
        channel: HumanChannel | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        jitter: Callable[[], float] = random.random,
        tracing: Tracing = UNTRACED,
    ) -> None:
        self._store = store
        self._tracing = tracing
        self._llm = tracing.observe_llm(llm)
        self._max_steps = settings.agent_max_steps
        self._max_tokens = settings.agent_max_tokens_per_thread
        self._window = ContextWindow(
            settings.agent_context_tokens, settings.agent_context_clip_chars
        )
        self._deadline = settings.agent_llm_retry_deadline
        self._base = settings.agent_llm_retry_base
        self._prefetch = tuple(prefetch)
        # Pre-fetched data is already in the context: the model is not offered those tools.
        self.tools = tracing.observe_tools(
            (tools or discover()).without(p.name for p in self._prefetch)
        )
        self._channel = channel or LogChannel()
        self._clock = clock
        self._jitter = jitter

    def advance(self, thread_id: str, keep_going: Callable[[], bool] = lambda: True) -> Outcome:
        """Run the thread's steps while `keep_going()` (checked between steps). Store errors
        propagate: the runner's lease then runs out and the run is claimed again."""
        with thread_context(thread_id):  # log lines of this run carry its thread id
            thread = self._store.load(thread_id)
            with self._tracing.run(thread) as finished:  # the run's invoke_agent span
                outcome = self._advance(thread, keep_going)
                finished(None if isinstance(outcome, Interrupted) else outcome.thread)
                return outcome

    def _advance(self, thread: Thread, keep_going: Callable[[], bool]) -> Outcome:
        if self._prefetch and needs_prefetch(thread):
            thread = self._commit(thread, apply_prefetch(thread, self._prefetch))
        try:
            steps = agent.iterate(
                thread,
                self._llm,
                self.tools,
                max_steps=self._max_steps,
                max_tokens=self._max_tokens,
                window=self._window,
            )
            while (after := _next_step(steps)) is not None:
                thread = self._commit(thread, after)
                if thread.status == "running" and not keep_going():
                    return Interrupted()
        except LLMUnavailable as exc:
            return self._outage(thread, exc)
        except LLMRejected as exc:
            thread = self._escalate(thread, f"the model refused the request: {exc}")
        except StepFailed as exc:
            log.error("thread %s: a step failed: %s", thread.id, exc, exc_info=exc.__cause__)
            thread = self._escalate(thread, f"a step failed: {exc}")
        if thread.waiting:
            self._channel.notify(thread.id, thread.events[-1])
        return Paused(thread)

    def _outage(self, thread: Thread, exc: LLMUnavailable) -> Outcome:
        now = self._clock()
        error = clip(str(exc))
        failed = ModelCallFailed(error=error, status=exc.status, at=now.isoformat())
        thread = self._commit(thread, thread.append(failed))
        streak = thread.outage
        elapsed = (now - datetime.fromisoformat(streak[0].at)).total_seconds()
        if elapsed >= self._deadline:
            thread = self._escalate(thread, f"model unavailable for {elapsed:.0f} s: {error}")
            self._channel.notify(thread.id, thread.events[-1])
            return Paused(thread)
        delay = backoff(len(streak), self._base, exc.retry_after, self._jitter)
        # One more attempt right at the deadline, so a streak escalates on time.
        delay = min(delay, max(0.0, self._deadline - elapsed))
        log.warning("thread %s: %s; retrying in %.1f s", thread.id, error, delay)
        return RetryLater(thread, delay, error)

    def _escalate(self, thread: Thread, reason: str) -> Thread:
        return self._commit(thread, thread.append(Escalation(reason=clip(reason))))

    def _commit(self, before: Thread, after: Thread) -> Thread:
        self._store.append(before.id, before.version, after.events[before.version :])
        return after
