"""The generated weekly template-update workflow's own shell steps, run here against a real update.

GitHub is not needed for the part that matters: the steps' scripts run in bash with
`GITHUB_OUTPUT`, and `uvx --from SPEC copier` runs this environment's copier (offline).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from .conftest import Invoke, git

WORKFLOW = ".github/workflows/template-update.yml"
NOTES = "templates/agent/NOTES.md"

RunStep = Callable[[Path, str], dict[str, str]]


def _release(repo: Path, tag: str, files: dict[str, str]) -> None:
    for name, text in files.items():
        (repo / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"template {tag}")
    git(repo, "tag", tag)


def _outputs(path: Path) -> dict[str, str]:
    """GITHUB_OUTPUT's two forms: `key=value` lines and `key<<DELIM` ... `DELIM` blocks."""
    lines, outputs = path.read_text().splitlines(), {}
    while lines:
        line = lines.pop(0)
        if "<<" in line:
            key, delimiter = line.split("<<", 1)
            end = lines.index(delimiter)
            outputs[key], lines = "\n".join(lines[:end]), lines[end + 1 :]
        else:
            key, value = line.split("=", 1)
            outputs[key] = value
    return outputs


@pytest.fixture
def run_step(tmp_path: Path) -> RunStep:
    if shutil.which("jq") is None:
        if os.environ.get("CI"):
            pytest.fail("jq is missing (GitHub's runners have it)")
        pytest.skip("jq is not installed")
    shims = tmp_path / "bin"
    shims.mkdir()
    uvx = shims / "uvx"
    uvx.write_text(
        "#!/bin/sh\n# uvx --from SPEC TOOL ARGS... runs this environment's TOOL\n"
        f'shift 2\nexec "{sys.executable}" -m "$@"\n'
    )
    uvx.chmod(0o755)

    def run(project: Path, step_id: str) -> dict[str, str]:
        workflow = yaml.safe_load((project / WORKFLOW).read_text())
        (step,) = [s for s in workflow["jobs"]["update"]["steps"] if s.get("id") == step_id]
        output = tmp_path / f"{step_id}.out"
        output.write_text("")
        env = {
            **os.environ,
            **workflow["env"],
            "PATH": f"{shims}{os.pathsep}{os.environ['PATH']}",
            "GITHUB_OUTPUT": str(output),
        }
        result = subprocess.run(
            ["bash", "-e", "-c", step["run"]],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return _outputs(output)

    return run


def test_weekly_update_finds_the_new_version_and_lists_conflicts(
    invoke: Invoke, template_repo: Path, tmp_path: Path, run_step: RunStep
) -> None:
    _release(template_repo, "v0.1.1", {NOTES: "alpha\nbeta\ngamma\n"})
    project = tmp_path / "agent"
    assert invoke(str(project), "-y", "--template", str(template_repo), "--vcs-ref", "v0.1.1").exit_code == 0
    assert run_step(project, "check")["newer"] == "false"

    notes = project / "NOTES.md"
    notes.write_text("alpha\nbeta-user\ngamma\n")
    git(project, "commit", "-q", "-am", "user edit")
    _release(
        template_repo, "v0.2.0", {NOTES: "alpha\nbeta-template\ngamma\n", "templates/agent/NEW.md": "n\n"}
    )

    check = run_step(project, "check")
    assert (check["newer"], check["current"], check["latest"]) == ("true", "0.1.1", "0.2.0")
    update = run_step(project, "update")
    assert update["conflicts"].split() == ["NOTES.md"]
    assert "<<<<<<< " in notes.read_text()  # left as markers for the reviewer
    assert (project / "NEW.md").read_text() == "n\n"
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == "v0.2.0"
