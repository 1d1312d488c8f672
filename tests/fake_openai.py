"""A tiny OpenAI-compatible Chat Completions server for black-box tests of generated agents.

It plays a calculator user's model: it asks for the tool the request names, and once a tool result
is in the context it finishes with `done_for_now`. Every request body is kept for assertions.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_NUMBERS = re.compile(r"-?\d+(?:\.\d+)?")
_BLOCK = re.compile(r"<(\w+)>\n(.*?)\n</\1>", re.DOTALL)
OPERATIONS = ("divide", "multiply", "add", "subtract")


def choose_tool(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The scripted model's decision, from the last tagged block of the agent's context."""
    context = str(body["messages"][-1].get("content") or "")
    blocks = _BLOCK.findall(context)
    offered = {tool["function"]["name"] for tool in body.get("tools", [])}
    last_type, last_body = blocks[-1] if blocks else ("", "")
    if last_type == "tool_result" and any(f"intent: {op}" in last_body for op in OPERATIONS):
        return "done_for_now", {"message": f"The answer is {last_body.split('result:')[-1].strip()}"}
    if last_type == "approval" and "approved: false" in last_body:
        return "done_for_now", {"message": "Understood, I did not do that."}
    if last_type == "human_response":
        return "done_for_now", {"message": "Thanks, noted."}
    request = next((body for kind, body in blocks if kind == "user_message"), "")
    for operation in OPERATIONS:
        if operation in request.lower() and operation in offered:
            a, b = (float(n) for n in _NUMBERS.findall(request)[:2])
            return operation, {"a": a, "b": b}
    return "request_more_information", {"message": "Which numbers should I use?"}


class _Handler(BaseHTTPRequestHandler):
    server: FakeOpenAIServer
    protocol_version = "HTTP/1.1"  # keep-alive, as the SDKs' connection pools expect

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length))
        if self.server.failing > 0:  # an outage: 503, as an overloaded API answers
            self.server.failing -= 1
            self.server.failures += 1
            self._send(503, {"error": {"message": "overloaded", "type": "server_error"}})
            return
        time.sleep(self.server.latency)
        self.server.requests.append(body)
        name, arguments = choose_tool(body)
        reply = {
            "id": f"chatcmpl-{len(self.server.requests)}",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model", "fake"),
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "tool_calls",
                    "message": {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {
                                "id": f"call_{len(self.server.requests)}",
                                "type": "function",
                                "function": {"name": name, "arguments": json.dumps(arguments)},
                            }
                        ],
                    },
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
        self._send(200, reply)

    def _send(self, status: int, reply: dict[str, Any]) -> None:
        data = json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return


class FakeOpenAIServer(ThreadingHTTPServer):
    request_queue_size = 1024  # the load bench opens hundreds of connections at once
    daemon_threads = True
    requests: list[dict[str, Any]]
    latency: float = 0.0  # seconds each answer takes, like a real model's
    failing: int = 0  # the next this many requests get 503
    failures: int = 0

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/v1"


@contextmanager
def fake_openai(latency: float = 0.0) -> Iterator[FakeOpenAIServer]:
    server = FakeOpenAIServer(("127.0.0.1", 0), _Handler)
    server.requests = []
    server.latency = latency
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
