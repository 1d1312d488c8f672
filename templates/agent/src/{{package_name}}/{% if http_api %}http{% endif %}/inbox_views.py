"""What the inbox pages show: threads waiting for a human, what each one waits for, and for how
long. Pure functions over threads and store summaries, so the HTML templates stay logic-free."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from pydantic import JsonValue

from ..errors import ThreadNotFound
from ..events import (
    ApprovalDecision,
    ErrorEvent,
    Escalation,
    Event,
    HumanInput,
    HumanResponse,
    ModelCallFailed,
    ToolCall,
    ToolResult,
    UserMessage,
)
from ..policy import Policy
from ..store import ThreadSummary
from ..thread import WAITING, Status, Thread

STATUS_LABELS: dict[Status, str] = {
    "running": "running",
    "waiting_for_human": "waiting for an answer",
    "waiting_for_approval": "waiting for approval",
    "done": "done",
}


class ThreadLister(Protocol):
    """Listing threads: `AgentService` (the default) and any ThreadStore satisfy it."""

    def list_threads(
        self, status: Status | None = None, limit: int = 50
    ) -> list[ThreadSummary]: ...


class ThreadReader(Protocol):
    def get(self, thread_id: str) -> Thread: ...


@dataclass(frozen=True)
class Pending:
    """What a paused thread waits for, as data: a question, a call to approve or an escalation."""

    kind: Literal["question", "approval", "escalation"]
    intent: str | None
    message: str | None
    arguments: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class WaitingThread:
    thread_id: str
    title: str
    status: Status
    version: int
    since: datetime
    pending: Pending


@dataclass(frozen=True)
class Step:
    """One event as a person reads it: what kind of step, a short heading, its text and details.
    `kind` is also the CSS class of the step on the page."""

    kind: str
    heading: str
    text: str | None = None
    details: tuple[tuple[str, str], ...] = ()


TITLE_LENGTH = 90  # characters of the request shown as a thread's title


def title_of(thread: Thread) -> str:
    """The thread's title: the first line of the request that started it, shortened."""
    first = next((e for e in thread.events if isinstance(e, UserMessage)), None)
    if first is None:
        return f"thread {thread.id}"
    line = " ".join(first.message.split())
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1] + "…"


def pending_of(thread: Thread) -> Pending | None:
    """What `thread` waits for, or None when it is running or done."""
    if not thread.waiting:
        return None
    last = thread.events[-1]
    if isinstance(last, Escalation):
        details = {"last_error": last.last_error} if last.last_error else {}
        return Pending("escalation", None, last.reason, argument_rows(details))
    if not isinstance(last, ToolCall):
        return None
    if thread.status == "waiting_for_approval":
        return Pending("approval", last.intent, None, argument_rows(last.arguments))
    # A question: its `message` is the question; any other arguments are shown as data.
    message = last.arguments.get("message")
    rest = {k: v for k, v in last.arguments.items() if k != "message" or not isinstance(v, str)}
    text = message if isinstance(message, str) else None
    return Pending("question", last.intent, text, argument_rows(rest))


def argument_rows(arguments: Mapping[str, JsonValue]) -> tuple[tuple[str, str], ...]:
    """Each argument as (name, text): strings as they are, everything else as JSON."""
    return tuple(
        (name, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
        for name, value in arguments.items()
    )


def waiting_threads(
    reader: ThreadReader, lister: ThreadLister, limit: int = 50
) -> list[WaitingThread]:
    """Threads waiting for a human, the longest-waiting last (newest first).

    The store lists one status at a time, so both waiting statuses are merged here; each thread
    is then loaded once for what it waits for (the store's summary has no events)."""
    summaries: list[ThreadSummary] = []
    for status in WAITING:
        summaries.extend(lister.list_threads(status=status, limit=limit))
    summaries.sort(key=lambda s: parse_time(s.updated_at), reverse=True)
    waiting: list[WaitingThread] = []
    for summary in summaries[:limit]:
        try:
            thread = reader.get(summary.id)
        except ThreadNotFound:
            continue
        pending = pending_of(thread)
        if pending is not None:  # None: someone answered it since the listing was read
            since = parse_time(summary.updated_at)
            waiting.append(
                WaitingThread(
                    thread.id, title_of(thread), thread.status, thread.version, since, pending
                )
            )
    return waiting


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def waited(since: datetime, now: datetime) -> str:
    """A short human duration: "just now", "4 min", "2 h 5 min", "3 d 4 h"."""
    seconds = max(0, int((now - since) / timedelta(seconds=1)))
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if minutes == 0:
        return "just now"
    if hours == 0:
        return f"{minutes} min"
    if days == 0:
        return f"{hours} h {minutes % 60} min"
    return f"{days} d {hours % 24} h"


def steps(thread: Thread) -> list[Step]:
    """The thread as readable steps: the request, each call with its arguments, results,
    questions, answers, decisions, errors and outages. What the model saw is `render_context`."""
    return [step_of(event) for event in thread.events]


def step_of(event: Event) -> Step:
    """One event as a step; an event type this module does not know shows its fields."""
    match event:
        case UserMessage(message=message, source=source):
            return Step("request", f"Request (via {source})", message)
        case ToolCall(intent=intent, arguments=arguments, prefetched=True):
            return Step("prefetch", f"Pre-fetched {intent}", None, argument_rows(arguments))
        case ToolCall(intent=intent, arguments=arguments, policy=policy):
            return _call_step(intent, arguments, policy)
        case ToolResult(intent=intent, result=result):
            return Step("result", f"Result of {intent}", None, argument_rows(result))
        case ErrorEvent(stage=stage, intent=intent, message=message):
            where = f" in {intent}" if intent else ""
            return Step("error", f"Error ({stage}{where})", message)
        case HumanResponse(answer=answer):
            return Step("answer", "Answer", answer, _who(event))
        case ApprovalDecision(intent=intent, approved=approved, comment=comment):
            verdict = "Approved" if approved else "Rejected"
            kind = "approval" if approved else "rejection"
            return Step(kind, f"{verdict} {intent}", comment, _who(event))
        case Escalation(reason=reason, last_error=last_error):
            details = (("last error", last_error),) if last_error else ()
            return Step("escalation", "Handed over to a person", reason, details)
        case ModelCallFailed(error=error, at=at):
            return Step("outage", f"Model call failed at {at}", error)
    return Step(event.type, event.type.replace("_", " "), None, argument_rows(event.visible_data()))


def _who(event: HumanInput) -> tuple[tuple[str, str], ...]:
    """Who responded, through which door, and when (unset in threads older than the record)."""
    rows: list[tuple[str, str]] = []
    if event.by or event.via:
        rows.append(("by", " via ".join(part for part in (event.by, event.via) if part)))
    if event.at:
        rows.append(("at", event.at))
    return tuple(rows)


def _call_step(intent: str, arguments: Mapping[str, JsonValue], policy: Policy) -> Step:
    message = arguments.get("message")
    text = message if isinstance(message, str) else None
    rest = argument_rows({k: v for k, v in arguments.items() if text is None or k != "message"})
    if policy is Policy.HUMAN_CONTACT:
        return Step("question", "The agent asks", text, rest)
    if policy is Policy.TERMINAL:
        return Step("done", "The agent is done", text, rest)
    heading = "The agent asks to run" if policy is Policy.NEEDS_APPROVAL else "The agent runs"
    return Step("call", f"{heading} {intent}", None, argument_rows(arguments))
