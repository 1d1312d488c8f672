"""Generate projects with several answer sets and run each one's own checks in a subprocess.

The checks run inside this repo's environment (its `generated` dependency group holds what every
variant needs), so CI builds one environment instead of one per project. One variant also goes through
the real user path: `uv sync` and `uv run pytest` in its own environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from create_12_factor_agent.answers import collect_answers
from create_12_factor_agent.commands import generate
from create_12_factor_agent.questions import Answer, load_questions
from create_12_factor_agent.source import bundled_template_dir, resolve_source

from .generated import run_own_checks

pytestmark = pytest.mark.slow

ANSWER_SETS: dict[str, dict[str, str]] = {
    "openai-sqlite-api-calculator": {},
    "anthropic-sqlite-noapi": {"llm_provider": "anthropic", "http_api": "false", "docker": "false"},
    "compatible-minimal": {
        "llm_provider": "openai_compatible",
        "example": "minimal",
        "github_ci": "false",
        # The longest description allowed, with accents ruff accepts: the project must pass ruff.
        "description": "Répond aux questions de l'équipe, en français ou en anglais, sans détour" + "." * 16,
    },
    "postgres-api-calculator": {"state_store": "postgres"},
    "mcp-sqlite-api-calculator": {"mcp": "true"},
    "postgres-noapi-minimal": {"state_store": "postgres", "http_api": "false", "example": "minimal"},
    "python313-anthropic-minimal": {
        "python_version": "3.13",
        "llm_provider": "anthropic",
        "example": "minimal",
    },
}


def render(dest: Path, data: dict[str, str]) -> dict[str, Answer]:
    questions = load_questions(bundled_template_dir())
    answers = collect_answers(questions, {"project_name": "demo-agent", **data}, use_defaults=True, ask=None)
    generate(dest, answers, resolve_source(None, None), force=False, pretend=False, git=True, progress=print)
    return answers


@pytest.mark.parametrize("name", list(ANSWER_SETS))
def test_generated_project_passes_its_own_checks(name: str, tmp_path: Path) -> None:
    project = tmp_path / name
    answers = render(project, ANSWER_SETS[name])
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert {k: v for k, v in recorded.items() if not k.startswith("_")} == answers
    run_own_checks(project)


@pytest.mark.skipif(shutil.which("uv") is None, reason="uv is not installed")
def test_default_project_with_uv_like_a_user(tmp_path: Path) -> None:
    """`uv sync` then `uv run pytest` in the project's own environment, as the README says."""
    project = tmp_path / "user-agent"
    render(project, {})
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "UV_PROJECT"))}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    sync = subprocess.run(["uv", "sync", "-q"], cwd=project, env=env, capture_output=True, text=True)
    assert sync.returncode == 0, sync.stderr
    run_own_checks(project, ("uv", "run", "--frozen"), env)
