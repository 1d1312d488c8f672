"""Generate agent projects once per test module and hand each test a private copy to change."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

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


def run_own_checks(project: Path) -> None:
    """The project's own lint, format, type and test checks, run in this environment, offline."""
    env = {**os.environ, "PYTHONPATH": str(project / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
    for secret in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL"):
        env.pop(secret, None)
    for check in OWN_CHECKS:
        result = subprocess.run(
            [sys.executable, "-m", *check],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        output = (result.stdout + result.stderr)[-4000:]
        assert result.returncode == 0, f"{' '.join(check)} failed in {project}:\n{output}"
