"""The cost of tracing: per-step time of the generated agent's runs (`Executor.advance` over its SQLite
store, a tool run and a write per step) with no tracing code at all, as wired with OTEL_* unset (what
everyone gets by default), with no-op spans through the API (the design not taken), and with an SDK
exporting to memory (the batch processor `OTEL_EXPORTER_OTLP_ENDPOINT` installs, with and without
message contents). The
sides alternate round by round in one process; ratios are against the first. Nothing here asserts
a time.

    uv run python bench/tracing_bench.py [ROUNDS]
"""

import importlib
import json
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from project import PACKAGE, generate
from stats import alternate, median
from workload import QUESTION, new_id, settings

DECISIONS = 21  # 20 multiplications, then done_for_now


class Bare:
    """The executor's tracing seam with nothing behind it: the code path before tracing existed."""

    def observe_llm(self, llm: Any) -> Any:
        return llm

    def observe_tools(self, tools: Any) -> Any:
        return tools

    @contextmanager
    def run(self, thread: Any) -> Iterator[Callable[[Any], None]]:
        yield lambda after: None


def scripted(agent: Any) -> Any:
    """DECISIONS replies, each with the call record a real provider's reply carries."""
    llm_mod = importlib.import_module(f"{PACKAGE}.llm")
    info = llm_mod.CallInfo(
        model="gpt-bench-2025-01-01",
        latency_ms=500.0,
        input_tokens=1200,
        output_tokens=20,
        finish_reason="tool_calls",
        response_id="chatcmpl-bench",
    )
    replies = [
        llm_mod.RawToolCall("multiply", json.dumps({"a": float(i + 3), "b": 2.0}), info=info)
        for i in range(DECISIONS - 1)
    ]
    replies.append(llm_mod.RawToolCall("done_for_now", json.dumps({"message": "All done."}), info=info))
    return agent.scripted.ScriptedLLM(replies)


def main(rounds: int) -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    with tempfile.TemporaryDirectory() as tmp:
        agent = generate(Path(tmp))
        execution = importlib.import_module(f"{PACKAGE}.execution")
        tracing = importlib.import_module(f"{PACKAGE}.tracing")
        db = Path(tmp) / "bench.db"
        store = agent.sqlite_store.SQLiteStore(str(db))
        config = settings(agent, f"sqlite:///{db}")
        exported = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(BatchSpanProcessor(exported))

        def traced(capture: bool) -> Any:
            tracer = provider.get_tracer("bench")
            return tracing.Tracing(
                agent="bench", provider="openai", model="gpt-bench", capture_content=capture, tracer=tracer
            )

        seams = {
            "no tracing code": Bare(),
            # What wiring builds with OTEL_* unset: no SDK installed, so no span is started.
            "OTEL_* unset (default)": tracing.Tracing(
                agent="bench", provider="openai", model="gpt-bench", enabled=tracing.installed()
            ),
            # The alternative not taken: no-op spans through the API on every call.
            "no-op API spans, no SDK": tracing.Tracing(agent="bench", provider="openai", model="gpt-bench"),
            "SDK, in-memory exporter": traced(False),
            "SDK, in-memory, with contents": traced(True),
        }

        def side(seam: Any) -> Callable[[], float]:
            def once() -> float:
                executor = execution.Executor(
                    store, scripted(agent), config, tools=agent.tools.discover(), prefetch=(), tracing=seam
                )
                first = agent.events.UserMessage(message=QUESTION)
                thread = agent.thread.Thread(id=new_id(), events=(first,))
                store.create(thread)
                start = time.perf_counter()
                outcome = executor.advance(thread.id)
                elapsed = time.perf_counter() - start
                # Untimed: the exporter's thread finishes this run's spans before the next side
                # runs, and the spans are counted and dropped (a growing heap slows every gc).
                provider.force_flush()
                counted.append(len(exported.get_finished_spans()))
                exported.clear()
                if outcome.thread.status != "done":
                    raise RuntimeError(f"the run ended {outcome.thread.status}")
                return elapsed / DECISIONS

            return once

        counted: list[int] = []
        samples = alternate({name: side(seam) for name, seam in seams.items()}, rounds, warmup=3)
        store.close()
        provider.shutdown()

    base = median(samples["no tracing code"])
    print(f"per-step time, median of {rounds} runs of {DECISIONS} decisions (a tool run and a write each)")
    for name, values in samples.items():
        per_step = median(values)
        print(f"  {name:<32} {per_step * 1e6:8.1f} us   x{per_step / base:.3f}")
    kinds = f"1 invoke_agent, {DECISIONS} chat, {DECISIONS - 1} execute_tool"
    print(f"spans per traced run: {max(counted)} ({kinds})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
