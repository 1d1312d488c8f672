"""What each client module's API sends over HTTP, for tests that run the real SDK over a mock
transport: keyed like the provider table's `client` (llm/providers.py)."""

import json
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import JsonValue

# A tool call (name, arguments), or a string for prose without one.
Reply = tuple[str, dict[str, JsonValue]] | str


@dataclass(frozen=True)
class Wire:
    http: str  # the HTTP library the SDK runs on (the mock transport must be its own)
    error_body: dict[str, JsonValue]
    reply_body: Callable[[Reply], dict[str, JsonValue]]
    wrong_shape: dict[str, JsonValue]  # JSON, but not the API's reply


def _openai_reply(reply: Reply) -> dict[str, JsonValue]:
    message: dict[str, JsonValue]
    if isinstance(reply, str):
        message = {"role": "assistant", "content": reply}
    else:
        function: dict[str, JsonValue] = {"name": reply[0], "arguments": json.dumps(reply[1])}
        call: dict[str, JsonValue] = {"id": "call_1", "type": "function", "function": function}
        message = {"role": "assistant", "content": None, "tool_calls": [call]}
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "test-model",
        "choices": [{"index": 0, "finish_reason": "stop", "message": message}],
    }


def _anthropic_reply(reply: Reply) -> dict[str, JsonValue]:
    block: dict[str, JsonValue]
    if isinstance(reply, str):
        block = {"type": "text", "text": reply}
    else:
        block = {"type": "tool_use", "id": "toolu_1", "name": reply[0], "input": reply[1]}
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "test-model",
        "content": [block],
        "stop_reason": "end_turn" if isinstance(reply, str) else "tool_use",
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 5},
    }


WIRES: dict[str, Wire] = {
    "openai_client": Wire(
        http="httpx",
        error_body={"error": {"message": "injected fault", "type": "server_error"}},
        reply_body=_openai_reply,
        wrong_shape={"id": "x", "choices": [{"message": 7}]},
    ),
    "anthropic_client": Wire(
        http="httpx2",
        error_body={"type": "error", "error": {"type": "api_error", "message": "injected fault"}},
        reply_body=_anthropic_reply,
        wrong_shape={"id": "msg_1", "type": "message", "content": "not blocks"},
    ),
}
