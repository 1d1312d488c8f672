"""Start this project's modules as separate OS processes, the way a deployment runs them."""

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def python_module(
    module: str, *args: str, env: Mapping[str, str] | None = None
) -> "subprocess.Popen[str]":
    """`python -m module args...` from the project root, with `src` importable; `env` is
    added to this process's environment."""
    path = os.pathsep.join(p for p in (str(ROOT / "src"), os.environ.get("PYTHONPATH")) if p)
    return subprocess.Popen(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env={**os.environ, **(env or {}), "PYTHONPATH": path},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
