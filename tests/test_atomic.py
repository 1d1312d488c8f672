"""Generation is atomic: killed at any moment, DEST is absent or complete, and the next run works."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import git, tree

CLI = [sys.executable, "-m", "create_12_factor_agent"]
# A fixed project name, so every destination should hold exactly the same files.
ANSWERS = ["--defaults", "--data", "project_name=agent"]


def _start(dest: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*CLI, str(dest), *ANSWERS],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def reference_files(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    dest = tmp_path_factory.mktemp("ref") / "agent"
    subprocess.run([*CLI, str(dest), *ANSWERS], check=True, capture_output=True, stdin=subprocess.DEVNULL)
    return tree(dest)


def _assert_absent_or_complete(dest: Path, reference: set[str]) -> str:
    if not dest.exists():
        return "absent"
    assert tree(dest) == reference
    assert git(dest, "status", "--porcelain") == ""
    assert git(dest, "rev-list", "--count", "HEAD") == "1"
    return "complete"


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT, signal.SIGTERM])
def test_killed_generation_leaves_nothing_half_written(
    tmp_path: Path, reference_files: set[str], sig: signal.Signals
) -> None:
    outcomes = []
    # Delays spread over start-up, rendering, git and the final rename of a ~1 s generation.
    for index, delay in enumerate([0.05, 0.2, 0.4, 0.6, 0.8, 1.0, 1.3]):
        dest = tmp_path / f"agent{index}"
        process = _start(dest)
        time.sleep(delay)
        process.send_signal(sig)
        process.wait(timeout=60)
        outcomes.append(_assert_absent_or_complete(dest, reference_files))
        if sig != signal.SIGKILL:  # an orderly exit removes its own staging directory
            assert not list(tmp_path.glob(f".agent{index}.c12fa-*"))
    # The next run over the same name works and sweeps up what a SIGKILL left behind.
    for index in range(len(outcomes)):
        dest = tmp_path / f"agent{index}"
        if not dest.exists():
            subprocess.run(
                [*CLI, str(dest), *ANSWERS], check=True, capture_output=True, stdin=subprocess.DEVNULL
            )
        assert _assert_absent_or_complete(dest, reference_files) == "complete"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_stale_staging_of_a_live_process_is_kept(tmp_path: Path) -> None:
    """Only leftovers of dead processes are removed: a concurrent generation is not disturbed."""
    live = tmp_path / f".agent.c12fa-{os.getpid()}-abc.tmp"
    live.mkdir()
    subprocess.run(
        [*CLI, str(tmp_path / "agent"), "-y"], check=True, capture_output=True, stdin=subprocess.DEVNULL
    )
    assert live.exists()
