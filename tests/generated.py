"""Generate agent projects once per test module and hand each test a private copy to change."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from typer.testing import CliRunner

from create_12_factor_agent.cli import app

# Answer sets: the default (calculator, HTTP API, SQLite) and the smallest one.
FULL: tuple[str, ...] = ()
MINIMAL: tuple[str, ...] = ("example=minimal", "http_api=false", "docker=false", "github_ci=false")


def generate(dest: Path, answers: tuple[str, ...]) -> Path:
    """Render a project with our own CLI (no git), as a user would."""
    args = ["new", str(dest), "-y", "--no-git"]
    for answer in answers:
        args += ["-d", answer]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return dest


def copy_project(source: Path, dest: Path) -> Path:
    shutil.copytree(source, dest)
    return dest


def package_dir(project: Path) -> Path:
    return project / "src" / project.name.replace("-", "_")


def snapshot(project: Path) -> dict[str, bytes]:
    """Every file and its content: compare before and after to prove nothing was written."""
    return {
        p.relative_to(project).as_posix(): p.read_bytes() for p in sorted(project.rglob("*")) if p.is_file()
    }


OWN_CHECKS = (
    ("ruff", "check", "."),
    ("ruff", "format", "--check", "."),
    ("mypy",),
    ("pytest", "-q", "-p", "no:cacheprovider"),
)


def run_own_checks(
    project: Path, runner: tuple[str, ...] = (sys.executable, "-m"), env: dict[str, str] | None = None
) -> None:
    """The project's own lint, format, type and test checks, offline and without keys.

    By default they run in this environment with the project's `src` on the path; pass
    `runner=("uv", "run", "--frozen")` to run them in the project's own environment instead.
    """
    if env is None:
        env = {**os.environ, "PYTHONPATH": str(project / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
    env = {
        k: v for k, v in env.items() if k not in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL")
    }
    for check in OWN_CHECKS:
        result = subprocess.run(
            [*runner, *check],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        output = (result.stdout + result.stderr)[-4000:]
        assert result.returncode == 0, f"{' '.join(check)} failed in {project}:\n{output}"


STARTUP_SECONDS = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(project: Path, package: str, env: dict[str, str], log: Path) -> Iterator[str]:
    """Run the project's `serve` on a free local port until the block ends; yields the base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", package, "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=project, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log.open("wb"),
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        # Generous: on a loaded 2-core runner, importing the web stack alone can take 10-30 s.
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, f"the server exited:\n{log.read_text(errors='replace')}"
            assert time.monotonic() < deadline, (
                f"the server did not start:\n{log.read_text(errors='replace')}"
            )
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
