"""The interactive path, driven through a real pseudo-terminal as a person would type."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import yaml

# (text the prompt shows, what the person types). A bad answer must be explained and asked again.
SCRIPT = [
    ("Project name", ""),
    ("Python package name", ""),
    ("One-line description", "Adds numbers"),
    ("Author name", "Ada"),
    ("Author email", "not-an-email"),
    ("must look like an email", "ada@example.com"),
    ("Minimum Python version", "9"),
    ("choose", "3"),
    ("LLM provider", "anthropic"),
    ("Default model name", ""),
    ("State store", ""),
    ("HTTP API", "n"),
    ("Example tools", "2"),
    ("GitHub Actions", ""),
    ("Dockerfile", "n"),
    ("MCP servers", ""),
]


def _read_until(fd: int, needle: str, buffer: list[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while needle not in "".join(buffer):
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"timed out waiting for {needle!r}; screen so far:\n{''.join(buffer)}"
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            try:
                buffer.append(os.read(fd, 4096).decode(errors="replace"))
            except OSError:  # the child closed the terminal
                break


def test_questions_are_asked_on_a_terminal(tmp_path: Path) -> None:
    primary, secondary = pty.openpty()
    env = {**os.environ, "TERM": "dumb", "COLUMNS": "200", "NO_COLOR": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "create_12_factor_agent", str(tmp_path / "calc-bot"), "--no-git"],
        stdin=secondary, stdout=secondary, stderr=secondary, env=env, close_fds=True,
    )  # fmt: skip
    os.close(secondary)
    screen: list[str] = []
    try:
        for prompt, answer in SCRIPT:
            _read_until(primary, prompt, screen)
            screen.clear()
            os.write(primary, answer.encode() + b"\r")
        _read_until(primary, "Created", screen, timeout=60)
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
        os.close(primary)
    answers = yaml.safe_load((tmp_path / "calc-bot" / ".copier-answers.yml").read_text())
    assert answers["project_name"] == "calc-bot"
    assert answers["package_name"] == "calc_bot"
    assert answers["author_email"] == "ada@example.com"
    assert answers["python_version"] == "3.13"
    assert answers["llm_provider"] == "anthropic"
    assert answers["model"].startswith("claude")
    assert answers["http_api"] is False
    assert answers["example"] == "minimal"
    assert answers["github_ci"] is True
    assert answers["docker"] is False
    assert answers["mcp"] is False
