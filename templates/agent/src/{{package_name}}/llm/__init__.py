"""The model boundary (factor 1): one call in, one tool call (or none) out.

The core depends only on the `LLM` Protocol; the provider SDK is imported lazily by `build_llm`,
so commands that never call a model (such as `show`) start fast. Providers are rows of a table
(providers.py).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ..config import Settings
from ..errors import ConfigError
from ..tools import ToolSpec

__all__ = ["LLM", "CallInfo", "NoToolCall", "RawToolCall", "Reply", "ToolSpec", "build_llm"]


@dataclass(frozen=True)
class CallInfo:
    """How one model call went, as the provider reported it (for the audit trail, never for
    the model). Token counts are None when the server does not report usage."""

    model: str | None  # as the provider reported it
    latency_ms: float
    input_tokens: int | None
    output_tokens: int | None
    finish_reason: str | None
    response_id: str | None
    tool_mode: str | None = None  # native | auto | json
    dialect: str | None = None  # which repair parsed the call; None = standard


@dataclass(frozen=True)
class RawToolCall:
    """The tool the model chose and its arguments, exactly as sent (a JSON string)."""

    name: str
    arguments: str
    # Metadata, not the answer: two replies with the same call are the same decision.
    info: CallInfo | None = field(default=None, compare=False)
    # Further calls in the same reply, not run: the agent takes one step per model call.
    dropped: tuple[str, ...] = ()


@dataclass(frozen=True)
class NoToolCall:
    """The model answered in prose instead of calling a tool."""

    text: str
    info: CallInfo | None = field(default=None, compare=False)


Reply = RawToolCall | NoToolCall


class LLM(Protocol):
    def next_step(self, system: str, context: str, tools: Sequence[ToolSpec]) -> Reply:
        """Ask the model for the next step. Raises LLMUnavailable when it cannot be reached."""
        ...


def build_llm(settings: Settings) -> LLM:
    """The configured model client: `AGENT_LLM=scripted:<file>`, else the client of the
    AGENT_LLM_PROVIDER row of the provider table (providers.py)."""
    if settings.agent_llm:
        kind, _, arg = settings.agent_llm.partition(":")
        if kind != "scripted" or not arg:
            raise ConfigError(f"AGENT_LLM must look like scripted:<answers.json>, got {kind!r}")
        from .scripted import ScriptedLLM

        return ScriptedLLM.from_file(arg)
    from .providers import connect_configured

    return connect_configured(settings)
