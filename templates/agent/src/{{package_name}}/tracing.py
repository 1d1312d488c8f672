"""OpenTelemetry traces, the one place spans are made: opt-in, standard, and free when off.

Spans follow the OpenTelemetry GenAI semantic conventions as of semantic-conventions v1.41.0
(the last release with GenAI in the main repository; see SEMCONV_VERSION): a root
`invoke_agent {agent}` span per run, `chat {model}` per model call and `execute_tool {tool}` per
tool run, each with `gen_ai.conversation.id` = the thread id. Human waits, answers and
approvals are span events on the run's span (`agent.*`, our own names).

Spans go through `opentelemetry-api`; tracing_sdk.py installs the SDK only when the standard
OTEL_* variables ask for it, and with no SDK installed at start-up (ours or the user's) no span
is started at all. Message contents are recorded only
when OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT asks for them; settings (keys, tokens)
never. The wrappers sit at the seams (the LLM, each tool's handler, the executor's run), so
`agent.step` stays a pure reducer.
"""

import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, StatusCode, Tracer

from .errors import LLMRejected, LLMUnavailable
from .events import ApprovalDecision, CallRecord, Escalation, HumanResponse, ToolCall
from .llm import LLM, CallInfo, NoToolCall, Reply
from .thread import Thread
from .tools import Tool, ToolRegistry, ToolSpec

SEMCONV_VERSION = "1.41.0"
SCHEMA_URL = f"https://opentelemetry.io/schemas/{SEMCONV_VERSION}"
CAPTURE_VARIABLE = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
# Values that turn capture on: the boolean of the first GenAI instrumentations and the modes
# of the current ones (SPAN_ONLY, EVENT_ONLY, SPAN_AND_EVENT; contents go on spans here).
_CAPTURE_ON = {"true", "1", "yes", "span_only", "event_only", "span_and_event"}

# The run in progress in this context: every span of it carries its thread id.
_conversation: ContextVar[str | None] = ContextVar("conversation_id", default=None)


def capture_content(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get(CAPTURE_VARIABLE, "").strip().lower() in _CAPTURE_ON


@dataclass(frozen=True)
class Tracing:
    """What every span of this process says about the agent, and where spans go. The default
    tracer is the API's global one: a no-op unless an SDK (ours or the user's) is installed."""

    agent: str
    provider: str  # gen_ai.provider.name: openai, anthropic, ...
    model: str | None = None  # gen_ai.request.model
    capture_content: bool = False
    # False: no span is even started (see `installed`), so tracing off costs nothing per step.
    enabled: bool = True
    # A proxy until a provider is installed, then that provider's tracer.
    tracer: Tracer = field(
        default_factory=lambda: trace.get_tracer(__name__, schema_url=SCHEMA_URL)
    )

    def _base(self, operation: str) -> dict[str, Any]:
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": operation,
            "gen_ai.provider.name": self.provider,
        }
        conversation = _conversation.get()
        if conversation is not None:
            attributes["gen_ai.conversation.id"] = conversation
        return attributes

    @contextmanager
    def run(self, thread: Thread) -> Iterator[Callable[[Thread | None], None]]:
        """The `invoke_agent` span around one run of `thread`; yields the function to call with
        the thread as the run left it (None: the run was handed back unfinished)."""
        if not self.enabled:
            yield _ignore
            return
        token = _conversation.set(thread.id)
        try:
            attributes = self._base("invoke_agent")
            attributes["gen_ai.agent.name"] = self.agent
            if self.model:
                attributes["gen_ai.request.model"] = self.model
            with self._span(f"invoke_agent {self.agent}", SpanKind.INTERNAL, attributes) as span:
                if not span.is_recording():
                    yield _ignore
                    return
                _human_input(span, thread)
                yield lambda after: _finish_run(span, thread, after)
        finally:
            _conversation.reset(token)

    def observe_llm(self, llm: LLM) -> LLM:
        return ObservedLLM(llm, self) if self.enabled else llm

    def observe_tools(self, tools: ToolRegistry) -> ToolRegistry:
        """The same tools, each handler run inside an `execute_tool` span."""
        return tools.replaced(self._observed_tool) if self.enabled else tools

    def _observed_tool(self, tool: Tool[Any]) -> Tool[Any]:
        handler = tool.handler
        if handler is None:  # nothing runs: the call waits for a human or ends the run
            return tool
        name, description, kind = tool.name, tool.description, _tool_type(tool)

        def traced(call: Any) -> Any:
            attributes = self._base("execute_tool")
            attributes.update({"gen_ai.tool.name": name, "gen_ai.tool.type": kind})
            if description:
                attributes["gen_ai.tool.description"] = description[:200]
            with self._span(f"execute_tool {name}", SpanKind.INTERNAL, attributes) as span:
                if self.capture_content and span.is_recording():
                    arguments = call.model_dump(mode="json", exclude={"intent"})
                    span.set_attribute("gen_ai.tool.call.arguments", _json(arguments))
                output = handler(call)
                if self.capture_content and span.is_recording():
                    span.set_attribute("gen_ai.tool.call.result", _json(_plain(output)))
                return output

        return replace(tool, handler=traced)

    @contextmanager
    def _span(self, name: str, kind: SpanKind, attributes: dict[str, Any]) -> Iterator[Span]:
        """A span that records a failure as `error.type` (and its message only with content
        capture: a message can quote the data)."""
        with self.tracer.start_as_current_span(
            name,
            kind=kind,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                yield span
            except BaseException as exc:
                if span.is_recording():
                    span.set_attribute("error.type", _error_type(exc))
                    detail = str(exc)[:500] if self.capture_content else None
                    span.set_status(StatusCode.ERROR, detail)
                raise


class ObservedLLM:
    """An LLM whose every call is a `chat {model}` client span."""

    def __init__(self, llm: LLM, tracing: Tracing) -> None:
        self._llm = llm
        self._tracing = tracing

    def next_step(self, system: str, context: str, tools: Sequence[ToolSpec]) -> Reply:
        tracing = self._tracing
        attributes = tracing._base("chat")
        if tracing.model:
            attributes["gen_ai.request.model"] = tracing.model
        name = f"chat {tracing.model}" if tracing.model else "chat"
        with tracing._span(name, SpanKind.CLIENT, attributes) as span:
            if tracing.capture_content and span.is_recording():
                instructions = [{"type": "text", "content": system}]
                messages = [{"role": "user", "parts": [{"type": "text", "content": context}]}]
                span.set_attribute("gen_ai.system_instructions", _json(instructions))
                span.set_attribute("gen_ai.input.messages", _json(messages))
            reply = self._llm.next_step(system, context, tools)
            if span.is_recording():
                _record_reply(span, reply, tracing.capture_content)
            return reply


def _record_reply(span: Span, reply: Reply, content: bool) -> None:
    info: CallInfo | None = reply.info
    if info is not None:
        values = {
            "gen_ai.response.model": info.model,
            "gen_ai.response.id": info.response_id,
            "gen_ai.usage.input_tokens": info.input_tokens,
            "gen_ai.usage.output_tokens": info.output_tokens,
            "agent.llm.tool_mode": info.tool_mode,
            "agent.llm.dialect": info.dialect,
        }
        span.set_attributes({k: v for k, v in values.items() if v is not None})
        if info.finish_reason is not None:
            span.set_attribute("gen_ai.response.finish_reasons", [info.finish_reason])
    if content:
        part: dict[str, Any] = (
            {"type": "text", "content": reply.text}
            if isinstance(reply, NoToolCall)
            else {"type": "tool_call", "name": reply.name, "arguments": reply.arguments}
        )
        message: dict[str, Any] = {"role": "assistant", "parts": [part]}
        if info is not None and info.finish_reason is not None:
            message["finish_reason"] = info.finish_reason
        span.set_attribute("gen_ai.output.messages", _json([message]))


def _ignore(after: Thread | None) -> None:
    pass


def _human_input(span: Span, thread: Thread) -> None:
    """What a person did since the last run: the answer or decision that resumed it."""
    last = thread.events[-1] if thread.events else None
    if isinstance(last, HumanResponse):
        span.add_event("agent.human_response", _who(last.via))
    elif isinstance(last, ApprovalDecision):
        attributes: dict[str, Any] = {
            "gen_ai.tool.name": last.intent,
            "agent.approval.approved": last.approved,
        }
        span.add_event("agent.approval", {**attributes, **_who(last.via)})


def _who(via: str | None) -> dict[str, Any]:
    # The door, not the person: names stay in the thread, not in a tracing backend.
    return {"agent.human.via": via} if via else {}


def _finish_run(span: Span, before: Thread, after: Thread | None) -> None:
    if after is None:
        span.set_attribute("agent.run.interrupted", True)
        return
    new = after.events[before.version :]
    records = [r for r in (getattr(e, "llm_call", None) for e in new) if isinstance(r, CallRecord)]
    span.set_attributes(
        {
            "gen_ai.usage.input_tokens": sum(r.input_tokens or 0 for r in records),
            "gen_ai.usage.output_tokens": sum(r.output_tokens or 0 for r in records),
            "agent.thread.status": after.status,
            "agent.thread.events": len(new),
        }
    )
    last = after.events[-1] if after.events else None
    if after.status == "waiting_for_approval" and isinstance(last, ToolCall):
        span.add_event("agent.waiting_for_approval", {"gen_ai.tool.name": last.intent})
    elif after.status == "waiting_for_human":
        attributes = {"agent.reason": last.reason} if isinstance(last, Escalation) else {}
        if isinstance(last, ToolCall):
            attributes = {"gen_ai.tool.name": last.intent}
        span.add_event("agent.waiting_for_human", attributes)


def _tool_type(tool: Tool[Any]) -> str:
    # "extension": the tool runs in another service (a tool server); "function": in-process.
    return "extension" if hasattr(tool, "server") else "function"


def _error_type(exc: BaseException) -> str:
    if isinstance(exc, LLMUnavailable | LLMRejected) and exc.status is not None:
        return str(exc.status)
    return type(exc).__name__


def _plain(output: Any) -> Any:
    return output.model_dump(mode="json") if hasattr(output, "model_dump") else dict(output)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def installed() -> bool:
    """Whether any SDK is installed (ours from OTEL_*, or the user's, e.g. by
    `opentelemetry-instrument`). Without one every span would be a no-op: skipping them saves
    the 10-20 us each costs even so."""
    return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


# For an Executor built without one (tests, benchmarks): no spans.
UNTRACED = Tracing(agent="agent", provider="none", enabled=False)
