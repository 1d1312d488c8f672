"""The agent loop (factors 8, 9, 12): `step` is a reducer, `run` is the control flow around it.

`step(thread) -> thread` makes one decision: it asks the model (or runs a call a human approved),
records what happened as events and returns a new thread. The input is never mutated; the same
thread and the same model answer always give the same result.
"""

from collections.abc import Iterator

from .context import render_context
from .errors import clip
from .events import ErrorEvent, Escalation, Event, ToolCall, ToolResult
from .llm import LLM, NoToolCall, Reply
from .policy import Policy
from .prompts import render_system_prompt
from .thread import Thread
from .tools import Intent, InvalidToolCall, ToolRegistry

ERROR_LIMIT = 3  # consecutive errors before a human is asked to step in
DEFAULT_MAX_STEPS = 20


def step(thread: Thread, llm: LLM, tools: ToolRegistry) -> Thread:
    """One decision. A thread that is not running is returned unchanged."""
    if thread.status != "running":
        return thread
    approved = thread.approved_call
    if approved is not None:
        # The human said yes: run the paused call now, exactly once (its result ends the pause).
        return _escalate_if_failing(thread.append(execute(approved, tools)))
    specs = tools.specs()
    reply = llm.next_step(render_system_prompt(specs), render_context(thread), specs)
    return _escalate_if_failing(thread.append(*decide(reply, tools)))


def decide(reply: Reply, tools: ToolRegistry) -> list[Event]:
    """Turn the model's reply into events: a recorded call (and its result when it runs now),
    or an error event for anything malformed."""
    if isinstance(reply, NoToolCall):
        detail = f"expected exactly one tool call, got text: {reply.text!r}"
        return [ErrorEvent(stage="parse", message=clip(detail))]
    try:
        call = tools.parse(reply.name, reply.arguments)
    except InvalidToolCall as exc:
        intent = reply.name if reply.name in tools else None
        return [ErrorEvent(stage="parse", intent=intent, message=str(exc))]
    tool = tools[reply.name]
    recorded = ToolCall(
        intent=tool.name,
        arguments=call.model_dump(mode="json", exclude={"intent"}),
        policy=tool.policy,
    )
    # The decision is recorded before the handler runs: two separate, observable events.
    return [recorded, execute(recorded, tools, call)] if tool.policy is Policy.SYNC else [recorded]


def execute(call: ToolCall, tools: ToolRegistry, parsed: Intent | None = None) -> Event:
    """Run a recorded call's handler; any failure becomes a short error event. `parsed` is the
    call already parsed from the model's reply (a call run later is parsed from the record)."""
    try:
        tool = tools[call.intent]
        if parsed is None:
            parsed = tools.parse(call.intent, call.arguments)
        result = tool.run(parsed)
    except Exception as exc:  # a failing tool is data for the model, never a crash
        message = clip(f"{type(exc).__name__}: {exc}")
        return ErrorEvent(stage="tool", intent=call.intent, message=message)
    return ToolResult(intent=call.intent, result=result)


def _escalate_if_failing(thread: Thread) -> Thread:
    last = thread.events[-1]
    if isinstance(last, ErrorEvent) and thread.consecutive_errors >= ERROR_LIMIT:
        reason = f"{thread.consecutive_errors} consecutive errors"
        return thread.append(Escalation(reason=reason, last_error=last.message))
    return thread


def iterate(
    thread: Thread, llm: LLM, tools: ToolRegistry, *, max_steps: int = DEFAULT_MAX_STEPS
) -> Iterator[Thread]:
    """Yield the thread after each step until it needs a human, is done, or hits the step cap."""
    while thread.status == "running":
        if thread.steps_since_human >= max_steps and thread.approved_call is None:
            thread = thread.append(Escalation(reason=f"step limit of {max_steps} reached"))
        else:
            thread = step(thread, llm, tools)
        yield thread


def run(
    thread: Thread, llm: LLM, tools: ToolRegistry, *, max_steps: int = DEFAULT_MAX_STEPS
) -> Thread:
    """Run until the thread pauses or finishes (no persistence; see AgentService for that)."""
    last = thread
    for last in iterate(thread, llm, tools, max_steps=max_steps):  # noqa: B007
        pass
    return last
