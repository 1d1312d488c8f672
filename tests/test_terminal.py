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
    ("Create calc-bot with these answers?", ""),
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


def _drain(fd: int, buffer: list[str]) -> None:
    """Read what the child printed before it exited."""
    while select.select([fd], [], [], 0.5)[0]:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # closed: everything was read
            return
        if not chunk:
            return
        buffer.append(chunk.decode(errors="replace"))


DOWN, ENTER = "\x1b[B", "\r"
KEYS = (DOWN, ENTER)


def _converse(
    tmp_path: Path, script: list[tuple[str, str]], *args: str, term: str = "dumb"
) -> tuple[int, str]:
    """Run the generator on a pseudo-terminal, answer each prompt, return (exit code, screen)."""
    primary, secondary = pty.openpty()
    env = {**os.environ, "TERM": term, "COLUMNS": "200", "LINES": "50", "NO_COLOR": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "create_12_factor_agent", str(tmp_path / "calc-bot"), "--no-git", *args],
        stdin=secondary, stdout=secondary, stderr=secondary, env=env, close_fds=True,
    )  # fmt: skip
    os.close(secondary)
    screen: list[str] = []
    try:
        for prompt, answer in script:
            _read_until(primary, prompt, screen)
            screen.clear()
            keys = answer if answer in KEYS else answer + "\r"  # a key, or a line and Enter
            os.write(primary, keys.encode())
        code = process.wait(timeout=90)
        _drain(primary, screen)
        return code, "".join(screen)
    finally:
        process.kill()
        os.close(primary)


def test_questions_are_asked_on_a_terminal(tmp_path: Path) -> None:
    code, screen = _converse(tmp_path, SCRIPT)
    assert code == 0, screen
    assert "Created" in screen
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


# Everything but the provider and the example comes as a flag: two menus, then the summary.
FLAGS = [
    "-d", "description=Adds numbers", "-d", "author_name=Ada", "-d", "author_email=ada@example.com",
    "-d", "python_version=3.12", "-d", "model=m", "-d", "state_store=sqlite", "-d", "http_api=false",
    "-d", "github_ci=false", "-d", "docker=false", "-d", "mcp=false",
    "-d", "project_name=calc-bot", "-d", "package_name=calc_bot",
]  # fmt: skip


def test_choices_are_picked_with_the_arrow_keys(tmp_path: Path) -> None:
    # openai is first; one step down is the next provider in copier.yml's order.
    script = [("LLM provider", DOWN), ("", ENTER), ("Example tools", DOWN), ("", ENTER)]
    script += [("Create calc-bot with these answers?", "y")]
    code, screen = _converse(tmp_path, script, *FLAGS, term="xterm")
    assert code == 0, screen
    answers = yaml.safe_load((tmp_path / "calc-bot" / ".copier-answers.yml").read_text())
    assert answers["llm_provider"] != "openai"
    assert answers["example"] != "calculator"


def test_declining_the_summary_writes_nothing(tmp_path: Path) -> None:
    script = [("LLM provider", ""), ("Example tools", ""), ("Create calc-bot with these answers?", "n")]
    code, screen = _converse(tmp_path, script, *FLAGS)
    assert code != 0
    assert "nothing was written" in screen
    assert not (tmp_path / "calc-bot").exists()
    assert list(tmp_path.iterdir()) == []
