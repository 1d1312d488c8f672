"""The agent loop (factors 8, 9, 12): `step` is a reducer, `run` is the control flow around it.

`step(thread) -> thread` makes one decision: it asks the model (or runs a call a human approved),
records what happened as events and returns a new thread. The input is never mutated; the same
thread and the same model answer always give the same result.
"""

from collections.abc import Iterator

from .budget import ContextWindow
from .context import render_context
from .errors import clip
from .events import CallRecord, ErrorEvent, Escalation, Event, ToolCall, ToolResult
from .llm import LLM, CallInfo, NoToolCall, Reply
from .policy import Policy
from .prompts import prompt_version, render_system_prompt
from .thread import Thread
from .tools import Intent, InvalidToolCall, ToolRegistry

ERROR_LIMIT = 3  # consecutive errors before a human is asked to step in
DEFAULT_MAX_STEPS = 20


DEFAULT_WINDOW = ContextWindow()


def step(
    thread: Thread, llm: LLM, tools: ToolRegistry, window: ContextWindow = DEFAULT_WINDOW
) -> Thread:
    """One decision. A thread that is not running is returned unchanged. `window` bounds what
    the model is sent (AGENT_CONTEXT_TOKENS, AGENT_CONTEXT_CLIP_CHARS)."""
    if thread.status != "running":
        return thread
    approved = thread.approved_call
    if approved is not None:
        # The human said yes: run the paused call now, exactly once (its result ends the pause).
        return _escalate_if_failing(thread.append(execute(approved, tools)))
    specs = tools.specs()
    system = render_system_prompt(specs)
    budget = window.for_context(system, specs)
    context = render_context(thread, budget, clip_chars=window.clip_chars)
    reply = llm.next_step(system, context, specs)
    record = call_record(reply.info, prompt_version(system, specs))
    return _escalate_if_failing(thread.append(*decide(reply, tools, record)))


def call_record(info: CallInfo | None, version: str) -> CallRecord:
    """The audit record of a model call: the prompt version and what the client measured."""
    if info is None:
        return CallRecord(prompt_version=version)
    return CallRecord(
        prompt_version=version,
        model=info.model,
        latency_ms=round(info.latency_ms, 1),
        input_tokens=info.input_tokens,
        output_tokens=info.output_tokens,
        finish_reason=info.finish_reason,
        response_id=info.response_id,
        tool_mode=info.tool_mode,
        dialect=info.dialect,
    )


def decide(reply: Reply, tools: ToolRegistry, record: CallRecord | None = None) -> list[Event]:
    """Turn the model's reply into events: a recorded call (and its result when it runs now),
    or an error event for anything malformed. `record` is kept on the decision (not shown to
    the model)."""
    if isinstance(reply, NoToolCall):
        detail = f"expected exactly one tool call, got text: {reply.text!r}"
        return [ErrorEvent(stage="parse", message=clip(detail), llm_call=record)]
    try:
        call = tools.parse(reply.name, reply.arguments)
    except InvalidToolCall as exc:
        intent = reply.name if reply.name in tools else None
        return [ErrorEvent(stage="parse", intent=intent, message=str(exc), llm_call=record)]
    tool = tools[reply.name]
    recorded = ToolCall(
        intent=tool.name,
        arguments=call.model_dump(mode="json", exclude={"intent"}),
        policy=tool.policy,
        llm_call=record,
        dropped_calls=", ".join(reply.dropped) or None,
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
    thread: Thread,
    llm: LLM,
    tools: ToolRegistry,
    *,
    max_steps: int = DEFAULT_MAX_STEPS,
    max_tokens: int | None = None,
    window: ContextWindow = DEFAULT_WINDOW,
) -> Iterator[Thread]:
    """Yield the thread after each step until it needs a human, is done, or hits a limit: the
    step cap, or the token budget (`max_tokens`, counted since a human last spoke)."""
    while thread.status == "running":
        # An approved call runs whatever the limits: the human already decided.
        limit = None if thread.approved_call else over_limit(thread, max_steps, max_tokens)
        thread = step(thread, llm, tools, window) if limit is None else thread.append(limit)
        yield thread


def over_limit(thread: Thread, max_steps: int, max_tokens: int | None) -> Escalation | None:
    """The escalation due before the next model call, if the thread used up a limit."""
    if thread.steps_since_human >= max_steps:
        return Escalation(reason=f"step limit of {max_steps} reached")
    if max_tokens is not None:
        used = thread.usage_since_human.total_tokens
        if used >= max_tokens:
            return Escalation(reason=f"token budget of {max_tokens} reached ({used} tokens used)")
    return None


def run(
    thread: Thread,
    llm: LLM,
    tools: ToolRegistry,
    *,
    max_steps: int = DEFAULT_MAX_STEPS,
    max_tokens: int | None = None,
    window: ContextWindow = DEFAULT_WINDOW,
) -> Thread:
    """Run until the thread pauses or finishes (no persistence; see AgentService for that)."""
    last = thread
    steps = iterate(thread, llm, tools, max_steps=max_steps, max_tokens=max_tokens, window=window)
    for last in steps:  # noqa: B007
        pass
    return last
