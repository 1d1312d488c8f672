"""LangGraph's side: a StateGraph with a model node and a prebuilt ToolNode, checkpointed by
SqliteSaver. The model node asks the same scripted model with a context joined from the message
texts (cheaper than any real provider request), so only LangGraph's own overhead is added.

`python bench/langgraph_side.py DB THREAD_ID` is the cold-process resume: load and print a thread.
"""

import itertools
import json
import sqlite3
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage  # type: ignore[import-not-found, unused-ignore]
from langchain_core.tools import tool  # type: ignore[import-not-found, unused-ignore]
from langgraph.checkpoint.sqlite import SqliteSaver  # type: ignore[import-not-found, unused-ignore]
from langgraph.graph import START, MessagesState, StateGraph  # type: ignore[import-not-found, unused-ignore]
from langgraph.graph.state import CompiledStateGraph  # type: ignore[import-not-found, unused-ignore]
from langgraph.prebuilt import ToolNode, tools_condition  # type: ignore[import-not-found, unused-ignore]
from stats import intervals

# The bench dependency group brings LangGraph; the repo's mypy run (dev group only) checks this
# file without it, hence the import ignores.
_call_ids = itertools.count()


@tool  # type: ignore[untyped-decorator, unused-ignore]  # untyped without the bench group
def multiply(a: float, b: float) -> dict[str, float]:
    """Multiply two numbers."""
    return {"result": a * b}


def _tool_call(name: str, args: dict[str, Any]) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": f"call_{next(_call_ids)}"}])


def to_messages(events: Sequence[Any]) -> list[AnyMessage]:
    """Our recorded events as the LangGraph message list a user of it would hold."""
    messages: list[AnyMessage] = []
    for event in events:
        data = event.model_dump(mode="json")
        if event.type in ("user_message", "human_response"):
            messages.append(HumanMessage(content=data.get("message") or data.get("answer")))
        elif event.type == "tool_call":
            messages.append(_tool_call(event.intent, data["arguments"]))
        elif event.type == "tool_result":
            call = messages[-1]
            call_id = call.tool_calls[0]["id"] if isinstance(call, AIMessage) and call.tool_calls else "?"
            messages.append(ToolMessage(content=json.dumps(data["result"]), tool_call_id=call_id))
        else:
            messages.append(HumanMessage(content=json.dumps(data)))
    return messages


def _connect(db_path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(db_path), check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")  # the same durability as the other sides
    return conn


class LangGraphSide:
    def __init__(self, db_path: Path, system: str = "", specs: Sequence[Any] = ()) -> None:
        self._conn = _connect(db_path)
        self._system = system
        self._specs = list(specs)
        self._llm: Any = None
        self._marks: list[float] = []
        builder = StateGraph(MessagesState)
        builder.add_node("model", self._model)
        builder.add_node("tools", ToolNode([multiply]))
        builder.add_edge(START, "model")
        builder.add_conditional_edges("model", tools_condition)
        builder.add_edge("tools", "model")
        self.graph: CompiledStateGraph[Any, Any, Any, Any] = builder.compile(
            checkpointer=SqliteSaver(self._conn)
        )

    def _model(self, state: MessagesState) -> dict[str, list[AnyMessage]]:
        self._marks.append(time.perf_counter())  # one step ends where the next decision starts
        context = "\n\n".join(str(message.content) for message in state["messages"])
        reply = self._llm.next_step(self._system, context, self._specs)
        arguments = json.loads(reply.arguments)
        if reply.name == "done_for_now":
            return {"messages": [AIMessage(content=arguments["message"])]}
        return {"messages": [_tool_call(reply.name, arguments)]}

    def seed(self, messages: Sequence[AnyMessage], thread_id: str) -> None:
        """Store a thread that already holds `messages` (one checkpoint, as after a long run)."""
        config: Any = {"configurable": {"thread_id": thread_id}}
        self.graph.update_state(config, {"messages": list(messages)}, as_node="model")

    def step_seconds(self, prefix: Sequence[AnyMessage], answer: str, llm: Any, steps: int) -> list[float]:
        """Seconds of each model decision: from one model call to the next (the last one: until
        invoke returns), so the tool node and both checkpoint writes count."""
        thread_id = f"lg-{next(_call_ids)}"
        self.seed(prefix, thread_id)
        self._llm = llm
        self._marks = []
        config: Any = {"configurable": {"thread_id": thread_id}, "recursion_limit": 4 * steps + 10}
        state = self.graph.invoke({"messages": [HumanMessage(content=answer)]}, config)
        self._marks.append(time.perf_counter())
        expected = len(prefix) + 1 + 2 * steps + 1
        if len(state["messages"]) != expected:
            raise RuntimeError(f"LangGraph ended with {len(state['messages'])} messages, expected {expected}")
        return intervals(self._marks)

    def render(self, thread_id: str) -> str:
        """Load a thread's latest checkpoint and print-ready text of its messages."""
        state = self.graph.get_state({"configurable": {"thread_id": thread_id}})
        return "\n\n".join(message.pretty_repr() for message in state.values["messages"])

    def close(self) -> None:
        self._conn.close()


if __name__ == "__main__":
    side = LangGraphSide(Path(sys.argv[1]))
    text = side.render(sys.argv[2])
    side.close()
    sys.stdout.write(text + "\n")
