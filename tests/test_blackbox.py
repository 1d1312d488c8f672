"""Drive generated agents as a user would: their CLI and HTTP API, against an OpenAI-compatible server.

Nothing here imports the generated code: each project runs in subprocesses (`python -m <package>`),
its model is a local fake Chat Completions server, and its state lives in the project's SQLite file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .fake_openai import FakeOpenAIServer, fake_openai
from .generated import free_port, serving

pytestmark = pytest.mark.slow
API_TOKEN = "blackbox-api-token-0123456789abcdef"  # serve refuses tokens under 32 characters


def _generate(dest: Path, *data: str) -> Path:
    subprocess.run(
        [sys.executable, "-m", "create_12_factor_agent", str(dest), "-y", "--no-git",
         "-d", "project_name=calc-agent", *(arg for item in data for arg in ("-d", item))],
        check=True, capture_output=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    return dest


@pytest.fixture(scope="module")
def model() -> Iterator[FakeOpenAIServer]:
    with fake_openai() as server:
        yield server


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _generate(tmp_path_factory.mktemp("bb") / "calc-agent")


def _env(project: Path, model: FakeOpenAIServer, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANTHROPIC_", "AGENT_"))}
    env.update(
        PYTHONPATH=str(project / "src"),
        OPENAI_BASE_URL=model.base_url,
        OPENAI_API_KEY="test-key",
        AGENT_DATABASE_URL=f"sqlite:///{project / 'agent.db'}",
    )
    env.update(extra)
    return env


def _agent(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "calc_agent", *args],
        cwd=project, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60,
    )  # fmt: skip


def _thread(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr
    thread: dict[str, Any] = json.loads(result.stdout)
    return thread


def _results(thread: dict[str, Any], intent: str) -> list[Any]:
    return [e["result"] for e in thread["events"] if e["type"] == "tool_result" and e["intent"] == intent]


def test_cli_run_uses_native_tool_calls(project: Path, model: FakeOpenAIServer) -> None:
    thread = _thread(_agent(project, _env(project, model), "run", "multiply 3 and 4", "--json"))
    assert thread["status"] == "done"
    assert thread["id"]
    assert [r for r in _results(thread, "multiply") if 12 in dict(r).values()]
    request = model.requests[-1]
    offered = {tool["function"]["name"] for tool in request["tools"]}
    assert {"add", "subtract", "multiply", "divide", "request_more_information", "done_for_now"} <= offered
    assert request["tools"][0]["function"]["parameters"]["type"] == "object"


def test_cli_approval_then_resume_from_another_process(project: Path, model: FakeOpenAIServer) -> None:
    env = _env(project, model)
    paused = _thread(_agent(project, env, "run", "divide 10 by 4", "--json"))
    assert paused["status"] == "waiting_for_approval"
    assert _results(paused, "divide") == []  # paused between selection and execution
    done = _thread(_agent(project, env, "resume", paused["id"], "--approve", "--json"))
    assert done["status"] == "done"
    assert [r for r in _results(done, "divide") if 2.5 in dict(r).values()]
    shown = _thread(_agent(project, env, "show", done["id"], "--json"))
    assert shown["events"] == done["events"]


def test_cli_rejection_never_runs_the_tool(project: Path, model: FakeOpenAIServer) -> None:
    env = _env(project, model)
    paused = _thread(_agent(project, env, "run", "divide 1 by 3", "--json"))
    done = _thread(_agent(project, env, "resume", paused["id"], "--reject", "--comment", "not now", "--json"))
    assert done["status"] == "done"
    assert _results(done, "divide") == []
    assert "not now" in model.requests[-1]["messages"][-1]["content"]


def test_cli_errors_are_one_line_and_non_zero(project: Path, model: FakeOpenAIServer) -> None:
    env = _env(project, model)
    unknown = _agent(project, env, "show", "no-such-thread")
    assert unknown.returncode != 0
    assert len(unknown.stderr.strip().splitlines()) == 1
    done = _thread(_agent(project, env, "run", "add 1 and 2", "--json"))
    mismatch = _agent(project, env, "resume", done["id"], "--answer", "hello")
    assert mismatch.returncode != 0
    assert len(mismatch.stderr.strip().splitlines()) == 1
    no_key = {k: v for k, v in env.items() if k != "OPENAI_API_KEY"}
    missing = _agent(project, no_key, "run", "add 1 and 2")
    assert missing.returncode == 2
    assert "OPENAI_API_KEY" in missing.stderr


@pytest.fixture
def server(project: Path, model: FakeOpenAIServer, tmp_path: Path) -> Iterator[httpx.Client]:
    env = _env(project, model, AGENT_API_TOKEN=API_TOKEN)
    with (
        serving(project, "calc_agent", env, tmp_path / "server.log") as base,
        httpx.Client(base_url=base, headers={"Authorization": f"Bearer {API_TOKEN}"}) as client,
    ):
        yield client


def _wait_for(client: httpx.Client, thread_id: str, status: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        thread: dict[str, Any] = client.get(f"/threads/{thread_id}").json()
        if thread["status"] == status:
            return thread
        assert time.monotonic() < deadline, f"thread stuck in {thread['status']}"
        time.sleep(0.05)


def test_http_launch_approve_and_errors(server: httpx.Client) -> None:
    assert httpx.get(f"{server.base_url}/threads/x").status_code == 401  # no token
    launched = server.post("/threads", json={"message": "divide 9 by 3"})
    assert launched.status_code == 202
    thread_id = launched.json()["id"]
    paused = _wait_for(server, thread_id, "waiting_for_approval")
    assert _results(paused, "divide") == []
    wrong = server.post(f"/threads/{thread_id}/responses", json={"answer": "yes"})
    assert wrong.status_code == 409
    assert server.post(f"/threads/{thread_id}/responses", json={"approved": True}).status_code == 202
    done = _wait_for(server, thread_id, "done")
    assert [r for r in _results(done, "divide") if 3 in dict(r).values()]
    assert server.get("/threads/unknown-id").status_code == 404
    assert (
        server.post("/threads", content=b"not json", headers={"Content-Type": "application/json"}).status_code
        == 422
    )


def _serve_process(project: Path, env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "calc_agent", "serve", "--port", str(port), "--no-auth"],
        cwd=project, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log.open("ab"),
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)


def test_kill_9_of_serve_then_a_restart_finishes_every_thread_exactly_once(
    project: Path, model: FakeOpenAIServer, tmp_path: Path
) -> None:
    """Nobody calls resume: the restarted server picks up the runs the killed one held."""
    port = free_port()
    db = f"sqlite:///{tmp_path / 'kill.db'}"
    env = _env(project, model, AGENT_DATABASE_URL=db, AGENT_WORKER_LEASE_SECONDS="2")
    log = tmp_path / "server.log"
    model.latency = 0.5
    try:
        first = _serve_process(project, env, port, log)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            launched = [client.post("/threads", json={"message": f"add {i} and 1"}) for i in range(10)]
        ids = [response.json()["id"] for response in launched]
        before = len(model.requests)
        while len(model.requests) == before:  # model calls are in flight
            time.sleep(0.05)
        first.kill()
        first.wait()
        second = _serve_process(project, env, port, log)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
                finished = [_wait_for(client, thread_id, "done") for thread_id in ids]
        finally:
            second.terminate()
            assert second.wait(timeout=30) == 0
    finally:
        model.latency = 0.0
    for i, thread in enumerate(finished):
        assert [r for r in _results(thread, "add")] == [{"result": i + 1.0}], thread


def test_a_model_outage_is_retried_recorded_and_the_run_finishes(
    project: Path, model: FakeOpenAIServer, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'outage.db'}"
    env = _env(project, model, AGENT_LLM_RETRY_BASE="0.2", AGENT_DATABASE_URL=db)
    model.failures = 0
    model.failing = 3
    result = _agent(project, env, "run", "add 2 and 3", "--json")
    thread = _thread(result)
    assert thread["status"] == "done"
    assert _results(thread, "add") == [{"result": 5.0}]
    failed = [e for e in thread["events"] if e["type"] == "model_call_failed"]
    assert len(failed) == model.failures == 3
    assert {e["status"] for e in failed} == {503}
    assert "waiting: model request failed: HTTP 503" in result.stderr
    # The model never saw its outages.
    assert all("model_call_failed" not in r["messages"][-1]["content"] for r in model.requests)


def test_openai_compatible_minimal_project_needs_no_key(model: FakeOpenAIServer, tmp_path: Path) -> None:
    """A local server (Ollama, vLLM) needs only OPENAI_BASE_URL; the human tools drive the thread."""
    project = _generate(tmp_path / "calc-agent", "llm_provider=openai_compatible", "example=minimal")
    env = {k: v for k, v in _env(project, model).items() if k != "OPENAI_API_KEY"}
    asked = _thread(_agent(project, env, "run", "plan my week", "--json"))
    assert asked["status"] == "waiting_for_human"
    offered = {tool["function"]["name"] for tool in model.requests[-1]["tools"]}
    assert offered == {"request_more_information", "done_for_now"}
    # The tool-mode ladder starts at native calls; it steps down only when a server refuses them.
    assert model.requests[-1]["tool_choice"] == "required"
    done = _thread(_agent(project, env, "resume", asked["id"], "--answer", "mostly meetings", "--json"))
    assert done["status"] == "done"
    assert [e for e in done["events"] if e["type"] == "human_response"]


PG_URL = os.environ.get("AGENT_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A schema of its own on the real server, dropped afterwards; yields a URL that uses it."""
    import psycopg

    try:
        admin = psycopg.connect(PG_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL at {PG_URL} is unreachable and CI is unset: {error}")
    schema = f"blackbox_{os.getpid()}_{int(time.time() * 1000) % 10**6}"
    with admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield f"{PG_URL}?options=-csearch_path%3D{schema}"
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


def test_postgres_project_serves_and_a_worker_runs_the_thread(
    model: FakeOpenAIServer, pg_schema: str, tmp_path: Path
) -> None:
    """The scale-out shape: `serve` only queues (and needs no model key), a separate `worker`
    process takes the steps."""
    project = _generate(tmp_path / "calc-agent", "state_store=postgres")
    env = _env(project, model, AGENT_DATABASE_URL=pg_schema, AGENT_API_TOKEN=API_TOKEN)
    api_env = {k: v for k, v in env.items() if k != "OPENAI_API_KEY"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "calc_agent", "worker", "--concurrency", "2"],
        cwd=project, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "worker.log").open("wb"),
    )  # fmt: skip
    try:
        with (
            serving(project, "calc_agent", api_env, tmp_path / "server.log") as base,
            httpx.Client(base_url=base, headers={"Authorization": f"Bearer {API_TOKEN}"}) as client,
        ):
            launched = client.post("/threads", json={"message": "divide 8 by 2"})
            assert launched.status_code == 202
            thread_id = launched.json()["id"]
            _wait_for(client, thread_id, "waiting_for_approval")
            assert client.post(f"/threads/{thread_id}/responses", json={"approved": True}).status_code == 202
            done = _wait_for(client, thread_id, "done")
            assert [r for r in _results(done, "divide") if 4 in dict(r).values()]
    finally:
        worker.terminate()
        assert worker.wait(timeout=30) == 0, (tmp_path / "worker.log").read_text()
