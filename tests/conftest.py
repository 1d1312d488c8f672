"""Shared fixtures: a CLI runner, and a local git copy of this template that tests can tag and change."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from create_12_factor_agent.cli import app, normalize_argv

from .generated import FULL, MINIMAL, copy_project, generate

REPO_ROOT = Path(__file__).resolve().parents[1]

Invoke = Callable[..., Result]


@pytest.fixture
def invoke() -> Invoke:
    """Run the CLI in-process the way `main()` would (DEST alone means `new DEST`)."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, normalize_argv(list(args)), input=input)

    return run


def git(path: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(path), "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


@pytest.fixture
def template_repo(tmp_path: Path) -> Path:
    """This repo's copier.yml + templates/ committed into a fresh git repo and tagged v0.1.0."""
    repo = tmp_path / "template-src"
    repo.mkdir()
    shutil.copy2(REPO_ROOT / "copier.yml", repo / "copier.yml")
    shutil.copytree(
        REPO_ROOT / "templates",
        repo / "templates",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", ".ruff_cache", ".pytest_cache"),
    )
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "template v0.1.0")
    git(repo, "tag", "v0.1.0")
    return repo


def tree(path: Path) -> set[str]:
    """Every file below `path` (relative, posix), .git excluded."""
    return {
        p.relative_to(path).as_posix()
        for p in path.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(path).parts
    }


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A default project, generated once per test module; tests change copies of it."""
    return generate(tmp_path_factory.mktemp("pristine") / "agent", FULL)


@pytest.fixture(scope="module")
def pristine_minimal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("pristine") / "agent", MINIMAL)


@pytest.fixture
def project(pristine: Path, tmp_path: Path) -> Path:
    return copy_project(pristine, tmp_path / "agent")
