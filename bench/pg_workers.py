"""Issue 5: how a generated agent scales out on Postgres.

Steps per second (a step = one model decision committed to the store) with 1, 2 and 4 worker
processes draining the Postgres work queue, the SQLite store in one process for comparison, and
the cost of one step as the thread grows. The model is a stateless script with no latency, so
the figures are the agent's own overhead: a real model adds its latency to every step, and then
throughput grows with workers until the database is the limit.

    python bench/pg_workers.py [--seconds 5]        (PostgreSQL from AGENT_TEST_DATABASE_URL)

`measure()` returns the figures as a dict (pg_steps_per_s_1w/2w/4w, ...) for bench/run.py.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote

PACKAGE = "pgbench"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
STEPS_PER_THREAD = 5  # multiplications before done_for_now: 6 decisions per thread
WORKER_COUNTS = (1, 2, 4)
LENGTHS = (10, 100, 1000)

# The worker process: the generated project's own Runner over its own store and run queue,
# with a stateless model that decides from the context alone (any worker can take any step).
DRIVER = """
import json, sys
from PKG.config import Settings
from PKG.llm import RawToolCall
from PKG.execution import Executor
from PKG.runner import Leases, Runner
from PKG.store.postgres import PostgresStore

class StatelessLLM:
    def next_step(self, system, context, tools):
        done = context.count("<tool_result>")
        if done < STEPS:
            return RawToolCall("multiply", json.dumps({"a": float(done), "b": 2.0}))
        return RawToolCall("done_for_now", json.dumps({"message": "done"}))

url = sys.argv[1]
store = PostgresStore(url, max_size=4)
settings = Settings(_env_file=None, agent_database_url=url, agent_llm=None, agent_max_steps=100)
executor = Executor(store, StatelessLLM(), settings, prefetch=())
runner = Runner(executor, store.runs, concurrency=1, leases=Leases(poll=0.05), exit_when_idle=True)
print("ready", flush=True)
sys.stdin.readline()
runner.start()
runner.wait_until_idle()
runner.stop(5)
store.close()
print(json.dumps({"completed": runner.completed}), flush=True)
"""


class Project:
    """The generated Postgres project, imported from its src/."""

    def __init__(self, root: Path) -> None:
        self.root = root
        sys.path.insert(0, str(root / "src"))
        self.config = self._load("config")
        self.events = self._load("events")
        self.policy = self._load("policy")
        self.llm = self._load("llm")
        self.scripted = self._load("llm.scripted")
        self.postgres = self._load("store.postgres")
        self.sqlite = self._load("store.sqlite")
        self.runner = self._load("runner")
        self.service = self._load("service")
        self.execution = self._load("execution")
        self.thread = self._load("thread")

    @staticmethod
    def _load(name: str) -> ModuleType:
        return importlib.import_module(f"{PACKAGE}.{name}")

    def settings(self, url: str) -> Any:
        return self.config.Settings(
            _env_file=None, agent_database_url=url, agent_llm=None, agent_max_steps=100
        )

    def stateless_llm(self) -> Any:
        raw = self.llm.RawToolCall

        class StatelessLLM:
            def next_step(self, system: str, context: str, tools: Any) -> Any:
                done = context.count("<tool_result>")
                if done < STEPS_PER_THREAD:
                    return raw("multiply", json.dumps({"a": float(done), "b": 2.0}))
                return raw("done_for_now", json.dumps({"message": "done"}))

        return StatelessLLM()


def generate(parent: Path) -> Project:
    root = parent / PACKAGE
    argv = [sys.executable, "-m", "create_12_factor_agent", str(root), "--defaults", "--no-git"]
    for answer in (f"project_name={PACKAGE}", "state_store=postgres", "http_api=false"):
        argv += ["--data", answer]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"generating the Postgres project failed: {done.stderr.strip()}")
    return Project(root)


@contextmanager
def schema(server: str) -> Iterator[str]:
    """A schema of our own on the server, dropped afterwards; yields its URL."""
    import psycopg

    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    try:
        yield with_options(server, f"-csearch_path={name}")
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {name} CASCADE")


def with_options(url: str, options: str) -> str:
    if "options=" in url:
        head, _, tail = url.partition("options=")
        return f"{head}options={quote(options + ' ')}{tail}"
    return f"{url}{'&' if '?' in url else '?'}options={quote(options)}"


def no_flush(url: str) -> str:
    """The same database, but commits do not wait for the disk (synchronous_commit=off)."""
    return with_options(url, "-csynchronous_commit=off")


def count_steps(store: Any) -> int:
    with store.transaction() as conn:
        row = conn.execute("SELECT count(*) FROM agent_events WHERE type = 'tool_call'").fetchone()
    return int(row[0])


def worker_rate(project: Project, url: str, workers: int, seconds: float, driver: Path) -> float:
    """Steps/s of `workers` processes draining a queue that outlasts `seconds`."""
    setup = project.postgres.PostgresStore(no_flush(url))
    try:
        with setup.transaction() as conn:
            conn.execute("TRUNCATE agent_runs, agent_events, agent_threads")
        queue = project.service.AgentService(setup, project.runner.Queued())
        for i in range(int(150 * seconds * workers**0.5)):
            queue.launch(project.service.Trigger(message=f"task {i}"))
        env = {**os.environ, "PYTHONPATH": str(project.root / "src")}
        procs = [
            subprocess.Popen(
                [sys.executable, str(driver), url],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env=env,
            )
            for _ in range(workers)
        ]
        for proc in procs:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
        before = count_steps(setup)
        started = time.perf_counter()
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        deadline = started + seconds
        while time.perf_counter() < deadline and any(p.poll() is None for p in procs):
            time.sleep(0.02)
        after = count_steps(setup)
        elapsed = time.perf_counter() - started
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.communicate(timeout=60)
        return (after - before) / elapsed
    finally:
        setup.close()


def sqlite_rate(project: Project, directory: Path, seconds: float) -> float:
    """Steps/s of one process running the same threads on the SQLite store."""
    db = directory / "agent.db"
    store = project.sqlite.SQLiteStore(str(db))
    service = project.service.AgentService.foreground(
        store, project.stateless_llm(), project.settings(f"sqlite:///{db}"), prefetch=()
    )
    steps, started = 0, time.perf_counter()
    try:
        while time.perf_counter() - started < seconds:
            service.launch(project.service.Trigger(message="task"))
            steps += STEPS_PER_THREAD + 1
    finally:
        store.close()
    return steps / (time.perf_counter() - started)


class TimingStore:
    """Delegates to a store and notes when each append (one committed step) returns."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.marks: list[float] = []

    def load(self, thread_id: str) -> Any:
        return self.inner.load(thread_id)

    def append(self, thread_id: str, expected_version: int, events: Any) -> int:
        version: int = self.inner.append(thread_id, expected_version, events)
        self.marks.append(time.perf_counter())
        return version


def step_ms_by_length(project: Project, url: str, lengths: tuple[int, ...]) -> dict[str, Any]:
    """For a thread already holding `length` events, a worker job of 21 steps: the first step
    (which loads the thread and renders its history once) and each later step."""
    ev = project.events
    sync = project.policy.Policy.SYNC
    store = project.postgres.PostgresStore(no_flush(url))
    first: dict[int, float] = {}
    each: dict[int, float] = {}
    appended: dict[int, float] = {}
    histories: dict[int, list[Any]] = {}
    try:
        for length in lengths:
            history = [ev.UserMessage(message="multiply along")]
            for i in range((length - 2) // 2):
                history.append(ev.ToolCall(intent="multiply", arguments={"a": i, "b": 2}, policy=sync))
                history.append(ev.ToolResult(intent="multiply", result={"product": i * 2}))
            history.append(ev.HumanResponse(answer="twenty more, please"))
            firsts, laters = [], []
            for _ in range(3):
                thread = project.thread.Thread(id=uuid.uuid4().hex, events=tuple(history))
                store.create(thread)
                llm = project.scripted.ScriptedLLM()
                for i in range(20):
                    llm.call("multiply", a=float(i), b=3.0)
                llm.call("done_for_now", message="done")
                timing = TimingStore(store)
                executor = project.execution.Executor(timing, llm, project.settings(url), prefetch=())
                started = time.perf_counter()
                executor.advance(thread.id)
                marks = timing.marks
                firsts.append((marks[0] - started) * 1000)
                laters.append((marks[-1] - marks[0]) / (len(marks) - 1) * 1000)
            first[length], each[length] = min(firsts), min(laters)
            histories[length] = history
        # The store alone, lengths interleaved so that drift on a shared machine hits them alike.
        for _ in range(3):
            for length, history in histories.items():
                ms = append_ms(project, store, history)
                appended[length] = min(ms, appended.get(length, ms))
    finally:
        store.close()
    return {"first": first, "each": each, "append": appended}


def append_ms(project: Project, store: Any, history: list[Any]) -> float:
    """The store alone: milliseconds to append one step (a call and its result)."""
    ev = project.events
    thread = project.thread.Thread(id=uuid.uuid4().hex, events=tuple(history))
    store.create(thread)
    version = thread.version
    call = ev.ToolCall(intent="multiply", arguments={"a": 1, "b": 2}, policy=project.policy.Policy.SYNC)
    result = ev.ToolResult(intent="multiply", result={"product": 2})
    started = time.perf_counter()
    for _ in range(30):
        version = store.append(thread.id, version, [call, result])
    return (time.perf_counter() - started) / 30 * 1000


def commit_ms(url: str) -> float:
    """One small durable commit: the floor under every step with default settings."""
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_flush_probe (n int)")
        conn.commit()
        started = time.perf_counter()
        for i in range(50):
            conn.execute("INSERT INTO bench_flush_probe VALUES (%s)", (i,))
            conn.commit()
        return (time.perf_counter() - started) / 50 * 1000


def server_reachable(server: str) -> str | None:
    try:
        import psycopg

        psycopg.connect(server, connect_timeout=3).close()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}".strip()
    return None


def measure(agent: object = None, seconds: float = 5.0, repeats: int = 2) -> dict[str, Any]:
    """The figures as a dict. `agent` (bench/run.py's SQLite project) is not needed: this
    bench generates its own Postgres project."""
    server = os.environ.get("AGENT_TEST_DATABASE_URL", DEFAULT_URL)
    problem = server_reachable(server)
    if problem is not None:
        keys = [f"pg_steps_per_s_{n}w" for n in WORKER_COUNTS]
        return {**dict.fromkeys(keys), "notes": [f"Postgres figures skipped: {problem}"]}
    with tempfile.TemporaryDirectory() as tmp, schema(server) as url:
        project = generate(Path(tmp))
        project.postgres.PostgresStore(url).close()  # create the schema before workers race
        driver = Path(tmp) / "driver.py"
        script = DRIVER.replace("PKG", PACKAGE).replace("STEPS", str(STEPS_PER_THREAD))
        driver.write_text(script, encoding="utf-8")
        figures: dict[str, Any] = {"pg_commit_ms": commit_ms(url)}
        # Best of `repeats`: throughput only ever looks worse for the noise of a shared machine.
        for n in WORKER_COUNTS:
            rates = [worker_rate(project, url, n, seconds, driver) for _ in range(repeats)]
            figures[f"pg_steps_per_s_{n}w"] = max(rates)
        for n in (1, 2):
            rates = [worker_rate(project, no_flush(url), n, seconds, driver) for _ in range(repeats)]
            figures[f"pg_steps_per_s_{n}w_no_flush"] = max(rates)
        figures["sqlite_steps_per_s"] = sqlite_rate(project, Path(tmp), seconds)
        by_length = step_ms_by_length(project, url, LENGTHS)
        figures["pg_step_ms_by_length"] = by_length["each"]
        figures["pg_first_step_ms_by_length"] = by_length["first"]
        figures["pg_append_ms_by_length"] = by_length["append"]
        each = by_length["each"]
        figures["pg_step_ms_ratio_1000_vs_10"] = each[LENGTHS[-1]] / each[LENGTHS[0]]
    return figures


def report(figures: dict[str, Any]) -> str:
    if figures.get("pg_steps_per_s_1w") is None:
        return "\n".join(figures.get("notes", ["no figures"]))
    one = figures["pg_steps_per_s_1w"]
    lines = [f"durable commit on this server: {figures['pg_commit_ms']:.2f} ms"]
    for n in WORKER_COUNTS:
        rate = figures[f"pg_steps_per_s_{n}w"]
        lines.append(f"postgres {n} worker(s): {rate:8.1f} steps/s  ({rate / one:.2f}x of 1 worker)")
    for n in (1, 2):
        rate = figures[f"pg_steps_per_s_{n}w_no_flush"]
        lines.append(f"postgres {n} worker(s), synchronous_commit=off: {rate:8.1f} steps/s")
    sqlite = figures["sqlite_steps_per_s"]
    lines.append(f"sqlite, 1 process: {sqlite:8.1f} steps/s  ({sqlite / one:.2f}x of 1 pg worker)")
    firsts = figures["pg_first_step_ms_by_length"]
    for length, ms in figures["pg_step_ms_by_length"].items():
        lines.append(
            f"thread of {length:5d} events: {ms:6.2f} ms per step"
            f" (a job's first step, which loads the thread: {firsts[length]:6.2f} ms)"
        )
    lines.append(f"per-step cost, 1000 vs 10 events: {figures['pg_step_ms_ratio_1000_vs_10']:.2f}x")
    appends = figures["pg_append_ms_by_length"]
    shown = ", ".join(f"{ms:.2f} ms at {n}" for n, ms in appends.items())
    lines.append(f"store append alone (one step's events): {shown} events")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=5.0, help="per measured configuration")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = measure(seconds=args.seconds)
    print(json.dumps(figures, indent=2, default=str) if args.json else report(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
