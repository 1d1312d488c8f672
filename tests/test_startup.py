"""Start-up stays cheap: neither importing the CLI nor `--help` imports copier."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import create_12_factor_agent.cli as cli
sys.argv = ["create-12-factor-agent", *sys.argv[1:]]
try:
    cli.main()
except SystemExit:
    pass
print("copier loaded:", "copier" in sys.modules, file=sys.stderr)
"""


def _copier_loaded(*args: str) -> bool:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    return "copier loaded: True" in result.stderr


def test_import_and_help_do_not_load_copier() -> None:
    assert not _copier_loaded("--help")
    assert not _copier_loaded("new", "--help")
    assert not _copier_loaded("--version")


def test_validation_errors_do_not_load_copier(tmp_path: object) -> None:
    assert not _copier_loaded("x-dest", "-y", "-d", "llm_provider=nope")


def test_module_entry_point() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "create_12_factor_agent", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("create-12-factor-agent ")
