"""The README's two set-up commands: exactly two, and CI runs the test one letter for letter."""

from __future__ import annotations

import re

import yaml

from .conftest import REPO_ROOT


def _top_commands() -> list[str]:
    readme = (REPO_ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", readme, re.DOTALL)
    assert block, "the README starts with no bash block"
    return [line.split("#", 1)[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_readme_opens_with_one_generate_and_one_test_command() -> None:
    generate, test = _top_commands()
    assert generate.startswith("uvx --from . create-12-factor-agent ")
    assert test == "uv run pytest"


def test_ci_runs_the_readmes_test_command_verbatim() -> None:
    _, test = _top_commands()
    ci_run = (REPO_ROOT / ".ci" / "run").read_text().splitlines()
    assert test in ci_run  # a line of its own, not part of another command
    workflow = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / "ci.yml").read_text())
    assert test in [step.get("run") for step in workflow["jobs"]["test"]["steps"]]
