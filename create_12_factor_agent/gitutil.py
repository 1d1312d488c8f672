"""The few git operations we need, run as subprocesses with errors turned into GitError."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from create_12_factor_agent.errors import GitError

# Used only when the user has no git identity configured, so the first commit never fails.
FALLBACK_NAME = "create-12-factor-agent"
FALLBACK_EMAIL = "create-12-factor-agent@users.noreply.localhost"


def git_available() -> bool:
    return shutil.which("git") is not None


def run_git(path: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    try:
        result = subprocess.run(
            ["git", "-C", str(path), *args],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except FileNotFoundError as error:
        raise GitError("git is not installed") from error
    if check and result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise GitError(f"git {args[0]} failed: {detail[-1] if detail else result.returncode}")
    return result


def is_work_tree(path: Path) -> bool:
    return (
        git_available()
        and run_git(path, "rev-parse", "--is-inside-work-tree", check=False).stdout.strip() == "true"
    )


def dirty_files(path: Path) -> list[str]:
    """Modified, staged and untracked files: copier refuses to update over any of them."""
    output = run_git(path, "status", "--porcelain", "--untracked-files=all").stdout
    return [line[3:] for line in output.splitlines() if line.strip()]


def init_and_commit(path: Path, message: str, files: list[str] | None = None) -> str:
    """`git init` + a first commit of `files` (default: everything); returns the commit id."""
    run_git(path, "init", "--quiet", "--initial-branch=main")
    if files is None:
        run_git(path, "add", "--all")
    else:
        run_git(path, "add", "--", *files)
    run_git(
        path,
        *_identity(path),
        "-c",
        "commit.gpgsign=false",
        "commit",
        "--quiet",
        "--no-verify",
        "-m",
        message,
    )
    return run_git(path, "rev-parse", "HEAD").stdout.strip()


def _identity(path: Path) -> list[str]:
    name = run_git(path, "config", "user.name", check=False).stdout.strip()
    email = run_git(path, "config", "user.email", check=False).stdout.strip()
    if name and email:
        return []
    return [
        "-c",
        f"user.name={name or FALLBACK_NAME}",
        "-c",
        f"user.email={email or FALLBACK_EMAIL}",
    ]
