"""Updating is as good as generating afresh: old version → update to the working tree → same files.

The old version is the previous release tag when there is one, else a commit of this repository
pinned below. Both versions are committed into a scratch template repository (tags v0.0.1 and
v0.0.2), so the test always measures the template as it is in the working tree now.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml

from .conftest import REPO_ROOT, Invoke, git, tree

pytestmark = pytest.mark.slow

# A commit on main from before the release work (2026-11-26): the template has changed a lot since.
BASELINE = "08877339dafe5aad6fb9aaedebbe4ee92e95a4a0"

ANSWER_SETS: dict[str, tuple[str, ...]] = {
    "defaults": (),
    "all-features": ("state_store=postgres", "http_api=true", "docker=true", "github_ci=true"),
}


def _old_version() -> str:
    """The latest release tag below HEAD, or the pinned baseline; never silently nothing under CI."""
    tag = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "describe", "--tags", "--abbrev=0", "--match", "v[0-9]*", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    if tag.returncode == 0:
        return tag.stdout.strip()
    have = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "cat-file", "-e", f"{BASELINE}^{{commit}}"],
        capture_output=True,
        check=False,
    )
    if have.returncode != 0:
        reason = f"baseline commit {BASELINE[:12]} is not in this clone (shallow?): fetch the full history"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return BASELINE


def _replace_template(repo: Path, files: Path) -> None:
    for name in ("copier.yml", "templates"):
        target = repo / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    shutil.copy2(files / "copier.yml", repo / "copier.yml")
    shutil.copytree(
        files / "templates",
        repo / "templates",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", ".ruff_cache", ".pytest_cache"),
    )


@pytest.fixture(scope="module")
def two_versions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A template repository: v0.0.1 = the old version, v0.0.2 = this working tree."""
    old = tmp_path_factory.mktemp("old")
    archive = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "archive", "--format=tar", _old_version(), "copier.yml", "templates"],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(old, filter="data")
    repo = tmp_path_factory.mktemp("template-src")
    git(repo, "init", "-q", "-b", "main")
    for tag, files in (("v0.0.1", old), ("v0.0.2", REPO_ROOT)):
        _replace_template(repo, files)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "--allow-empty", "-m", f"template {tag}")
        git(repo, "tag", tag)
    return repo


def _contents(project: Path) -> dict[str, bytes]:
    return {name: (project / name).read_bytes() for name in sorted(tree(project))}


@pytest.mark.parametrize("answers", sorted(ANSWER_SETS))
def test_update_from_the_old_version_equals_a_fresh_generation(
    invoke: Invoke, two_versions: Path, tmp_path: Path, answers: str
) -> None:
    flags = [arg for answer in ANSWER_SETS[answers] for arg in ("-d", answer)]
    source = ["--template", str(two_versions)]
    updated, fresh = tmp_path / "updated" / "agent", tmp_path / "fresh" / "agent"
    updated.parent.mkdir()
    fresh.parent.mkdir()

    result = invoke(str(updated), "-y", *source, "--vcs-ref", "v0.0.1", *flags)
    assert result.exit_code == 0, result.output
    before = _contents(updated)
    result = invoke("update", str(updated), "--defaults")
    assert result.exit_code == 0, result.output  # no conflicts, no .rej files
    result = invoke(str(fresh), "-y", "--no-git", *source, "--vcs-ref", "v0.0.2", *flags)
    assert result.exit_code == 0, result.output

    got, want = _contents(updated), _contents(fresh)
    changed = {name for name in {*before, *want} if before.get(name) != want.get(name)}
    assert len(changed) > 1, "the old and new versions render alike: the test would prove nothing"
    answers_got = yaml.safe_load(got.pop(".copier-answers.yml"))
    answers_want = yaml.safe_load(want.pop(".copier-answers.yml"))
    assert answers_got.pop("_commit") == "v0.0.2"
    answers_want.pop("_commit")
    assert answers_got == answers_want
    assert sorted(got) == sorted(want)  # no file left behind, none missing
    differ = [name for name in got if got[name] != want[name]]
    assert not differ, f"update and fresh generation differ in: {differ}"
