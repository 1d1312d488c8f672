"""A scripted model for tests and offline demos: it replays queued answers and records requests."""

import json
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import JsonValue

from ..errors import ConfigError, LLMRejected, LLMUnavailable
from ..tools import ToolSpec
from . import NoToolCall, RawToolCall, Reply


@dataclass(frozen=True)
class Request:
    """Everything the model was sent for one decision."""

    system: str
    context: str
    tools: tuple[ToolSpec, ...]


@dataclass(frozen=True)
class Outage:
    """A scripted model failure that may pass: raised as LLMUnavailable."""

    message: str
    status: int | None = None


Scripted = Reply | Outage


class ScriptedLLM:
    """Answers from a queue. `ScriptedLLM().call("multiply", a=3, b=4).call("done_for_now", ...)`"""

    def __init__(self, replies: Iterable[Scripted] = ()) -> None:
        self._replies = deque(replies)
        self.requests: list[Request] = []

    def call(self, name: str, **arguments: JsonValue) -> "ScriptedLLM":
        """Queue a tool call."""
        self._replies.append(RawToolCall(name, json.dumps(arguments)))
        return self

    def raw(self, name: str, arguments: str) -> "ScriptedLLM":
        """Queue a tool call with arguments exactly as given (for malformed-output tests)."""
        self._replies.append(RawToolCall(name, arguments))
        return self

    def say(self, text: str) -> "ScriptedLLM":
        """Queue a prose answer with no tool call."""
        self._replies.append(NoToolCall(text))
        return self

    def down(self, message: str = "the model is down", status: int | None = 503) -> "ScriptedLLM":
        """Queue an outage: that call raises LLMUnavailable."""
        self._replies.append(Outage(message, status))
        return self

    @property
    def remaining(self) -> int:
        return len(self._replies)

    def next_step(self, system: str, context: str, tools: Sequence[ToolSpec]) -> Reply:
        self.requests.append(Request(system, context, tuple(tools)))
        if not self._replies:
            # The script is over and will not grow: a permanent refusal, escalated at once.
            raise LLMRejected("the scripted LLM has no answers left")
        reply = self._replies.popleft()
        if isinstance(reply, Outage):
            raise LLMUnavailable(reply.message, status=reply.status)
        return reply

    @classmethod
    def from_file(cls, path: str) -> "ScriptedLLM":
        """Load answers from JSON: `[{"name": "multiply", "arguments": {"a": 3}}, {"text": "hi"}]`.
        `arguments` may also be a string, sent to the parser as is; `{"outage": "why",
        "status": 503}` is a call that fails as a model outage would."""
        try:
            items = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read scripted answers from {path}: {exc}") from exc
        if not isinstance(items, list):
            raise ConfigError(f"{path}: expected a JSON list of answers")
        return cls(_reply(item, path) for item in items)


def _reply(item: object, path: str) -> Scripted:
    if isinstance(item, dict) and isinstance(item.get("name"), str):
        arguments = item.get("arguments", {})
        text = arguments if isinstance(arguments, str) else json.dumps(arguments)
        return RawToolCall(item["name"], text)
    if isinstance(item, dict) and isinstance(item.get("text"), str):
        return NoToolCall(item["text"])
    if isinstance(item, dict) and isinstance(item.get("outage"), str):
        status = item.get("status")
        return Outage(item["outage"], status if isinstance(status, int) else None)
    raise ConfigError(f"{path}: each answer needs a 'name' (tool call) or a 'text' (prose)")
