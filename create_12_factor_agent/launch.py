"""The console script's entry point: as light as possible, so a Ctrl-C that lands while the
CLI is still importing (typer and rich take a while) exits 130 with one line, not a traceback.
Only `sys` is imported before the `try` (even `typing` takes tens of milliseconds)."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from create_12_factor_agent.cli import main as run
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted\n")
        sys.exit(130)
    run()
