"""Checks on free-text answers that end up inside generated Python files, so every project
passes its own ruff: no character ruff flags as ambiguous, no line longer than ruff allows."""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

# The description is written as `"""<text>"""` (package docstring) and as `    help="<text>",`
# (the CLI); the generated ruff allows 100 columns, the second line adds 12.
MAX_DESCRIPTION_COLUMNS = 88


@cache
def ambiguous_characters() -> frozenset[str]:
    """The characters ruff's RUF001-RUF003 report as confusable with ASCII (curly quotes, the
    multiplication sign, ligatures, ...), listed in ambiguous.txt; tests/test_questions.py
    re-derives the list from the installed ruff."""
    text = (Path(__file__).with_name("ambiguous.txt")).read_text(encoding="utf-8")
    return frozenset(text.strip())


def columns(text: str) -> int:
    """Display width as ruff measures line length: wide (e.g. CJK) characters count twice."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def text_problem(text: str, *, max_columns: int | None = None) -> str:
    """Empty when `text` is safe inside generated Python source, else the reason it is not."""
    hidden = next((char for char in text if not char.isprintable()), None)
    if hidden is not None:
        return f"must not contain the invisible character U+{ord(hidden):04X}"
    ambiguous = sorted({char for char in text if char in ambiguous_characters()})
    if ambiguous:
        shown = ", ".join(f"{char!r} (U+{ord(char):04X})" for char in ambiguous[:3])
        return f"must not contain characters that look like ASCII ones (ruff flags them): {shown}"
    if max_columns is not None and columns(text) > max_columns:
        return f"must fit in {max_columns} columns (it is {columns(text)})"
    return ""
