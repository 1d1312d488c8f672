"""Issue 12: a generated agent under latency-bound load, driven over HTTP as a user would.

A fake OpenAI-compatible model answers after a fixed delay (0.2 s and 2 s: a fast and a slow
model). 300 threads ("multiply 3 by 4": two model calls each) are launched with `POST /threads`
from 32 concurrent clients while a probe polls `/healthz`. Measured: POST latency p50/p99,
`/healthz` p99 during the load, and the time until every thread is done against the ideal
(model calls per thread x latency, the time one thread needs when nothing waits).

    python bench/load.py                          # SQLite serve, then Postgres with 1 and 2 workers
    python bench/load.py --threads 100 --latency 0.2 --only sqlite --json

Targets (issue 12): POST p99 <= 250 ms, /healthz p99 <= 100 ms, done within 2x the ideal at
AGENT_CONCURRENCY=300. Postgres comes from AGENT_TEST_DATABASE_URL (default: local `test`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.fake_openai import fake_openai  # noqa: E402  (the black-box tests' model, reused)

PACKAGE = "loadagent"
TOKEN = "load-bench-token-0123456789abcdef0123456789"  # 32+ characters, as serve requires
MESSAGE = "multiply 3 by 4"
MODEL_CALLS_PER_THREAD = 2  # multiply, then done_for_now
CLIENTS = 32
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class Result:
    setup: str
    latency_s: float
    threads: int
    post_p50_ms: float
    post_p99_ms: float
    healthz_p99_ms: float
    launch_s: float
    done_s: float
    ideal_s: float
    unfinished: int

    @property
    def done_vs_ideal(self) -> float:
        return self.done_s / self.ideal_s


def generate(parent: Path, store: str) -> Path:
    root = parent / f"{PACKAGE}-{store}"
    argv = [sys.executable, "-m", "create_12_factor_agent", str(root), "--defaults", "--no-git",
            "-d", f"project_name={PACKAGE}", "-d", f"state_store={store}"]  # fmt: skip
    completed = subprocess.run(argv, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"generating the {store} project failed: {completed.stderr.strip()}")
    return root


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def process(argv: Sequence[str], project: Path, env: dict[str, str], log: Path) -> Iterator[None]:
    child = subprocess.Popen(
        list(argv), cwd=project, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
    )  # fmt: skip
    try:
        yield
    finally:
        child.terminate()
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def wait_healthy(base: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"serve did not start:\n{log.read_text(errors='replace')[-2000:]}")


def percentile(values: Sequence[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def drive(base: str, threads: int) -> tuple[list[float], list[float], float, float, int]:
    """Launch `threads` threads from CLIENTS clients while probing /healthz; wait for all."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    posts: list[float] = []
    probes: list[float] = []
    loading = threading.Event()
    loading.set()

    def probe() -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            while loading.is_set():
                start = time.perf_counter()
                client.get("/healthz")
                probes.append(time.perf_counter() - start)
                time.sleep(0.05)

    def launch(client: httpx.Client) -> str:
        start = time.perf_counter()
        response = client.post("/threads", json={"message": MESSAGE})
        posts.append(time.perf_counter() - start)
        if response.status_code != 202:
            raise RuntimeError(f"POST /threads answered {response.status_code}: {response.text[:200]}")
        return str(response.json()["id"])

    prober = threading.Thread(target=probe, daemon=True)
    prober.start()
    began = time.perf_counter()
    clients = [httpx.Client(base_url=base, headers=headers, timeout=60) for _ in range(CLIENTS)]
    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            ids = list(pool.map(launch, (clients[i % CLIENTS] for i in range(threads))))
        launched = time.perf_counter() - began
        pending = set(ids)
        deadline = time.monotonic() + 600
        while pending and time.monotonic() < deadline:
            with ThreadPoolExecutor(8) as pool:
                statuses = list(pool.map(
                    lambda tid: (tid, clients[0].get(f"/threads/{quote(tid)}").json()["status"]),
                    sorted(pending),
                ))  # fmt: skip
            pending -= {tid for tid, status in statuses if status == "done"}
            if pending:
                time.sleep(0.2)
        done = time.perf_counter() - began
    finally:
        loading.clear()
        prober.join(timeout=30)
        for client in clients:
            client.close()
    return posts, probes, launched, done, len(pending)


def run_setup(name: str, project: Path, latency: float, threads: int, workers: int, database: str) -> Result:
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANTHROPIC_", "AGENT_"))}
    with ExitStack() as stack, fake_openai(latency) as model:
        env = {
            **base_env,
            "PYTHONPATH": str(project / "src"),
            "OPENAI_BASE_URL": model.base_url,
            "OPENAI_API_KEY": "sk-load-bench",
            "AGENT_API_TOKEN": TOKEN,
            "AGENT_DATABASE_URL": database,
            "AGENT_CONCURRENCY": "300",
        }
        log = project / f"{name}.log"
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        serve = [sys.executable, "-m", PACKAGE, "serve", "--host", "127.0.0.1", "--port", str(port)]
        stack.enter_context(process(serve, project, env, log))
        for _ in range(workers):
            worker = [sys.executable, "-m", PACKAGE, "worker", "--concurrency", "300"]
            stack.enter_context(process(worker, project, env, log))
        wait_healthy(base, log)
        posts, probes, launched, done, unfinished = drive(base, threads)
    return Result(
        setup=name, latency_s=latency, threads=threads,
        post_p50_ms=1000 * percentile(posts, 50), post_p99_ms=1000 * percentile(posts, 99),
        healthz_p99_ms=1000 * percentile(probes, 99), launch_s=launched, done_s=done,
        ideal_s=MODEL_CALLS_PER_THREAD * latency, unfinished=unfinished,
    )  # fmt: skip


def fresh_schema(url: str) -> str:
    """A throwaway Postgres schema (via the search_path option) so runs never see each other."""
    import psycopg

    schema = f"load_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return f"{url}?options={quote(f'-csearch_path={schema}')}"


def project_for(work: Path, store: str) -> Path:
    """The generated project for `store`, rendered once per bench run."""
    root = work / f"{PACKAGE}-{store}"
    return root if root.exists() else generate(work, store)


def measure(latencies: Sequence[float], threads: int, only: str | None) -> list[Result]:
    pg_url = os.environ.get("AGENT_TEST_DATABASE_URL", DEFAULT_PG)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="load-bench-") as tmp:
        work = Path(tmp)
        for latency in latencies:
            setups: list[tuple[str, str, int, str]] = []
            if only in (None, "sqlite"):
                setups.append(("sqlite serve", "sqlite", 0, f"sqlite:///{work / f'load-{latency}.db'}"))
            if only in (None, "postgres"):
                for workers in (1, 2):
                    name = f"postgres serve + {workers} worker{'s' if workers > 1 else ''}"
                    setups.append((name, "postgres", workers, fresh_schema(pg_url)))
            for name, store, workers, database in setups:
                project = project_for(work, store)
                results.append(run_setup(name, project, latency, threads, workers, database))
                print(f"[load] {results[-1]}", file=sys.stderr, flush=True)
    return results


HEADER = (
    "| setup | model latency | POST p50 | POST p99 | /healthz p99 | all launched | all done "
    "| ideal | done / ideal | unfinished |"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=300)
    parser.add_argument("--latency", type=float, action="append", help="model latency (s); repeatable")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    results = measure(args.latency or [0.2, 2.0], args.threads, args.only)
    if args.json:
        print(json.dumps([{**asdict(r), "done_vs_ideal": round(r.done_vs_ideal, 2)} for r in results]))
        return
    print(f"{args.threads} threads, {CLIENTS} clients, AGENT_CONCURRENCY=300, {os.cpu_count()} cores\n")
    print(HEADER)
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r.setup} | {r.latency_s:g} s | {r.post_p50_ms:.0f} ms | {r.post_p99_ms:.0f} ms "
            f"| {r.healthz_p99_ms:.0f} ms | {r.launch_s:.1f} s | {r.done_s:.1f} s | {r.ideal_s:.1f} s "
            f"| {r.done_vs_ideal:.2f} | {r.unfinished} |"
        )


if __name__ == "__main__":
    main()
