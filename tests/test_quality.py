"""Our own code stays ruff- and mypy-clean; run as tests so CI enforces it everywhere."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import REPO_ROOT


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "."],
        ["ruff", "format", "--check", "."],
        ["mypy"],
    ],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_tool_passes(command: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", *command], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_only_files_that_use_jinja_carry_the_jinja_suffix() -> None:
    # A `.jinja` file without Jinja in it turns a later `{{` in plain Python into a template bug,
    # and a plain file is one the template's own lint and editors read as what it is.
    template = REPO_ROOT / "templates" / "agent"
    plain = [
        str(path.relative_to(template))
        for path in template.rglob("*.jinja")
        if not any(mark in path.read_text(encoding="utf-8") for mark in ("{{", "{%", "{#"))
    ]
    assert plain == []
