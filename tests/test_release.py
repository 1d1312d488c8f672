"""Release builds: the version comes from the git tag, and a tagged wheel's projects can be updated."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from create_12_factor_agent.source import CANONICAL_URL

from .conftest import REPO_ROOT, git

pytestmark = pytest.mark.slow


def _source_copy(dest: Path) -> Path:
    """The working tree's files (tracked and new, not ignored) committed into a fresh repository."""
    listed = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO_ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "release candidate")
    return dest


def _build(source: Path, out: Path, *kinds: str) -> list[Path]:
    uv = shutil.which("uv")
    flags = [f"--{kind}" for kind in kinds]
    command = [uv, "build", *flags, "--out-dir", str(out)] if uv else [
        sys.executable, "-m", "build", *flags, "--outdir", str(out)
    ]  # fmt: skip
    subprocess.run(command, cwd=source, check=True, capture_output=True)
    return sorted(p for p in out.iterdir() if p.name.endswith((".whl", ".tar.gz")))


def _install(wheel: Path, venv: Path) -> Path:
    uv = shutil.which("uv")
    if uv:
        subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True)
        subprocess.run(
            [uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python"), str(wheel)], check=True
        )
    else:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)], check=True)
    return venv / "bin" / "create-12-factor-agent"


def _run(cli: Path, *args: str, cwd: Path) -> str:
    result = subprocess.run(
        [str(cli), *args], cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def tagged_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = _source_copy(tmp_path_factory.mktemp("src"))
    git(source, "tag", "v9.8.7")
    return source


def _release_step(job: str, name: str) -> dict[str, Any]:
    workflow = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / "release.yml").read_text())
    (step,) = [step for step in workflow["jobs"][job]["steps"] if str(step.get("name", "")).startswith(name)]
    return dict(step)


def _run_release_step(job: str, name: str, cwd: Path, bins: list[Path], env: dict[str, str]) -> None:
    """Run one of the release workflow's scripts here; `uvx [--from SPEC] TOOL` runs TOOL from `bins`."""
    shims = cwd.parent / "shims"
    shims.mkdir(exist_ok=True)
    search = " ".join(f'"{path}"' for path in bins)
    (shims / "uvx").write_text(
        '#!/bin/sh\nif [ "$1" = --from ]; then shift 2; fi\ntool="$1"; shift\n'
        f'for dir in {search}; do [ -x "$dir/$tool" ] && exec "$dir/$tool" "$@"; done\nexit 127\n'
    )
    (shims / "uvx").chmod(0o755)
    step = _release_step(job, name)
    full_env = {
        **os.environ,
        **env,
        "PATH": f"{shims}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(cwd.parent),
    }
    result = subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=cwd, env=full_env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"{name}:\n{result.stdout}{result.stderr}"


def test_tagged_build_is_the_release_and_its_projects_record_the_tag(
    tagged_source: Path, tmp_path: Path
) -> None:
    wheel, sdist = _build(tagged_source, tmp_path / "run" / "dist", "sdist", "wheel")
    assert (sdist.name, wheel.name) == (
        "create_12_factor_agent-9.8.7.tar.gz",
        "create_12_factor_agent-9.8.7-py3-none-any.whl",
    )
    cli = _install(wheel, tmp_path / "venv")
    assert _run(cli, "--version", cwd=tmp_path).strip() == "create-12-factor-agent 9.8.7"
    _run(cli, str(tmp_path / "agent"), "--defaults", "--no-git", cwd=tmp_path)
    answers = yaml.safe_load((tmp_path / "agent" / ".copier-answers.yml").read_text())
    assert (answers["_commit"], answers["_src_path"]) == ("v9.8.7", CANONICAL_URL)

    # The release workflow's own checks and generation step, on these very files.
    bins = [cli.parent, Path(sys.executable).parent]
    _run_release_step("build", "Check them", tmp_path / "run", bins, {"TAG": "v9.8.7"})
    matrix = yaml.safe_load((REPO_ROOT / ".github/workflows/release.yml").read_text())["jobs"]["generated"]
    for answers_flags in matrix["strategy"]["matrix"]["answers"]:
        shutil.rmtree(tmp_path / "run" / "agent", ignore_errors=True)
        env = {"TAG": "v9.8.7", "ANSWERS": answers_flags}
        _run_release_step("generated", "Generate a project", tmp_path / "run", bins, env)


def test_sdist_builds_the_same_version_without_git(tagged_source: Path, tmp_path: Path) -> None:
    (sdist,) = _build(tagged_source, tmp_path / "sdist", "sdist")
    subprocess.run(["tar", "-xzf", str(sdist), "-C", str(tmp_path)], check=True)
    unpacked = tmp_path / sdist.name.removesuffix(".tar.gz")
    assert not (unpacked / ".git").exists()
    (wheel,) = _build(unpacked, tmp_path / "wheel", "wheel")
    assert wheel.name == "create_12_factor_agent-9.8.7-py3-none-any.whl"
    assert "create_12_factor_agent/_bundled/copier.yml" in zipfile.ZipFile(wheel).namelist()


def test_build_between_tags_is_a_dev_version_without_commit(tagged_source: Path, tmp_path: Path) -> None:
    later = tmp_path / "later"
    git(tagged_source, "worktree", "add", "-q", "-b", "later", str(later))
    (later / "NEWS.md").write_text("after the release\n")
    git(later, "add", "NEWS.md")
    git(later, "commit", "-q", "-m", "after the release")
    (wheel,) = _build(later, tmp_path / "dist", "wheel")
    version = wheel.name.split("-")[1]
    assert version.startswith("9.8.8.dev1"), version  # PEP 440: the next patch's first dev build
    cli = _install(wheel, tmp_path / "venv")
    assert _run(cli, "--version", cwd=tmp_path).strip().endswith(version)
    _run(cli, str(tmp_path / "agent"), "--defaults", "--no-git", cwd=tmp_path)
    answers = yaml.safe_load((tmp_path / "agent" / ".copier-answers.yml").read_text())
    assert "_commit" not in answers
    assert answers["_src_path"] == CANONICAL_URL


def test_plain_copy_without_git_builds_the_fallback_version(tagged_source: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    shutil.copytree(tagged_source, plain, ignore=shutil.ignore_patterns(".git"))
    (wheel,) = _build(plain, tmp_path / "dist", "wheel")
    assert wheel.name == "create_12_factor_agent-0.0.0.dev0-py3-none-any.whl"
