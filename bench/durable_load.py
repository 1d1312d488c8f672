"""Issue 12: latency-bound load over HTTP. 300 threads launched by 32 clients against `serve`,
with a fake model that takes 0.2 s or 2 s per call; SQLite `serve` (embedded runner) and
PostgreSQL `serve` with 1 and 2 `worker` processes, all at AGENT_CONCURRENCY=300.

Prints, per setup: POST /threads p50/p99, /healthz p99 while the load runs, and the time until
every thread is done against the ideal (model calls per thread x latency: all threads at once).

    python bench/durable_load.py [--threads 300] [--latency 0.2 2] [--setups sqlite pg1 pg2]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.fake_openai import FakeOpenAIServer, fake_openai

PACKAGE = "loadagent"
PG_URL = os.environ.get("AGENT_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
CALLS_PER_THREAD = 2  # "add i and 1": the add call, then done_for_now
CLIENTS = 32


def generate(parent: Path, store: str) -> Path:
    root = parent / f"{PACKAGE}-{store}"
    subprocess.run(
        [sys.executable, "-m", "create_12_factor_agent", str(root), "--defaults", "--no-git",
         "-d", f"project_name={PACKAGE}", "-d", f"state_store={store}"],
        check=True, capture_output=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    return root


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@contextmanager
def started(argv: list[str], root: Path, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        argv, cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
    )  # fmt: skip
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_healthy(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "serve exited"
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("serve did not start")


def done_count(store: str, url: str) -> int:
    if store == "sqlite":
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return int(conn.execute("SELECT count(*) FROM threads WHERE status = 'done'").fetchone()[0])
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM agent_threads WHERE status = 'done'").fetchone()
        return int(row[0]) if row else 0


def pg_schema() -> tuple[str, str]:
    import psycopg

    name = f"load_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    return name, f"{PG_URL}?options=-csearch_path%3D{name}"


def drop_schema(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{name}" CASCADE')


def run_setup(setup: str, root: Path, model: FakeOpenAIServer, threads: int, work: Path) -> dict[str, Any]:
    store = "sqlite" if setup == "sqlite" else "postgres"
    workers = 0 if setup == "sqlite" else int(setup.removeprefix("pg"))
    schema = None
    if store == "sqlite":
        url = f"sqlite:///{work / f'{uuid.uuid4().hex}.db'}"
    else:
        schema, url = pg_schema()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANTHROPIC_", "AGENT_"))}
    env.update(
        PYTHONPATH=str(root / "src"), OPENAI_BASE_URL=model.base_url, OPENAI_API_KEY="bench",
        AGENT_DATABASE_URL=url, AGENT_CONCURRENCY="300", AGENT_WORKER_POLL_SECONDS="0.2",
    )  # fmt: skip
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = work / f"{setup}.log"
    serve = [sys.executable, "-m", PACKAGE, "serve", "--port", str(port), "--no-auth"]
    try:
        with started(serve, root, env, log) as server:
            wait_healthy(base, server)
            worker_procs = [
                started([sys.executable, "-m", PACKAGE, "worker"], root, env, log) for _ in range(workers)
            ]
            procs = [w.__enter__() for w in worker_procs]
            try:
                time.sleep(3 if workers else 0)  # let the workers import and connect
                return measure(base, store, url, model, threads)
            finally:
                for w in worker_procs:
                    w.__exit__(None, None, None)
                del procs
    finally:
        if schema:
            drop_schema(schema)


def measure(base: str, store: str, url: str, model: FakeOpenAIServer, threads: int) -> dict[str, Any]:
    health: list[float] = []
    stop = threading.Event()

    def probe() -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            while not stop.is_set():
                started = time.perf_counter()
                client.get("/healthz")
                health.append(time.perf_counter() - started)
                time.sleep(0.02)

    prober = threading.Thread(target=probe, daemon=True)
    prober.start()
    posts: list[float] = []
    lock = threading.Lock()
    clients = [httpx.Client(base_url=base, timeout=60) for _ in range(CLIENTS)]

    def launch(i: int) -> None:
        client = clients[i % CLIENTS]
        t0 = time.perf_counter()
        response = client.post("/threads", json={"message": f"add {i} and 1"})
        elapsed = time.perf_counter() - t0
        assert response.status_code == 202, response.text
        with lock:
            posts.append(elapsed)

    began = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(launch, range(threads)))
    launched = time.perf_counter() - began
    while done_count(store, url) < threads:
        if time.perf_counter() - began > 600:
            raise RuntimeError("threads did not finish in 10 minutes")
        time.sleep(0.1)
    total = time.perf_counter() - began
    stop.set()
    prober.join()
    for client in clients:
        client.close()
    ideal = CALLS_PER_THREAD * model.latency
    return {
        "post_p50_ms": round(statistics.median(posts) * 1000, 1),
        "post_p99_ms": round(percentile(posts, 0.99) * 1000, 1),
        "healthz_p99_ms": round(percentile(health, 0.99) * 1000, 1),
        "launch_s": round(launched, 2),
        "done_s": round(total, 2),
        "ideal_s": ideal,
        "vs_ideal": round(total / ideal, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=300)
    parser.add_argument("--latency", type=float, nargs="+", default=[0.2, 2.0])
    parser.add_argument("--setups", nargs="+", default=["sqlite", "pg1", "pg2"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, fake_openai() as model:
        work = Path(tmp)
        roots = {
            store: generate(work, store)
            for store in {"sqlite" if s == "sqlite" else "postgres" for s in args.setups}
        }
        results = []
        for latency in args.latency:
            model.latency = latency
            for setup in args.setups:
                root = roots["sqlite" if setup == "sqlite" else "postgres"]
                row = {
                    "setup": setup,
                    "latency_s": latency,
                    **run_setup(setup, root, model, args.threads, work),
                }
                print(json.dumps(row), flush=True)
                results.append(row)


if __name__ == "__main__":
    main()
